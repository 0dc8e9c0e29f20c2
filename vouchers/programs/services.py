"""Writes on programs: create, change parameters (a new version: directly
for a draft, proposed and approved by a second program manager once it is
open), open, close, archive. Each runs in one transaction with its audit event."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError, text_or_refuse
from config.money import fen_amount_or_refuse
from enterprises.models import Region

from .. import error_codes
from ..eligibility.errors import ParamsError
from ..ledger.selectors import quota_unused
from ..ledger.services import program_fund, quota_transfer
from ..lock_objects import funding_accounts_lock, program_lock
from ..models import (
    PROGRAM_CHANGE_STATES,
    PROGRAM_STATES,
    Program,
    ProgramChange,
    ProgramVersion,
)
from .params import ProgramParams
from .selectors import program_version_at
from .whatif import impact_request

S = Program.Status
# The longest reason a change is rejected with (the column holds 500).
REASON_MAX = 500
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")


class ProgramParamsInvalid(ApplicationError):
    """Malformed parameters; ``errors`` maps each parameter path to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(
            _("The program's parameters are not valid."),
            code=error_codes.PROGRAM_PARAMS,
        )
        self.errors = errors


def program_code_problem(code: str) -> str | None:
    """Why a program code cannot be used (translated), or None."""
    if not CODE_RE.match(code.strip().upper()):
        return _("Use 3–40 capital letters, digits and hyphens, e.g. HZ-COMPUTE-2026.")
    return None


def _validated(params: dict[str, Any], region: Region) -> ProgramParams:
    try:
        parsed = ProgramParams.from_json(params)
    except ParamsError as exc:
        raise ProgramParamsInvalid(exc.errors) from exc
    errors = quota_problems(parsed.quotas, region)
    if errors:
        raise ProgramParamsInvalid(errors)
    return parsed


def quota_problems(quotas: dict[str, Decimal], region: Region) -> dict[str, list[str]]:
    """Why these quotas cannot be used in a program of ``region`` (by path):
    each is a city or county inside it, and none lies inside another (a
    voucher draws on one quota)."""
    errors: dict[str, list[str]] = {}
    known = {r.code: r for r in Region.objects.filter(code__in=list(quotas))}
    for code in sorted(quotas):
        division = known.get(code)
        if division is None or division.level not in ("city", "county"):
            errors[f"quotas.{code}"] = [_("No city or county has this code.")]
        elif not region.contains(code) or code == region.code:
            errors[f"quotas.{code}"] = [
                _("%(name)s is not inside the program's region (%(region)s).")
                % {"name": division.name, "region": region.name}
            ]
        elif any(
            other != code and code.startswith(other[:4]) and other.endswith("00")
            for other in quotas
        ):
            errors[f"quotas.{code}"] = [
                _("%(name)s lies inside a city that has its own quota.")
                % {"name": division.name}
            ]
    return errors


@transaction.atomic
def program_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    region: Region,
    params: dict[str, Any],
    actor: User | None,
    effective_from: datetime | None = None,
) -> Program:
    """A draft program with its version 1 (effective now, or from
    ``effective_from``)."""
    code = code.strip().upper()
    problem = program_code_problem(code)
    if problem:
        raise ApplicationError(problem, field="code", code=error_codes.INVALID)
    if kind not in Program.Kind.values:
        raise ApplicationError(_("Choose a kind."), field="kind")
    parsed = _validated(params, region)
    try:
        with transaction.atomic():
            program = Program.objects.create(
                code=code,
                name_zh=name_zh.strip(),
                name_en=name_en.strip(),
                kind=kind,
                region=region,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("A program with this code already exists."),
            field="code",
            code=error_codes.PROGRAM_DUPLICATE,
        ) from exc
    version = ProgramVersion.objects.create(
        program=program,
        number=1,
        effective_from=effective_from or timezone.now(),
        params=parsed.to_json(),
        created_by=actor,
    )
    audit_event_record(
        action=actions.PROGRAM_CREATED,
        actor=actor,
        target=program,
        after={
            "code": code,
            "kind": kind,
            "region": region.code,
            "version": version.number,
            "params": version.params,
        },
    )
    return program


