"""Fixtures of the voucher tests: the demo programs, loaded as `make demo`
loads them (through the services, version 1 in force from 2026-01-01)."""

import pytest

from vouchers.demo.programs import load_demo_programs
from vouchers.models import Program


@pytest.fixture
def demo_programs(db) -> dict[str, Program]:
    """HZ-COMPUTE-2026, ZJ-MODEL-2026 and ZJ-BENCHMARK-2026, open, by code."""
    load_demo_programs(actor=None)
    return {p.code: p for p in Program.objects.select_related("region")}


@pytest.fixture
def hz_program(demo_programs) -> Program:
    """The Hangzhou compute voucher: SMEs, 50% up to 500,000 a year, else
    domestic 30% / other 20%, cap 8,000,000 per enterprise and year."""
    return demo_programs["HZ-COMPUTE-2026"]
