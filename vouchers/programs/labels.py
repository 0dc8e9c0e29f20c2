"""The names of parameter values in the reader's language, shared by the
program pages and every page that shows a program's stages, funding sources
or line-item categories."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enterprises.models import SizeClass

from ..models import LineItem

SIZE_LABELS = {s.value: s.label for s in SizeClass}
# Review stages are named by the level of the department deciding them.
STAGE_LABELS = {
    "county": _("County or district"),
    "city": _("City"),
    "province": _("Province"),
}
FUNDING_LABELS = {
    "province": _("Province"),
    "city": _("City"),
    "district": _("County or district"),
}
FACILITY_LABELS = {
    "domestic": _("Domestic compute facility"),
    "other": _("Other compute facility"),
}
DISBURSEMENT_LABELS = {
    "deduct_at_provider": _("Deducted at the provider (the enterprise pays less)"),
    "reimburse_after_payment": _("Reimbursed after the enterprise has paid"),
}
PRICE_ABOVE_LIST_LABELS = {
    "refuse": _("refused"),
    "flag": _("accepted and flagged for review"),
}
# The line-item categories a program can leave out of the eligible amount.
CATEGORY_LABELS = {
    "storage": pgettext_lazy("line item category", "Storage"),
    "network": pgettext_lazy("line item category", "Network"),
    "security": pgettext_lazy("line item category", "Security"),
    "other": pgettext_lazy("line item category", "Other"),
}
# What the related-party rule answers when the parties are related.
RELATED_PARTY_OUTCOME_LABELS = {
    "review": _("Send to a reviewer"),
    "fail": _("Not eligible"),
}


def category_labels() -> dict[str, str]:
    """Line-item categories by code; the excluded ones with their labels in
    the "line item category" context ("Security" alone means another thing)."""
    return {**dict(LineItem.Category.choices), **CATEGORY_LABELS}


# What a program of each kind pays for, when its version says nothing more.
KIND_FUNDS = {
    "compute": _(
        "Part of what an enterprise pays a registered compute provider for "
        "intelligent compute (GPU hours, cloud compute) under a contract."
    ),
    "model": _(
        "Part of what an enterprise pays a registered model provider for model "
        "services (API calls, fine-tuning, private deployment of a model) under "
        "a contract."
    ),
    "evaluation": _(
        "Part of what an enterprise pays a registered provider for an "
        "intelligent-manufacturing diagnosis or assessment."
    ),
    "other": _(
        "Part of what an enterprise pays a registered provider under a contract."
    ),
}
# Where a published program stands for a visitor (programs.selectors).
PHASE_LABELS = {
    "open": _("Open for applications"),
    "upcoming": _("Opening soon"),
    "closed": _("Closed"),
}
