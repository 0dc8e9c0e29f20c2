"""Reads on programs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from .eligibility.engine import ProgramContext
from .models import Program, ProgramVersion


def program_list_open() -> QuerySet[Program]:
    return Program.objects.filter(status=Program.Status.OPEN).select_related("region")


def program_version_at(
    program: Program, when: datetime | None = None
) -> ProgramVersion:
    """The version in force at ``when`` (default now): the latest one that
    took effect by then, or the first version for a moment before it."""
    when = when or timezone.now()
    version = (
        program.versions.filter(effective_from__lte=when)
        .order_by("-effective_from")
        .first()
    )
    return version or program.versions.order_by("number").first()


def program_budget_remaining(program: Program, version: ProgramVersion) -> Decimal:
    """The budget still free: the program's budget accounts in the ledger
    (appropriated when the program opens). A program never opened has its
    version's whole budget still ahead of it."""
    from django.db.models import Count, Sum

    from .models import LedgerAccount

    pools = LedgerAccount.objects.filter(
        program=program, kind=LedgerAccount.Kind.BUDGET, voucher=None
    ).aggregate(total=Sum("balance"), n=Count("id"))
    if not pools["n"]:
        return version.parsed().total_budget
    return pools["total"]


def program_context(
    program: Program,
    *,
    when: datetime | None = None,
    version: ProgramVersion | None = None,
) -> ProgramContext:
    version = version or program_version_at(program, when)
    params = version.parsed()
    region = program.region
    return ProgramContext(
        code=program.code,
        version=version.number,
        kind=program.kind,
        region_code=region.code,
        region_prefix=region.prefix,
        region_name_zh=region.name_zh,
        region_name_en=region.name_en,
        params=params,
        budget_remaining=program_budget_remaining(program, version),
    )
