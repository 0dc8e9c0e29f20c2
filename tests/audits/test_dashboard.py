"""The program dashboard: the program report's figures as charts (ECharts
from this site) and tables, and the same figures as an audited XLSX."""

import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from tests.factories import make_role_user
from tests.factories.redemption import charge_setup
from vouchers.redemption import services as redemption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def program():
    setup = charge_setup()
    charge = setup.hold()  # 1,250.00
    redemption.redemption_confirm(redemption=charge, user=setup.applicant)
    return setup.voucher.program


@pytest.fixture
def manager(client):
    user = make_role_user(Role.PROGRAM_MANAGER, region="330100")
    client.sign_in(user, language="zh-hans")
    return user


def test_the_dashboard_charts_the_programs_figures(client, manager, program):
    response = client.get(reverse("audits:dashboard"), {"program": program.pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert "项目看板" in page
    assert "/static/vendor/echarts-5.6.0/echarts.min.js" in page
    assert "cdn" not in page.lower()
    data = json.loads(
        page.split('<script id="dashboard-data" type="application/json">')[1].split(
            "</script>"
        )[0]
    )
    assert data["providers"]["values"] == [1250.0]
    assert data["charge_cities"] == {"labels": ["杭州市"], "values": [1250.0]}
    assert data["budget"]["values"][1] == float(program.vouchers.get().face_value)
    assert sum(data["applications"]["values"]) == 1
    assert "1,250.00" in page  # the exact figure in the table beside the chart


def test_without_a_choice_the_first_program_is_shown(client, manager, program):
    response = client.get(reverse("audits:dashboard"))

    assert response.status_code == 200
    assert response.context["program"] is not None


def test_the_xlsx_holds_the_same_figures_and_is_audited(client, manager, program):
    response = client.get(reverse("audits:dashboard-xlsx"), {"program": program.pk})

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["按服务商"].iter_rows(min_row=2, values_only=True))
    assert [Decimal(str(r[2])) for r in rows] == [Decimal("1250.00")]
    assert AuditEvent.objects.filter(
        action=actions.DASHBOARD_EXPORTED, actor=manager
    ).exists()


def test_the_echarts_file_is_served_from_this_site(client, manager):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/echarts-5.6.0/echarts.min.js")
    assert finders.find("vendor/echarts-5.6.0/LICENSE")
