from django import forms
from django.utils.translation import gettext_lazy as _

from vouchers.models import Program

# A report of this system is a few megabytes at most.
VERIFY_MAX_BYTES = 50 * 1024 * 1024


class ReportRequestForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.order_by("code"),
        empty_label=_("— choose a program —"),
    )


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=_("Report number"),
        max_length=32,
        help_text=_("As printed on the report, e.g. AR-2026-000001."),
    )
    file = forms.FileField(
        label=_("The file (PDF or XLSX)"),
        help_text=_(
            "The file is compared with the one the system issued and then discarded."
        ),
    )

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than any report this system issues.")
            )
        return upload
