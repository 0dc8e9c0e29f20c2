"""What deserves a reviewer's second look at an application, each as a
short sentence: rules that failed or asked for review, the credit list, the
same contract in other applications, an enterprise registered shortly
before signing, and the contract's amount against the offering's list
price."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.dates import add_months
from config.money import FEN, ZERO, yuan
from enterprises.selectors import CreditStatus

from ..eligibility.registry import FAIL, REVIEW
from ..models import Application, LineItem

S = Application.Status
# An enterprise registered less than this many months before signing the
# contract is worth a second look.
RECENT_REGISTRATION_MONTHS = 6


def application_hints(
    application: Application,
    line_items: list[LineItem],
    rules: list[dict[str, Any]],
    credit: str,
    provider_credit: str,
) -> list[dict[str, str]]:
    """What deserves a second look, each as a short sentence."""
    hints = []
    for rule in rules:
        if rule["outcome"] in (REVIEW, FAIL):
            hints.append(
                {
                    "kind": "related_party"
                    if rule["code"] == "related_party"
                    else "rule",
                    "text": f"{rule['title']}: {rule['reason']}",
                }
            )
    enterprise = application.enterprise
    if credit == CreditStatus.LISTED:
        hints.append(
            {
                "kind": "credit",
                "text": _(
                    "The enterprise is on the list of seriously dishonest entities."
                ),
            }
        )
    elif credit == CreditStatus.RECENT:
        hints.append(
            {
                "kind": "credit",
                "text": _(
                    "The enterprise was removed from the dishonesty list recently."
                ),
            }
        )
    if provider_credit in (CreditStatus.LISTED, CreditStatus.RECENT):
        hints.append(
            {
                "kind": "credit",
                "text": _(
                    "The provider is, or was recently, on the list of seriously "
                    "dishonest entities."
                ),
            }
        )
    if application.provider_id and application.contract_number:
        others = (
            Application.objects.filter(
                provider_id=application.provider_id,
                contract_number=application.contract_number,
            )
            .exclude(pk=application.pk)
            .exclude(status=S.DRAFT)
            .values_list("status", flat=True)
        )
        others = list(others)
        if others:
            states = ", ".join(
                f"{S(s).label} × {others.count(s)}" for s in sorted(set(others))
            )
            hints.append(
                {
                    "kind": "same_contract",
                    "text": ngettext(
                        "The same contract of this provider is in %(n)d other "
                        "application (%(states)s).",
                        "The same contract of this provider is in %(n)d other "
                        "applications (%(states)s).",
                        len(others),
                    )
                    % {"n": len(others), "states": states},
                }
            )
    signed, established = application.contract_signed_on, enterprise.established_on
    if signed and established:
        if established > signed:
            hints.append(
                {
                    "kind": "recent_registration",
                    "text": _(
                        "The enterprise was established on %(established)s, after "
                        "the contract was signed (%(signed)s)."
                    )
                    % {"established": established, "signed": signed},
                }
            )
        elif add_months(established, RECENT_REGISTRATION_MONTHS) > signed:
            hints.append(
                {
                    "kind": "recent_registration",
                    "text": _(
                        "The enterprise was established on %(established)s, less "
                        "than %(months)d months before the contract was signed "
                        "(%(signed)s)."
                    )
                    % {
                        "established": established,
                        "months": RECENT_REGISTRATION_MONTHS,
                        "signed": signed,
                    },
                }
            )
    offering = application.offering
    if offering is not None:
        if not offering.is_active:
            hints.append(
                {
                    "kind": "price",
                    "text": _("The chosen offering is no longer offered."),
                }
            )
        # The contract's lines of the offering's kind (compute or model).
        amount = sum(
            (i.amount for i in line_items if i.category == offering.kind),
            ZERO,
        )
        if amount > 0:
            units = (amount / offering.list_price).quantize(FEN)
            unit = (
                offering.unit_other
                if offering.unit == offering.Unit.OTHER and offering.unit_other
                else offering.get_unit_display()
            )
            hints.append(
                {
                    "kind": "price",
                    "text": _(
                        "At the offering's list price of %(price)s yuan per "
                        "%(unit)s, the contract's %(kind)s lines (%(amount)s yuan) "
                        "pay for %(units)s units: compare with the quantity in "
                        "the contract."
                    )
                    % {
                        "price": f"{offering.list_price.normalize():f}",
                        "unit": unit,
                        "kind": str(offering.get_kind_display()).lower(),
                        "amount": yuan(amount),
                        "units": f"{units:,}",
                    },
                }
            )
    return hints
