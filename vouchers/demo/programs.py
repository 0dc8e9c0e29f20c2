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

from ..models import Program
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
