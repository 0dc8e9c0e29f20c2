"""The charge forms: they parse and present; the services decide (the same
rules as the provider API), so a value a service refuses (another
provider's offering, a quantity of zero, an empty reason) reaches it and
its message is shown."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.forms import MONEY_INPUT_ATTRS
from enterprises.models import Offering, Provider
from enterprises.selectors import offerings_with_filing_status

from .services import INVOICE_MAX, REASON_MAX, Charge, filing_refusal

CODE_ATTRS = {"autocomplete": "off", "spellcheck": "false", "class": "mono"}


def offering_label(offering: Offering) -> str:
    """An offering by name, with its list price per unit: “A100 卡时 — 12.50元/GPU卡时”."""
    unit = offering.unit_label
    text = format(offering.list_price.normalize(), "f")
    whole, _dot, frac = text.partition(".")
    price = f"{int(whole):,}." + frac.ljust(2, "0")
    return _("%(name)s — %(price)s yuan per %(unit)s") % {
        "name": offering.name,
        "price": price,
        "unit": unit,
    }


def refused_offering_label(offering: Offering) -> str:
    """An offering the service would refuse for its filing, so labelled:
    “模型 API — 0.01元/千tokens（备案已注销，不能扣费）”."""
    return _("%(offering)s (%(status)s, cannot be charged)") % {
        "offering": offering_label(offering),
        "status": offering.filing_status_label,
    }


class OfferingSelect(forms.Select):
    """The provider's offerings, each option carrying its list price
    (``data-list-price``) for static/js/charge.js, which fills the unit
    price with it until the user types their own; an offering that cannot
    be charged (``refused``) is shown disabled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prices: dict[str, Decimal] = {}
        self.refused: set[str] = set()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.refused:
            option["attrs"]["disabled"] = True
            return option
        price = self.prices.get(str(value))
        if price is not None:
            option["attrs"]["data-list-price"] = f"{price.normalize():f}"
        return option


class ChargeForm(forms.Form):
    voucher_code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        help_text=_(
            "As on the voucher certificate (XXXX-XXXX-XXXX-XXXX); lower case, "
            "spaces or no dashes are fine. The certificate's QR code opens this "
            "page with the code filled in."
        ),
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
    credit_code = forms.CharField(
        label=_("The enterprise's unified social credit code"),
        max_length=40,
        help_text=_(
            "A voucher is charged only together with its holder's credit code."
        ),
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
    # The provider's own offerings are offered; any number is passed on, and
    # the service refuses one that is not the provider's (with its message).
    offering = forms.IntegerField(label=_("Offering"), widget=OfferingSelect)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=18,
        decimal_places=4,
        widget=forms.TextInput(attrs=MONEY_INPUT_ATTRS),
        help_text=_("In the offering's unit, up to four decimal places."),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (yuan)"),
        max_digits=14,
        decimal_places=4,
        widget=forms.TextInput(attrs=MONEY_INPUT_ATTRS),
        help_text=_(
            "At most the offering's list price, shown beside its name. "
            "The amount is quantity × unit price, rounded to the fen."
        ),
    )
    period_start = forms.DateField(
        label=_("Used from"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=_("Used until"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    invoice_number = forms.CharField(
        label=_("Your invoice number"),
        help_text=_(
            "The invoice you issued for this use: a fully digital invoice's 20 "
            "digits (全电发票), an older VAT invoice as CODE-NUMBER, or your own "
            "billing reference with a letter in it. One invoice backs one charge."
        ),
        widget=forms.TextInput(attrs={**CODE_ATTRS, "maxlength": INVOICE_MAX}),
    )

    def __init__(self, *args, provider: Provider, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        offerings = offerings_with_filing_status(
            Offering.objects.filter(provider=provider, is_active=True).order_by(
                "kind", "name"
            ),
            today=today,
        )
        # What the service would refuse for the filing, said beforehand
        # (a value sent anyway still reaches the service and its refusal).
        refusals = {o.pk: filing_refusal(o, o.filing_status) for o in offerings}
        self.refused_offerings = [r for r in refusals.values() if r]
        choices = [
            (o.pk, refused_offering_label(o) if refusals[o.pk] else offering_label(o))
            for o in offerings
        ]
        widget = self.fields["offering"].widget
        widget.choices = [("", "—"), *choices]
        widget.prices = {str(o.pk): o.list_price for o in offerings}
        widget.refused = {str(pk) for pk, refusal in refusals.items() if refusal}
        # The unit price starts at the list price: most charges are at it.
        if len(offerings) == 1 and not refusals[offerings[0].pk]:
            self.fields["offering"].initial = offerings[0].pk
            self.fields[
                "unit_price"
            ].initial = f"{offerings[0].list_price.normalize():f}"
        self.fields["unit_price"].widget.attrs["data-list-price-of"] = "offering"
        # Today: never before the voucher's first day (the service checks).
        self.fields["period_start"].initial = today
        self.fields["period_end"].initial = today

    def to_charge(self) -> Charge:
        d = self.cleaned_data
        return Charge(
            voucher_code=d["voucher_code"],
            credit_code=d["credit_code"],
            offering_id=d["offering"],
            quantity=d["quantity"],
            unit_price=d["unit_price"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            invoice_number=d["invoice_number"],
        )


class ReasonForm(forms.Form):
    """A reason (to void, to dispute, to decide): the service requires it."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
    )


class DecideForm(ReasonForm):
    """A reviewer's decision on a dispute: which button was pressed."""

    decision = forms.ChoiceField(
        choices=[("uphold", _("Uphold")), ("void", _("Void"))],
        error_messages={
            "required": _("Choose to uphold the charge or to void it."),
            "invalid_choice": _("Choose to uphold the charge or to void it."),
        },
    )
