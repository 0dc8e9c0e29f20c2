"""Reimbursement pages through the test client: the enterprise claims from
its voucher page, the reviewer of its region verifies or rejects from the
queue; refusals shown on the form, nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.vouchers import pdf_upload
from vouchers.models import Reimbursement

from .test_reimbursement import submit, voucher_setup  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form_data(provider, **changes) -> dict:
    return {
        "invoice_issuer": provider.uscc,
        "invoice_number": "25330000000087654321",
        "invoice_date": timezone.localdate().isoformat(),
        "amount": "8000.00",
        "proof": pdf_upload("回单.pdf"),
    } | changes


def test_the_enterprise_claims_from_its_voucher_page(client, voucher_setup):  # noqa: F811
    voucher, applicant, provider, _ = voucher_setup
    client.force_login(applicant)
    page = client.get(
        reverse("vouchers:voucher-detail", args=[voucher.code])
    ).content.decode()
    assert 'data-testid="claim-link"' in page

    new = reverse("vouchers:reimbursement-new", args=[voucher.code])
    form = client.get(new).content.decode()
    assert provider.name in form

    response = client.post(new, form_data(provider))

    r = Reimbursement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:reimbursement-detail", args=[r.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "8,000.00" in detail
    assert "审核中" in detail
    listed = client.get(
        reverse("vouchers:voucher-detail", args=[voucher.code])
    ).content.decode()
    assert "25330000000087654321" in listed


def test_a_refused_claim_shows_why_and_writes_nothing(client, voucher_setup):  # noqa: F811
    voucher, applicant, provider, _ = voucher_setup
    client.force_login(applicant)
    new = reverse("vouchers:reimbursement-new", args=[voucher.code])

    response = client.post(new, form_data(provider, amount="999999999.00"))

    assert response.status_code == 200
    [error] = response.context["form"].errors["amount"]
    assert "超过券上剩余" in error
    assert not Reimbursement.objects.exists()


def test_the_reviewer_verifies_in_part_with_a_reason(client, voucher_setup):  # noqa: F811
    voucher, applicant, provider, reviewer = voucher_setup
    r = submit(voucher, applicant, provider)
    client.force_login(reviewer)
    queue = client.get(reverse("vouchers:reimbursements")).content.decode()
    assert r.invoice_number in queue

    decide = reverse("vouchers:reimbursement-decide", args=[r.pk])
    no_reason = client.post(decide, {"decision": "verify", "amount": "10000.00"})
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reason"]
    r.refresh_from_db()
    assert r.status == "submitted"

    verify = {"decision": "verify", "amount": "10000.00", "reason": "运维费不补"}
    page = client.post(decide, verify).content.decode()
    assert 'data-testid="confirm-amount"><strong>10,000.00</strong>' in page
    r.refresh_from_db()
    assert r.status == "submitted"
    client.post(decide, verify | {"confirmed": "1"})
    r.refresh_from_db()
    assert (r.status, r.verified_amount) == ("verified", Decimal("10000.00"))


def test_the_reviewer_rejects_with_a_reason(client, voucher_setup):  # noqa: F811
    voucher, applicant, provider, reviewer = voucher_setup
    r = submit(voucher, applicant, provider)
    client.force_login(reviewer)
    decide = reverse("vouchers:reimbursement-decide", args=[r.pk])

    client.post(decide, {"decision": "reject", "reason": "付款凭证不清晰"})

    r.refresh_from_db()
    assert r.status == "rejected"
    assert r.decision_reason == "付款凭证不清晰"


def test_the_manager_pays_a_verified_claim_from_the_to_pay_list(client, voucher_setup):  # noqa: F811
    from accounts.roles import Role
    from tests.factories import make_role_user
    from vouchers.reimbursement import services

    voucher, applicant, provider, reviewer = voucher_setup
    r = submit(voucher, applicant, provider)
    services.reimbursement_verify(reimbursement=r, user=reviewer, amount="12000.50")
    client.force_login(make_role_user(Role.PROGRAM_MANAGER))
    listed = client.get(reverse("vouchers:reimbursements-to-pay")).content.decode()
    assert r.invoice_number in listed
    page = client.get(reverse("vouchers:reimbursement-detail", args=[r.pk]))
    assert 'data-testid="pay"' in page.content.decode()
    pay = reverse("vouchers:reimbursement-pay", args=[r.pk])

    # no reference: the form says so, nothing written
    refused = client.post(pay, {"reference": "", "paid_on": "2026-01-05"})
    assert refused.status_code == 200
    assert refused.context["pay_form"].errors["reference"]
    r.refresh_from_db()
    assert r.status == "verified"

    paid = {"reference": "GK2026-7", "paid_on": timezone.localdate().isoformat()}
    page = client.post(pay, paid).content.decode()
    assert 'data-testid="confirm-amount"><strong>12,000.50</strong>' in page
    r.refresh_from_db()
    assert r.status == "verified"
    done = client.post(pay, paid | {"confirmed": "1"})
    assert done.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.payment_reference) == ("paid", "GK2026-7")
    assert (
        r.invoice_number
        not in client.get(reverse("vouchers:reimbursements-to-pay")).content.decode()
    )
