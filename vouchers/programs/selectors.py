"""Reads on programs: the open ones, the version in force at a moment, the
context a decision is made in, whether a program takes submissions now, and
its history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError

from .. import error_codes
from ..eligibility.engine import ProgramContext
from ..ledger.selectors import budget_remaining
from ..models import Program, ProgramChange, ProgramVersion
from .params import ProgramParams

S = Program.Status


def program_list_open() -> QuerySet[Program]:
    return Program.objects.filter(status=S.OPEN).select_related("region")


# Where a published program stands for a visitor, by its status and window.
PHASE_OPEN, PHASE_UPCOMING, PHASE_CLOSED = "open", "upcoming", "closed"
PHASES = (PHASE_OPEN, PHASE_UPCOMING, PHASE_CLOSED)


@dataclass(frozen=True)
class PublicProgram:
    program: Program
    version: ProgramVersion
    params: ProgramParams
    phase: str


def program_phase(program: Program, params: ProgramParams, today: date) -> str:
    """Open (taking applications today), upcoming (open, its window not yet
    begun) or closed (closed or archived, or its window is over)."""
    if program.status != S.OPEN or today > params.closes_on:
        return PHASE_CLOSED
    if today < params.opens_on:
        return PHASE_UPCOMING
    return PHASE_OPEN


def program_public_get(code: str, today: date | None = None) -> PublicProgram | None:
    """A published program (anything but a draft) with the version in
    force, for its public page; None for a draft or an unknown code."""
    program = (
        Program.objects.exclude(status=S.DRAFT)
        .select_related("region")
        .prefetch_related("versions")
        .filter(code=code)
        .first()
    )
    if program is None:
        return None
    return _public(program, today or timezone.localdate())


def program_list_public(today: date | None = None) -> dict[str, list[PublicProgram]]:
    """The published programs by phase (open, upcoming, closed): open ones
    closing soonest first, upcoming ones opening soonest first, closed ones
    latest first."""
    today = today or timezone.localdate()
    groups: dict[str, list[PublicProgram]] = {phase: [] for phase in PHASES}
    programs = (
        Program.objects.exclude(status=S.DRAFT)
        .select_related("region")
        .prefetch_related("versions")
    )
    for program in programs:
        item = _public(program, today)
        groups[item.phase].append(item)
    groups[PHASE_OPEN].sort(key=lambda i: (i.params.closes_on, i.program.code))
    groups[PHASE_UPCOMING].sort(key=lambda i: (i.params.opens_on, i.program.code))
    groups[PHASE_CLOSED].sort(
        key=lambda i: (i.params.closes_on, i.program.code), reverse=True
    )
    return groups


def _public(program: Program, today: date) -> PublicProgram:
    version = program_version_at(program)
    params = version.parsed()
    return PublicProgram(
        program, version, params, program_phase(program, params, today)
    )


def version_in_force(
    versions: Iterable[ProgramVersion], when: datetime
) -> ProgramVersion | None:
    """Of ``versions``, the one in force at ``when``: the latest that took
    effect by then, or the first version for a moment before any did."""
    versions = list(versions)
    started = [v for v in versions if v.effective_from <= when]
    if started:
        return max(started, key=lambda v: v.effective_from)
    return min(versions, key=lambda v: v.number) if versions else None


def program_version_at(
    program: Program, when: datetime | None = None
) -> ProgramVersion:
    """The version in force at ``when`` (default now). Uses the program's
    prefetched versions when there are (lists of programs)."""
    version = version_in_force(program.versions.all(), when or timezone.now())
    if version is None:  # every program is created with its version 1
        raise ProgramVersion.DoesNotExist(f"program {program.code} has no version")
    return version


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
        budget_remaining=budget_remaining(program, version=version),
    )


def program_accepts_submissions(program: Program) -> None:
    """Refuse (``ApplicationError``) unless the program takes applications
    now: open, inside its application window, with budget left."""
    if program.status != S.OPEN:
        raise ApplicationError(
            _("The program %(code)s is not open for applications.")
            % {"code": program.code},
            field="program",
            code=error_codes.PROGRAM_CLOSED,
        )
    params = program_version_at(program).parsed()
    today = timezone.localdate()
    if not params.opens_on <= today <= params.closes_on:
        raise ApplicationError(
            _("The program takes applications from %(opens)s to %(closes)s.")
            % {"opens": params.opens_on, "closes": params.closes_on},
            field="program",
            code=error_codes.PROGRAM_WINDOW,
        )
    if budget_remaining(program) <= 0:
        raise ApplicationError(
            _("The program's budget is used up: it takes no new applications."),
            field="program",
            code=error_codes.BUDGET_EXHAUSTED,
        )


def program_history(program: Program) -> list[tuple[AuditEvent, str]]:
    """The program's audit events (creation, versions, status changes,
    re-screenings), oldest first, each with what changed in words."""
    events = (
        AuditEvent.objects.filter(
            object_type=Program._meta.label_lower, object_id=str(program.pk)
        )
        .select_related("actor")
        .order_by("id")
    )
    history = []
    for e in events:
        after, before = e.after or {}, e.before or {}
        if e.action == actions.PROGRAM_STATUS_CHANGED:
            detail = " → ".join(
                str(S(v).label) if v in S.values else str(v)
                for v in (before.get("status"), after.get("status"))
                if v
            )
        elif "change" in after:
            detail = _("Change #%(n)s") % {"n": after["change"]}
            if after.get("version"):
                detail += " · " + _("Version %(n)s") % {"n": after["version"]}
            if after.get("reason"):
                detail += f" · {after['reason']}"
            elif after.get("note"):
                detail += f" · {after['note']}"
        elif "version" in after:
            detail = _("Version %(n)s") % {"n": after["version"]}
            if after.get("note"):
                detail += f" · {after['note']}"
        else:
            detail = ""
        history.append((e, detail))
    return history


def program_change_open(program: Program) -> ProgramChange | None:
    """The program's change awaiting a second approval, if any (at most
    one)."""
    return (
        ProgramChange.objects.filter(
            program=program, status=ProgramChange.Status.PROPOSED
        )
        .select_related("proposed_by", "base")
        .first()
    )


def program_changes(program: Program) -> QuerySet[ProgramChange]:
    """The program's proposed changes, newest first, whatever became of
    them."""
    return ProgramChange.objects.filter(program=program).select_related(
        "proposed_by", "decided_by", "base", "version"
    )


def program_changes_to_decide(user: User) -> QuerySet[ProgramChange]:
    """Changes awaiting a second approval that ``user`` may decide: every
    open proposal but their own, oldest first."""
    return (
        ProgramChange.objects.filter(status=ProgramChange.Status.PROPOSED)
        .exclude(proposed_by=user)
        .select_related("program", "proposed_by")
        .order_by("proposed_at", "id")
    )
