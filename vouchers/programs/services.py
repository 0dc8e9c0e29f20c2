"""Writes on programs: create, change parameters (a new version), open,
close, archive. Each runs in one transaction with its audit event."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from enterprises.models import Region

from .. import error_codes
from ..eligibility.errors import ParamsError
from ..ledger.services import program_fund
from ..lock_objects import program_lock
from ..models import PROGRAM_STATES, Program, ProgramVersion
from .params import ProgramParams
from .selectors import program_version_at

S = Program.Status
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


def _validated(params: dict[str, Any]) -> ProgramParams:
    try:
        return ProgramParams.from_json(params)
    except ParamsError as exc:
        raise ProgramParamsInvalid(exc.errors) from exc


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
    parsed = _validated(params)
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


@transaction.atomic
def program_change_params(
    *,
    program: Program,
    params: dict[str, Any],
    actor: User | None,
    note: str = "",
    effective_from: datetime | None = None,
) -> ProgramVersion:
    """A new version of the parameters, effective from now (or a later
    moment). Earlier decisions keep pointing at the version they used. A
    change of the budget moves money in the ledger, so it takes effect at
    once."""
    program = program_lock(program.pk, exclusive=True)
    if program.status == S.ARCHIVED:
        raise ApplicationError(
            _("An archived program cannot be changed."),
            code=error_codes.PROGRAM_ARCHIVED,
        )
    parsed = _validated(params)
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
    budget_changed = latest is not None and latest.parsed().budget != parsed.budget
    if program.status in (S.OPEN, S.CLOSED) and budget_changed and effective_from > now:
        # The ledger moves money now; a budget change cannot wait.
        raise ApplicationError(
            _(
                "A change of the budget takes effect at once: make it a version effective now."
            ),
            field="effective_from",
        )
    number = (program.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProgramVersion.objects.create(
        program=program,
        number=number,
        effective_from=effective_from,
        params=parsed.to_json(),
        note=note.strip(),
        created_by=actor,
    )
    if program.status in (S.OPEN, S.CLOSED):
        program_fund(program=program, budget=parsed.budget, actor=actor)
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
def program_set_status(
    *, program: Program, to_status: str, actor: User | None
) -> Program:
    """Open (appropriating the budget of the version in force), close,
    reopen or archive, as ``PROGRAM_STATES`` allows."""
    program = program_lock(program.pk, exclusive=True)
    before = PROGRAM_STATES.move(program, to_status)
    program.save(update_fields=["status", "updated_at"])
    if to_status == S.OPEN:
        program_fund(
            program=program,
            budget=program_version_at(program).parsed().budget,
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
