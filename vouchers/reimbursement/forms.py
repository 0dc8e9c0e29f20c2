from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Program
from ..redemption.services import INVOICE_MAX, REASON_MAX
from .selectors import issuers_for
from .services import Claim


class ClaimForm(forms.Form):
    """The enterprise's claim: the invoice of what it paid and its proof."""

    invoice_issuer = forms.ChoiceField(
        label=_("Provider that issued the invoice"),
        help_text=_("Only approved providers of this program are listed."),
    )
    invoice_number = forms.CharField(
        label=_("Invoice number"),
        max_length=INVOICE_MAX,
        help_text=_(
            "As printed on the invoice (发票号码): 20 digits for a fully digital "
            "invoice (全电发票), or an older VAT invoice's code and number as "
            "CODE-NUMBER. One invoice backs one claim."
        ),
    )
    invoice_date = forms.DateField(
        label=_("Invoice date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    amount = forms.DecimalField(
        label=_("Amount claimed (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text=_("At most what the invoice shows and what is left on the voucher."),
    )
    proof = forms.FileField(
        label=_("Proof of payment"),
        help_text=_("Bank receipt or transfer record, PDF, JPEG or PNG."),
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice_issuer"].choices = [
            ("", _("— choose the provider —")),
            *((p.uscc, f"{p.name}（{p.uscc}）") for p in issuers_for(program)),
        ]

    def to_claim(self) -> Claim:
        d = self.cleaned_data
        return Claim(
            invoice_issuer=d["invoice_issuer"],
            invoice_number=d["invoice_number"],
            invoice_date=d["invoice_date"],
            amount=d["amount"],
        )


class VerifyForm(forms.Form):
    """A reviewer's decision: verify an amount (at most the claim) or reject."""

    decision = forms.ChoiceField(
        choices=[("verify", _("Verify")), ("reject", _("Reject"))],
        error_messages={
            "required": _("Choose to verify or to reject the claim."),
            "invalid_choice": _("Choose to verify or to reject the claim."),
        },
    )
    amount = forms.DecimalField(
        label=_("Verified amount (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "What the invoice and the proof support; less than claimed needs a reason."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
    )


class PayForm(forms.Form):
    """A program manager records the payment of the verified amount."""

    paid_on = forms.DateField(
        label=_("Paid on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=60,
        help_text=_("The bank's reference of the transfer (each is recorded once)."),
    )
