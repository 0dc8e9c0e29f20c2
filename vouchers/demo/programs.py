"""The demo programs, loaded from vouchers/demo/data/demo_programs.yaml
through the services (so each has its version 1 and audit events).
Idempotent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.db import transaction

from enterprises.models import Region

from ..models import Program, ProgramChange
from ..programs import services

DEMO_PROGRAMS = Path(__file__).resolve().parent / "data" / "demo_programs.yaml"
# Version 1 takes effect when the application window opens.
EFFECTIVE_FROM = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


def demo_program_specs() -> list[dict]:
    with DEMO_PROGRAMS.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@transaction.atomic
def load_demo_programs(*, actor) -> int:
    created = 0
    for spec in demo_program_specs():
        if Program.objects.filter(code=spec["code"]).exists():
            continue
        program = services.program_create(
            code=spec["code"],
            name_zh=spec["name_zh"],
            name_en=spec["name_en"],
            kind=spec["kind"],
            region=Region.objects.get(code=spec["region"]),
            params=spec["params"],
            actor=actor,
            effective_from=EFFECTIVE_FROM,
        )
        if spec.get("status") == Program.Status.OPEN:
            services.program_set_status(
                program=program, to_status=Program.Status.OPEN, actor=actor
            )
        created += 1
    return created


def load_program_change_demo(*, proposer) -> int:
    """A change of the model-voucher program awaiting a second program
    manager's approval (four eyes): proposed by ``proposer`` (the deputy),
    for the demo's manager to approve or reject. Once: 0 when one exists."""
    program = Program.objects.get(code="ZJ-MODEL-2026")
    if ProgramChange.objects.filter(program=program).exists():
        return 0
    latest = program.versions.order_by("-number").first()
    services.program_change_propose(
        program=program,
        params={**latest.params, "base_rate": "0.35"},
        actor=proposer,
        note="拟将基础补贴比例由30%提高至35%，以加快模型应用落地（待第二名项目管理员审批）",
    )
    return 1