def _version_checked(
    program: Program, params: dict[str, Any], effective_from: datetime | None
) -> tuple[ProgramParams, ProgramVersion | None, datetime]:
    """A new version's parameters validated against the latest version:
    something changed, it takes effect after the latest one and not in the
    past, and a change of the budget of a funded program takes effect at
    once. Returns the parsed parameters, the latest version and the moment
    it takes effect (now when not given)."""
    if program.status == S.ARCHIVED:
        raise ApplicationError(
            _("An archived program cannot be changed."),
            code=error_codes.PROGRAM_ARCHIVED,
        )
    parsed = _validated(params, program.region)
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now:
        raise ApplicationError(
            _("A new version cannot take effect in the past."), field="effective_from"
        )
    latest = program.versions.order_by("-number").first()
    if latest and parsed.to_json() == latest.params:
        raise ApplicationError(
            _("Nothing has changed: change a parameter to make a new version."),
            code=error_codes.PROGRAM_UNCHANGED,
        )
    if latest and effective_from <= latest.effective_from:
        raise ApplicationError(
            _("A new version must take effect after the current one."),
            field="effective_from",
        )
    budget_changed = latest is not None and (
        latest.parsed().budget != parsed.budget
        or latest.parsed().quotas != parsed.quotas
    )
    if program.status in (S.OPEN, S.CLOSED) and budget_changed and effective_from > now:
        # The ledger moves money now; a budget change cannot wait.
        raise ApplicationError(
            _(
                "A change of the budget takes effect at once: make it a version effective now."
            ),
            field="effective_from",
        )
    return parsed, latest, effective_from


def _version_make(
    program: Program,
    parsed: ProgramParams,
    latest: ProgramVersion | None,
    *,
    effective_from: datetime,
    note: str,
    created_by: User | None,
    actor: User | None,
) -> ProgramVersion:
    """Write the checked version (the program locked exclusively), fund a
    changed budget, and record it."""
    number = (program.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProgramVersion.objects.create(
        program=program,
        number=number,
        effective_from=effective_from,
        params=parsed.to_json(),
        note=note.strip(),
        created_by=created_by,
    )
    if program.status in (S.OPEN, S.CLOSED):
        program_fund(
            program=program, budget=parsed.budget, quotas=parsed.quotas, actor=actor
        )
    audit_event_record(
        action=actions.PROGRAM_VERSION_CREATED,
        actor=actor,
        target=program,
        before={"version": latest.number, "params": latest.params} if latest else None,
        after={
            "version": number,
            "effective_from": effective_from.isoformat(),
            "params": version.params,
            "note": version.note,
        },
    )
    return version


@transaction.atomic
def program_change_params(
    *,
    program: Program,
    params: dict[str, Any],
    actor: User | None,
    note: str = "",
    effective_from: datetime | None = None,
) -> ProgramVersion:
    """A new version of a draft program's parameters, effective from now
    (or a later moment). A draft is one manager's preparation and binds
    nobody; once a program is open (or closed), a change is a proposal
    that a second program manager approves (``program_change_propose``,
    ``program_change_approve``), and this refuses it."""
    program = program_lock(program.pk, exclusive=True)
    if program.status in (S.OPEN, S.CLOSED):
        raise ApplicationError(
            _(
                "This program is %(status)s: a change of its parameters needs a second program manager's approval. Propose it instead."
            )
            % {"status": program.get_status_display()},
            code=error_codes.FOUR_EYES,
        )
    parsed, latest, effective_from = _version_checked(program, params, effective_from)
    return _version_make(
        program,
        parsed,
        latest,
        effective_from=effective_from,
        note=note,
        created_by=actor,
        actor=actor,
    )


# -- four eyes: a change of an open or closed program ---------------------------------


def _manager_or_refuse(user: User | None) -> User:
    if user is None or not has_role(user, Role.PROGRAM_MANAGER):
        raise ApplicationError(
            _("Only a program manager can propose or decide a program change."),
            code=error_codes.OUT_OF_SCOPE,
        )
    return user


def _change_locked(change: ProgramChange) -> tuple[Program, ProgramChange]:
    """The change's program (exclusively, as a version change needs) and
    the change, locked in that order."""
    program = program_lock(change.program_id, exclusive=True)
    change = (
        ProgramChange.objects.select_for_update(of=("self",))
        .select_related("base", "proposed_by")
        .get(pk=change.pk)
    )
    return program, change


def _change_snapshot(change: ProgramChange) -> dict[str, Any]:
    return {
        "change": change.pk,
        "status": change.status,
        "base_version": change.base.number,
        "effective_from": change.effective_from.isoformat()
        if change.effective_from
        else None,
        "params": change.params,
        "note": change.note,
    }


@transaction.atomic
def program_change_propose(
    *,
    program: Program,
    params: dict[str, Any],
    actor: User,
    note: str = "",
    effective_from: datetime | None = None,
) -> ProgramChange:
    """A program manager proposes new parameters for an open or closed
    program: checked as a version would be, then kept until a second
    program manager approves it. ``effective_from`` None: effective when
    approved (a budget change always is). One open proposal per program."""
    _manager_or_refuse(actor)
    program = program_lock(program.pk, exclusive=True)
    if program.status not in (S.OPEN, S.CLOSED):
        raise ApplicationError(
            _(
                "Only an open or closed program's changes need a second approval; a draft is changed directly."
            ),
            code=error_codes.TRANSITION,
        )
    parsed, latest, _moment = _version_checked(program, params, effective_from)
    assert latest is not None  # every program is created with its version 1
    if ProgramChange.objects.filter(
        program=program, status=ProgramChange.Status.PROPOSED
    ).exists():
        raise ApplicationError(
            _(
                "Another change of this program is awaiting approval: have it approved, rejected or withdrawn first."
            ),
            code=error_codes.CHANGE_PENDING,
        )
    change = ProgramChange.objects.create(
        program=program,
        base=latest,
        params=parsed.to_json(),
        note=note.strip(),
        effective_from=effective_from,
        proposed_by=actor,
    )
    audit_event_record(
        action=actions.PROGRAM_CHANGE_PROPOSED,
        actor=actor,
        target=program,
        after=_change_snapshot(change),
    )
    impact_request(change)  # the what-if, in the background after commit
    return change


def _decidable_or_refuse(change: ProgramChange, to: str, actor: User) -> None:
    PROGRAM_CHANGE_STATES.check(change.status, to)
    if actor.pk == change.proposed_by_id:
        raise ApplicationError(
            _(
                "You proposed this change: another program manager must approve or reject it."
            ),
            code=error_codes.FOUR_EYES,
        )


def _change_close(
    program: Program,
    change: ProgramChange,
    to: str,
    *,
    actor: User,
    action: str,
    reason: str = "",
    version: ProgramVersion | None = None,
) -> None:
    """Move the locked change to its final status, by ``actor``, and record
    it (before and after, with the reason or the version made)."""
    before = _change_snapshot(change)
    change.status = to
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_reason = reason
    change.version = version
    change.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "version",
        ]
    )
    after = _change_snapshot(change)
    if reason:
        after["reason"] = change.decision_reason
    if version is not None:
        after["version"] = version.number
    audit_event_record(
        action=action, actor=actor, target=program, before=before, after=after
    )


