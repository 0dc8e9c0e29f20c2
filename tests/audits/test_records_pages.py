"""The records pages (auditors and managers, read only): applications,
vouchers and charges across the province, filtered, totalled and
downloadable as XLSX (the download audited)."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from enterprises.models import Region
from tests.factories import make_role_user
from tests.factories.redemption import charge_setup
from tests.factories.vouchers import ApplicationFactory, sme_applicant
from vouchers.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def auditor(client):
    user = make_role_user(Role.AUDITOR, region="330000")
    client.sign_in(user, language="zh-hans")
    return user


@pytest.fixture
def world():
    hangzhou = charge_setup()  # Xihu, Hangzhou: a voucher of 200,000.00
    hangzhou.hold()  # 1,250.00
    hangzhou.hold(quantity=Decimal("200"))  # 2,500.00
    ningbo = ApplicationFactory(
        submitted=True, applicant=sme_applicant(region="330203")
    )
    return {"hangzhou": hangzhou, "ningbo": ningbo}


def url(kind, **query):
    return reverse("audits:records", args=[kind]), query


def test_the_applications_of_every_region_are_listed_with_totals(
    client, auditor, world
):
    response = client.get(*url("applications"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "业务记录" in page
    assert world["ningbo"].number in page
    assert world["hangzhou"].voucher.application.number in page
    assert response.context["totals"]["count"] == 2


def test_the_city_filter_keeps_that_citys_counties(client, auditor, world):
    ningbo = Region.objects.get(code="330200")

    response = client.get(*url("applications", city=ningbo.pk))

    rows = response.context["rows"]
    assert [cells[0][0] for _l, _h, cells in rows] == [world["ningbo"].number]


def test_charges_filter_by_status_and_total_their_amounts(client, auditor, world):
    r = Redemption.objects.order_by("pk").first()
    Redemption.objects.filter(pk=r.pk).update(status=Redemption.Status.VOIDED)

    pending = client.get(*url("charges", status="pending"))
    everything = client.get(*url("charges"))

    assert pending.context["totals"] == {"count": 1, "total": Decimal("2500.00")}
    assert everything.context["totals"] == {"count": 2, "total": Decimal("3750.00")}
    assert "3,750.00" in everything.content.decode()


def test_the_search_finds_a_charge_by_its_invoice_number(client, auditor, world):
    r = Redemption.objects.order_by("pk").last()

    response = client.get(*url("charges", q=r.invoice_number))

    assert response.context["totals"]["count"] == 1


def test_an_inverted_date_range_is_shown_beside_the_field(client, auditor, world):
    response = client.get(
        *url("vouchers", date_from="2026-12-01", date_to="2026-01-01")
    )

    assert response.status_code == 200
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_an_unknown_listing_is_not_found(client, auditor):
    assert client.get("/audit/records/payments/").status_code == 404


def test_the_download_holds_the_filtered_rows_and_is_audited(client, auditor, world):
    response = client.get(
        reverse("audits:records-xlsx", args=["charges"]), {"status": "pending"}
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "券码", "企业", "服务商")
    data = [r for r in rows[1:] if r and isinstance(r[0], int)]
    assert len(data) == 2
    amount = rows[0].index("金额（元）")
    assert sum(Decimal(str(r[amount])) for r in data) == Decimal("3750.00")
    event = AuditEvent.objects.get(action=actions.RECORDS_EXPORTED, actor=auditor)
    assert event.after == {
        "kind": "charges",
        "filters": {"status": "pending"},
        "rows": 2,
    }


def test_the_pages_offer_no_way_to_change_anything(client, auditor, world):
    for kind in ("applications", "vouchers", "charges"):
        page = client.get(*url(kind)).content.decode()
        main = page[page.index("<main") : page.index("</main>")]
        assert 'method="post"' not in main
