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

from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from enterprises.models import Region

from .models import Program, ProgramVersion
from .params import ParamsError, ProgramParams

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")

S = Program.Status
# draft → open | archived; open → closed; closed → open | archived
TRANSITIONS = {
    S.DRAFT: frozenset({S.OPEN, S.ARCHIVED}),
    S.OPEN: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN, S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}


class ProgramParamsInvalid(ApplicationError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(_("The program's parameters are not valid."), code="params")
        self.errors = errors


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
    actor,
    effective_from: datetime | None = None,
) -> Program:
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise ApplicationError(
            _("Use 3–40 capital letters, digits and hyphens, e.g. HZ-COMPUTE-2026."),
            field="code",
        )
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
            code="duplicate",
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
    actor,
    note: str = "",
    effective_from: datetime | None = None,
) -> ProgramVersion:
    """A new version of the parameters, effective from now (or a later
    moment). Earlier decisions keep pointing at the version they used."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    if program.status == S.ARCHIVED:
        raise ApplicationError(
            _("An archived program cannot be changed."), code="archived"
        )
    parsed = _validated(params)
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now:
        raise ApplicationError(
            _("A new version cannot take effect in the past."), field="effective_from"
        )
    latest = program.versions.order_by("-number").first()
    if latest and effective_from <= latest.effective_from:
        raise ApplicationError(
            _("A new version must take effect after the current one."),
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
        from .ledger import program_fund

        if effective_from > now and latest and latest.parsed().budget != parsed.budget:
            # The ledger moves money now; a budget change cannot wait.
            raise ApplicationError(
                _(
                    "A change of the budget takes effect at once: make it a version effective now."
                ),
                field="effective_from",
            )
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
def program_set_status(*, program: Program, to_status: str, actor) -> Program:
    program = Program.objects.select_for_update().get(pk=program.pk)
    if to_status not in TRANSITIONS.get(program.status, frozenset()):
        raise ApplicationError(
            _("A program that is %(from)s cannot become %(to)s.")
            % {
                "from": S(program.status).label,
                "to": S(to_status).label if to_status in S.values else to_status,
            },
            code="transition",
        )
    before = program.status
    program.status = to_status
    program.save(update_fields=["status", "updated_at"])
    if to_status == S.OPEN:
        # The budget of the version in force is appropriated into the ledger.
        from .ledger import program_fund
        from .selectors import program_version_at

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