@transaction.atomic
def program_change_approve(*, change: ProgramChange, actor: User) -> ProgramVersion:
    """A second program manager (not the proposer) approves the change: the
    version is made from the proposal, effective from its date, or now if
    it gave none or the date has passed. Refused when another version was
    made since the proposal (it would silently undo that one)."""
    _manager_or_refuse(actor)
    program, change = _change_locked(change)
    _decidable_or_refuse(change, ProgramChange.Status.APPROVED, actor)
    latest = program.versions.order_by("-number").first()
    if latest is None or latest.pk != change.base_id:
        raise ApplicationError(
            _(
                "Version %(n)s was made after this change was proposed: reject it and propose the change again on the current version."
            )
            % {"n": latest.number if latest else "?"},
            code=error_codes.CHANGE_STALE,
        )
    now = timezone.now()
    later = (
        change.effective_from
        if change.effective_from and change.effective_from > now
        else None
    )
    parsed, latest, effective_from = _version_checked(program, change.params, later)
    version = _version_make(
        program,
        parsed,
        latest,
        effective_from=effective_from,
        note=change.note,
        created_by=change.proposed_by,
        actor=actor,
    )
    _change_close(
        program,
        change,
        ProgramChange.Status.APPROVED,
        actor=actor,
        action=actions.PROGRAM_CHANGE_APPROVED,
        version=version,
    )
    return version


@transaction.atomic
def program_change_reject(
    *, change: ProgramChange, actor: User, reason: str
) -> ProgramChange:
    """A second program manager rejects the change, with a reason; nothing
    of it takes effect."""
    _manager_or_refuse(actor)
    program, change = _change_locked(change)
    _decidable_or_refuse(change, ProgramChange.Status.REJECTED, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Give the reason for rejecting the change."),
            field="reason",
            code=error_codes.INVALID,
        )
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("Keep the reason to %(n)s characters.") % {"n": REASON_MAX},
            field="reason",
            code=error_codes.INVALID,
        )
    _change_close(
        program,
        change,
        ProgramChange.Status.REJECTED,
        actor=actor,
        action=actions.PROGRAM_CHANGE_REJECTED,
        reason=reason,
    )
    return change


