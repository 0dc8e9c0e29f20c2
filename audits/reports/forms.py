from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Provider
from vouchers.models import Program

from ..models import Report

# A report of this system is a few megabytes at most.
VERIFY_MAX_BYTES = 50 * 1024 * 1024


class ReportRequestForm(forms.Form):
    """One form for the three kinds; the service says which fields each
    kind needs (and the view puts its refusal beside the field)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Report.Kind.choices,
        initial=Report.Kind.PROGRAM,
        widget=forms.RadioSelect,
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        required=False,
        queryset=Program.objects.order_by("code"),
        empty_label=_("— choose a program —"),
        help_text=_("For a program report."),
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        required=False,
        queryset=Provider.objects.order_by("name"),
        empty_label=_("— choose a provider —"),
        help_text=_("For a provider reconciliation report, with its period."),
    )
    period_start = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=_("Period until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    enterprise = forms.CharField(
        label=_("Enterprise (unified social credit code)"),
        required=False,
        max_length=18,
        help_text=_("For an enterprise dossier."),
    )

    def clean_enterprise(self):
        code = self.cleaned_data["enterprise"].strip().upper()
        if not code:
            return None
        enterprise = Enterprise.objects.filter(uscc=code).first()
        if enterprise is None:
            raise forms.ValidationError(
                _("No enterprise with this credit code is in the register.")
            )
        return enterprise


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
