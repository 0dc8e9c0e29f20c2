"""Reads of the public notice: what the public page lists (no personal
data: the enterprise's name, its city, the amount and the dates), the
objections a program manager resolves, and who reads them."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role

from ..models import Notice, Objection, Program

N = Notice.Status
OB = Objection.Status
# Who reads objections (with the objector's contact and evidence): the
# program managers who resolve them and the auditors.
OBJECTION_READERS = (Role.PROGRAM_MANAGER, Role.AUDITOR)


def running_notices(program: Program, today: date | None = None) -> QuerySet[Notice]:
    """The program's notices published and not over, the ending first."""
    today = today or timezone.localdate()
    return (
        Notice.objects.filter(
            program=program,
            status=N.IN_NOTICE,
            starts_on__lte=today,
            ends_on__gte=today,
        )
        .select_related("application__enterprise__region__parent")
        .order_by("ends_on", "application__number")
    )


def programs_in_notice(today: date | None = None) -> QuerySet[Program]:
    """Programs with at least one notice running, with how many."""
    today = today or timezone.localdate()
    running = Q(
        notices__status=N.IN_NOTICE,
        notices__starts_on__lte=today,
        notices__ends_on__gte=today,
    )
    return (
        Program.objects.annotate(running=Count("notices", filter=running))
        .filter(running__gt=0)
        .order_by("code")
    )


def public_program_or_404(code: str) -> Program:
    """A program the public may see the notices of (not a draft)."""
    try:
        return Program.objects.exclude(status=Program.Status.DRAFT).get(code=code)
    except Program.DoesNotExist:
        raise Http404 from None


def running_notice_or_404(program: Program, pk: int) -> Notice:
    try:
        return running_notices(program).get(pk=pk)
    except Notice.DoesNotExist:
        raise Http404 from None


def city_of(notice: Notice) -> str:
    """The enterprise's city (a district names its city), for the public list."""
    region = notice.application.enterprise.region
    while region.level == "county" and region.parent_id:
        region = region.parent
    return region.name


def objection_list(*, status: str = "") -> QuerySet[Objection]:
    rows = Objection.objects.select_related(
        "notice__application__enterprise", "notice__program", "resolved_by"
    )
    if status:
        rows = rows.filter(status=status)
    # Open ones first, then the newest.
    return rows.order_by(
        Case(When(status=OB.OPEN, then=0), default=1), "-created_at", "-pk"
    )


def open_objections() -> QuerySet[Objection]:
    """What waits for a program manager (config/todo.py)."""
    return objection_list(status=OB.OPEN)


def objection_for_reader_or_404(user: User, pk: int) -> Objection:
    if not has_role(user, *OBJECTION_READERS):
        raise Http404
    try:
        return objection_list().get(pk=pk)
    except Objection.DoesNotExist:
        raise Http404 from None