@transaction.atomic
def program_change_withdraw(*, change: ProgramChange, actor: User) -> ProgramChange:
    """The proposer withdraws their change before it is decided."""
    program, change = _change_locked(change)
    PROGRAM_CHANGE_STATES.check(change.status, ProgramChange.Status.WITHDRAWN)
    if actor.pk != change.proposed_by_id:
        raise ApplicationError(
            _("Only the manager who proposed the change can withdraw it."),
            code=error_codes.OUT_OF_SCOPE,
        )
    _change_close(
        program,
        change,
        ProgramChange.Status.WITHDRAWN,
        actor=actor,
        action=actions.PROGRAM_CHANGE_WITHDRAWN,
    )
    return change


@transaction.atomic
def program_set_status(
    *, program: Program, to_status: str, actor: User | None
) -> Program:
    """Open (appropriating the budget of the version in force), close,
    reopen or archive, as ``PROGRAM_STATES`` allows."""
    program = program_lock(program.pk, exclusive=True)
    before = PROGRAM_STATES.move(program, to_status)
    program.save(update_fields=["status", "updated_at"])
    if to_status == S.OPEN:
        in_force = program_version_at(program).parsed()
        program_fund(
            program=program,
            budget=in_force.budget,
            quotas=in_force.quotas,
            actor=actor,
        )
    audit_event_record(
        action=actions.PROGRAM_STATUS_CHANGED,
        actor=actor,
        target=program,
        before={"status": before},
        after={"status": to_status},
    )
    return program


@transaction.atomic
def program_change_impact_exported(*, change: ProgramChange, actor: User) -> None:
    """The what-if's workbook was downloaded (it names enterprises and
    amounts): audited like the other exports."""
    audit_event_record(
        action=actions.PROGRAM_CHANGE_IMPACT_EXPORTED,
        actor=actor,
        target=change.program,
        after={
            "change": change.pk,
            "applications": (change.impact or {}).get("applications", 0),
        },
    )


QUOTA_REASON_MAX = 500


@transaction.atomic
def program_quota_move(
    *,
    program: Program,
    from_region: str | None,
    to_region: str | None,
    amount: Decimal,
    reason: str,
    actor: User,
) -> Program:
    """A program manager moves ``amount`` of unused quota from one city or
    county to another (None: the shared budget, either way), with a reason.
    The version's quotas stay as they were: a move adjusts the ledger only
    (check_ledger keeps the two apart)."""
    _manager_or_refuse(actor)
    reason = text_or_refuse(
        reason,
        field="reason",
        limit=QUOTA_REASON_MAX,
        missing=_("Say why the quota moves."),
    )
    amount = fen_amount_or_refuse(amount, code=error_codes.INVALID)
    if from_region == to_region:
        raise ApplicationError(
            _("Choose two different places."),
            field="to_region",
            code=error_codes.INVALID,
        )
    program = program_lock(program.pk, exclusive=True)
    if program.status not in (S.OPEN, S.CLOSED):
        raise ApplicationError(
            _("Only an open or closed program has quotas to move."),
            code=error_codes.TRANSITION,
        )
    quotas = program_version_at(program).parsed().quotas
    for field, code in (("from_region", from_region), ("to_region", to_region)):
        if code is not None and code not in quotas:
            raise ApplicationError(
                _("This program has no quota there."),
                field=field,
                code=error_codes.QUOTA_REGION,
            )
    funding_accounts_lock(program)
    before = quota_unused(program)
    quota_transfer(
        program=program,
        from_region=from_region,
        to_region=to_region,
        amount=amount,
        key=f"quota_moved:{program.pk}:{uuid.uuid4().hex}",
        actor=actor,
    )
    after = quota_unused(program)
    audit_event_record(
        action=actions.PROGRAM_QUOTA_MOVED,
        actor=actor,
        target=program,
        before={"unused": {k or "shared": str(v) for k, v in before.items()}},
        after={
            "from": from_region or "shared",
            "to": to_region or "shared",
            "amount": str(amount),
            "reason": reason,
            "unused": {k or "shared": str(v) for k, v in after.items()},
        },
    )
    return program
