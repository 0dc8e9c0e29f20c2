"""What the flags pages show: reads only."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from vouchers.models import Program

from ..models import Flag, FlagScan
from .rules import ENTERPRISE, PROVIDER


def flag_list(
    *, status: str = "", rule: str = "", program: Program | None = None
) -> QuerySet[Flag]:
    qs = Flag.objects.select_related("enterprise", "provider", "program", "triaged_by")
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if program is not None:
        qs = qs.filter(program=program)
    return qs.order_by("-id")


def flag_counts() -> dict[str, int]:
    """How many flags are in each status."""
    return dict(Flag.objects.values_list("status").annotate(n=Count("pk")).order_by())


def scan_list() -> QuerySet[FlagScan]:
    return FlagScan.objects.order_by("-requested_at", "-id")


def flag_links(flag: Flag) -> list[tuple[str, str]]:
    """(label key, URL) of the pages behind a flag an audit reader can open:
    the enterprise, the provider and the subject's event history."""
    links = []
    if flag.enterprise_id:
        links.append(
            ("enterprise", reverse("enterprises:detail", args=[flag.enterprise_id]))
        )
    if flag.provider_id:
        links.append(
            (
                "provider",
                reverse("enterprises:provider-detail", args=[flag.provider_id]),
            )
        )
    if flag.subject_type not in (ENTERPRISE, PROVIDER):
        query = urlencode(
            {"object_type": flag.subject_type, "object_id": flag.subject_id}
        )
        links.append(("history", reverse("audits:event-list") + "?" + query))
    return links
