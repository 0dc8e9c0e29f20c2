"""The settlement forms: they parse and present; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import MONEY_INPUT_ATTRS

from .services import NOTE_MAX, REFERENCE_MAX


class RecordsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Your records for the period"),
        help_text=_(
            "CSV or XLSX, up to 5 MB. First row: 发票号码, 券码, 金额, 日期 "
            "(invoice number, voucher code, amount in yuan, date); one invoice a row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ExplainForm(forms.Form):
    note = forms.CharField(
        label=_("Explanation"),
        max_length=NOTE_MAX,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. invoice reissued as number …")}
        ),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The provider sees it and corrects the statement's reconciliation."
        ),
    )


class PaymentForm(forms.Form):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=REFERENCE_MAX,
        help_text=_("The bank or treasury payment voucher number."),
    )
    paid_on = forms.DateField(
        label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=_("Amount paid (yuan)"),
        max_digits=16,
        decimal_places=2,
        widget=forms.TextInput(attrs=MONEY_INPUT_ATTRS),
        help_text=_("A statement is paid in full, once."),
    )
