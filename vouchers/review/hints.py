"""What deserves a reviewer's second look at an application, each as a
short sentence: rules that failed or asked for review, the credit list, the
review rules of the anomaly flags (audits.flags.rules: the same contract in
other applications, an enterprise registered shortly before signing,
contracts just under a spend tier), and the contract's amount against the
offering's list price (an aid to the reviewer's arithmetic, not a flag)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from audits.flags.rules import application_findings, explain
from config.money import FEN, ZERO, yuan
from enterprises.selectors import CreditStatus

from ..eligibility.registry import FAIL, REVIEW
from ..models import Application, LineItem


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
    # The review rules of the anomaly flags: the same contract elsewhere, a
    # contract signed soon after registration, contracts just under a tier.
    for finding in application_findings(application.pk):
        hints.append(
            {"kind": finding.rule, "text": explain(finding.rule, finding.facts)}
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
            unit = offering.unit_label or offering.get_unit_display()
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
