"""The demo applications when a program is closed: nothing is made. (Apart
from test_demo_applications.py, whose module loads the whole demo once.)"""

import pytest
from django.contrib.auth import get_user_model

from enterprises.services import department_ensure_all
from vouchers.demo.applications import load_application_demo
from vouchers.demo.programs import load_demo_programs
from vouchers.models import Application, Program
from vouchers.programs import services as program_services

pytestmark = pytest.mark.django_db


def test_outside_the_programs_window_it_makes_nothing():
    # given: the departments and the programs, one of them closed
    department_ensure_all()
    load_demo_programs(actor=None)
    program_services.program_set_status(
        program=Program.objects.get(code="ZJ-MODEL-2026"),
        to_status=Program.Status.CLOSED,
        actor=None,
    )
    manager = get_user_model().objects.create(email="manager@example.com")

    # when
    result = load_application_demo(manager=manager)

    # then
    assert result["applications"] == 0
    assert "ZJ-MODEL-2026" in result["skipped"]
    assert not Application.objects.exists()
