"""The statement pages through the test client: the provider uploads its
records, explains a difference and submits; a program manager approves and
records the payment; downloads; who sees what."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from config.money import yuan
from tests.factories import make_role_user
from tests.factories.redemption import ChargeSetup, charge_setup
from vouchers.models import Payment, Reconciliation, Statement
from vouchers.settlement import services as svc

from .test_settlement import build, confirmed, csv_of, records_of

pytestmark = pytest.mark.django_db

St = Statement.Status


@pytest.fixture
def setup(settings, tmp_path) -> ChargeSetup:
    settings.MEDIA_ROOT = tmp_path
    return charge_setup()


@pytest.fixture
def manager(db):
    return make_role_user("program_manager", region="330000")


def detail(statement: Statement) -> str:
    return reverse("vouchers:statement-detail", args=[statement.pk])


def upload(content: bytes, name: str = "records.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def test_provider_reconciles_explains_and_submits(client, setup):
    a, b = confirmed(setup, 2)
    statement = build(setup)
    client.sign_in(setup.staff, language="zh-hans")

    listing = client.get(reverse("vouchers:statements", args=[setup.provider.pk]))
    assert statement.number in listing.content.decode()

    rows = records_of([a, b])
    rows[1] = (b.invoice_number, b.voucher.code, str(b.amount + 10), rows[1][3])
    response = client.post(
        reverse("vouchers:statement-reconcile", args=[statement.pk]),
        upload(csv_of(rows)),
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert b.invoice_number in page
    report = Reconciliation.objects.get()
    assert (report.matched, report.differences) == (1, 1)

    # Submitting with the difference unexplained is refused, nothing changes.
    response = client.post(
        reverse("vouchers:statement-submit", args=[statement.pk]), follow=True
    )
    assert Statement.objects.get().status == St.OPEN
    assert (
        "未说明" in response.content.decode()
        or "not explained" in response.content.decode()
    )

    item = report.items.get(outcome="amount_differs")
    empty = client.post(
        reverse("vouchers:statement-explain", args=[statement.pk, item.pk]),
        {"note": " "},
    )
    assert empty.status_code == 400
    client.post(
        reverse("vouchers:statement-explain", args=[statement.pk, item.pk]),
        {"note": "发票金额含 10 元服务费，已与客户确认"},
    )
    item.refresh_from_db()
    assert item.note.startswith("发票金额")
    client.post(reverse("vouchers:statement-submit", args=[statement.pk]))
    assert Statement.objects.get().status == St.SUBMITTED


def test_a_bad_file_shows_its_lines_and_writes_nothing(client, setup):
    confirmed(setup, 1)
    statement = build(setup)
    client.sign_in(setup.staff)
    response = client.post(
        reverse("vouchers:statement-reconcile", args=[statement.pk]),
        upload(csv_of([("FP1", "", "abc", "")])),
    )
    assert response.status_code == 400
    errors = response.context["upload_form"].errors["file"]
    assert "2" in errors[0]
    assert not Reconciliation.objects.exists()


def test_manager_approves_and_pays(client, setup, manager):
    lines = confirmed(setup, 2)
    statement = build(setup)
    svc.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="m.csv",
        content=csv_of(records_of(lines)),
    )
    svc.statement_submit(statement=statement, user=setup.staff)
    client.sign_in(manager)
    queue = client.get(reverse("vouchers:statement-queue"))
    assert statement.number in queue.content.decode()

    approve = reverse("vouchers:statement-approve", args=[statement.pk])
    page = client.post(approve)
    assert 'data-testid="confirm-amount"><strong>' in page.content.decode()
    assert yuan(statement.total) in page.content.decode()
    assert Statement.objects.get().status == St.SUBMITTED  # not yet
    assert client.post(approve, {"back": "1"}).status_code == 302
    assert Statement.objects.get().status == St.SUBMITTED
    client.post(approve, {"confirmed": "1"})
    assert Statement.objects.get().status == St.APPROVED

    wrong = client.post(
        reverse("vouchers:statement-pay", args=[statement.pk]),
        {"reference": "GK-9", "paid_on": timezone.localdate(), "amount": "1.00"},
    )
    assert wrong.status_code == 400
    assert wrong.context["payment_form"].errors["amount"]
    assert not Payment.objects.exists()

    paid = {
        "reference": "GK-9",
        "paid_on": timezone.localdate(),
        "amount": str(statement.total),
    }
    pay = reverse("vouchers:statement-pay", args=[statement.pk])
    page = client.post(pay, paid).content.decode()
    assert "GK-9" in page
    assert 'name="reference" value="GK-9"' in page  # carried to the confirmation
    assert not Payment.objects.exists()
    back = client.post(pay, paid | {"back": "1"})
    assert back.context["payment_form"]["reference"].value() == "GK-9"
    client.post(pay, paid | {"confirmed": "1"})
    assert Statement.objects.get().status == St.PAID
    page = client.get(detail(statement)).content.decode()
    assert "GK-9" in page


def test_manager_returns_with_a_reason(client, setup, manager):
    lines = confirmed(setup, 1)
    statement = build(setup)
    svc.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="m.csv",
        content=csv_of(records_of(lines)),
    )
    svc.statement_submit(statement=statement, user=setup.staff)
    client.sign_in(manager)
    empty = client.post(
        reverse("vouchers:statement-return", args=[statement.pk]), {"reason": ""}
    )
    assert empty.status_code == 400
    client.post(
        reverse("vouchers:statement-return", args=[statement.pk]),
        {"reason": "请附上发票清单"},
    )
    statement.refresh_from_db()
    assert statement.status == St.OPEN
    client.sign_in(setup.staff)
    assert "请附上发票清单" in client.get(detail(statement)).content.decode()


def test_downloads(client, setup):
    confirmed(setup, 2)
    statement = build(setup)
    client.sign_in(setup.staff)
    xlsx = client.get(reverse("vouchers:statement-xlsx", args=[statement.pk]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["B1"].value == statement.number
    pdf = client.get(reverse("vouchers:statement-pdf", args=[statement.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_who_sees_a_statement(client, setup, manager):
    confirmed(setup, 1)
    statement = build(setup)
    other = charge_setup()
    auditor = make_role_user("auditor", region="330000")
    client.sign_in(other.staff)
    assert client.get(detail(statement)).status_code == 404
    assert (
        client.get(reverse("vouchers:statements", args=[setup.provider.pk])).status_code
        == 404
    )
    client.sign_in(setup.applicant)
    assert client.get(detail(statement)).status_code == 403
    client.sign_in(auditor)
    response = client.get(detail(statement))
    assert response.status_code == 200
    assert "approve-button" not in response.content.decode()
    # An auditor cannot approve, whatever it posts.
    assert (
        client.post(
            reverse("vouchers:statement-approve", args=[statement.pk])
        ).status_code
        == 403
    )
    client.sign_in(manager)
    assert client.get(detail(statement)).status_code == 200


# -- the provider API's statements --------------------------------------------------------


def test_api_lists_and_shows_own_statements(setup):
    from rest_framework.test import APIClient

    from vouchers.provider_api.services import api_key_create

    lines = confirmed(setup, 2)
    statement = build(setup)
    other = charge_setup()
    confirmed(other, 1)
    build(other)
    _row, key = api_key_create(
        provider=setup.provider, user=setup.staff, name="billing"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    listing = api.get("/api/v1/statements/")
    assert listing.status_code == 200
    assert [s["number"] for s in listing.json()["results"]] == [statement.number]
    assert listing.json()["results"][0]["total"] == str(statement.total)

    one = api.get(f"/api/v1/statements/{statement.pk}/").json()
    assert {c["invoice_number"] for c in one["charges"]} == {
        c.invoice_number for c in lines
    }
    assert one["payment"] is None

    foreign = Statement.objects.exclude(pk=statement.pk).get()
    assert api.get(f"/api/v1/statements/{foreign.pk}/").status_code == 404
    assert APIClient().get("/api/v1/statements/").status_code == 401
