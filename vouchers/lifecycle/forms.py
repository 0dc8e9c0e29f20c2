"""The program manager's forms: revoke a voucher, record a clawback and a
repayment. The services check every rule again (the API and tasks call
them, never these forms)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import LEGAL_BASIS_MAX, REASON_MAX, REFERENCE_MAX, ClawbackDemand

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown to the enterprise and kept in the audit trail, e.g. the facts and the rule."
        ),
    )


class ClawbackForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to repay (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=LEGAL_BASIS_MAX,
        help_text=_("The document and article, e.g. 《杭州市算力券实施细则》第十二条."),
    )
    reason = forms.CharField(
        label=_("Facts"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was obtained improperly, and how it was found."),
    )
    due_on = forms.DateField(label=_("Due date"), widget=DATE)

    def to_demand(self) -> ClawbackDemand:
        d = self.cleaned_data
        return ClawbackDemand(
            amount=d["amount"],
            legal_basis=d["legal_basis"],
            reason=d["reason"],
            due_on=d["due_on"],
        )


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount received (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    paid_on = forms.DateField(label=_("Date received"), widget=DATE)
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=REFERENCE_MAX,
        help_text=_("The bank's reference of the repayment (each is recorded once)."),
    )
