"""Event-coverage cases: see tests/audits/coverage/__init__.py.

Regional quotas: a program manager moves unused quota."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from accounts.roles import Role
from audits import actions
from tests.audits.coverage import Case
from tests.factories import make_open_program, make_role_user
from vouchers.models import LedgerAccount
from vouchers.programs import services as programs

PROGRAMS = "vouchers.programs.services"


def _move():
    program = make_open_program(
        "COVER-QUOTA-2026",
        region="330000",
        budget={"province": "100000.00"},
        quotas={"330100": "30000.00", "330200": "20000.00"},
    )
    manager = make_role_user(Role.PROGRAM_MANAGER)

    def state():
        return list(
            LedgerAccount.objects.filter(program=program)
            .order_by("pk")
            .values_list("kind", "region_id", "balance")
        )

    return Case(
        call=lambda: programs.program_quota_move(
            program=program,
            from_region="330200",
            to_region="330100",
            amount=Decimal("5000.00"),
            reason="调剂",
            actor=manager,
        ),
        expected=Counter({actions.PROGRAM_QUOTA_MOVED: 1}),
        state=state,
    )


CASES = {f"{PROGRAMS}:program_quota_move": _move}
