"""The dashboard's one state change: its XLSX downloaded, audited."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from vouchers.models import Program

from .. import actions
from ..services import audit_event_record


@transaction.atomic
def dashboard_exported(*, actor: User, program: Program) -> None:
    audit_event_record(
        action=actions.DASHBOARD_EXPORTED,
        actor=actor,
        target=program,
        after={"program": program.code},
    )
