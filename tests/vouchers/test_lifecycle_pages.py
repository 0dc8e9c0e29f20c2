"""Lifecycle pages through the test client: a program manager revokes a
voucher after a page that shows what it releases, records a clawback and
its repayments; the enterprise reads its clawback; refusals are shown on
the form with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.factories import make_role_user
from tests.factories.redemption import charge_setup
from vouchers.lifecycle import services as life
from vouchers.models import Clawback, Voucher
from vouchers.redemption import services as charges

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return charge_setup()


@pytest.fixture
def manager(client):
    user = make_role_user(Role.PROGRAM_MANAGER)
    client.force_login(user)
    return user


def voucher_page(client, voucher) -> str:
    return client.get(
        reverse("vouchers:voucher-detail", args=[voucher.code])
    ).content.decode()


def test_a_manager_revokes_after_seeing_what_it_releases(client, setup, manager):
    setup.hold()  # 1,250.00 pending
    assert 'data-testid="revoke-link"' in voucher_page(client, setup.voucher)
    url = reverse("vouchers:voucher-revoke", args=[setup.voucher.code])

    page = client.get(url).content.decode()
    assert "200,000.00" in page  # released: balance 198,750.00 + the pending charge

    # an empty reason: shown on the form, nothing changed
    page = client.post(url, {"reason": " "}).content.decode()
    assert "has-error" in page
    setup.voucher.refresh_from_db()
    assert setup.voucher.status == Voucher.Status.ACTIVE

    response = client.post(url, {"reason": "企业提供虚假材料"})
    assert response.status_code == 302
    setup.voucher.refresh_from_db()
    assert setup.voucher.status == Voucher.Status.REVOKED
    page = voucher_page(client, setup.voucher)
    assert 'data-testid="voucher-closed"' in page
    assert "企业提供虚假材料" in page
    assert 'data-testid="revoke-link"' not in page


def test_only_managers_open_the_revoke_page(client, setup):
    client.force_login(setup.applicant)
    url = reverse("vouchers:voucher-revoke", args=[setup.voucher.code])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"reason": "x"}).status_code in (403, 404)
    setup.voucher.refresh_from_db()
    assert setup.voucher.status == Voucher.Status.ACTIVE
    assert 'data-testid="revoke-link"' not in voucher_page(client, setup.voucher)


def test_a_clawback_is_recorded_repaid_and_read_by_the_enterprise(
    client, setup, manager
):
    r = setup.hold()
    charges.redemption_confirm(redemption=r, user=setup.applicant)
    new = reverse("vouchers:clawback-new", args=[setup.voucher.code])
    assert "1,250.00" in client.get(new).content.decode()
    data = {
        "amount": "1000.00",
        "legal_basis": "《杭州市算力券实施细则》第十二条",
        "reason": "重复申领。",
        "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }

    # more than was paid out: the form says so, nothing written
    page = client.post(new, data | {"amount": "1250.01"}).content.decode()
    assert "1,250.00" in page
    assert not Clawback.objects.exists()

    response = client.post(new, data)
    c = Clawback.objects.get()
    assert response["Location"] == reverse("vouchers:clawback-detail", args=[c.pk])

    repay = reverse("vouchers:clawback-repayment", args=[c.pk])
    today = timezone.localdate().isoformat()
    page = client.post(
        repay, {"amount": "1000.01", "paid_on": today, "reference": "HK-1"}
    ).content.decode()
    assert "1,000.00" in page  # what is outstanding
    client.post(repay, {"amount": "1000.00", "paid_on": today, "reference": "HK-1"})
    c.refresh_from_db()
    assert c.status == Clawback.Status.REPAID

    listing = client.get(reverse("vouchers:clawbacks")).content.decode()
    assert setup.voucher.code in listing

    client.force_login(setup.applicant)
    assert (
        client.get(reverse("vouchers:clawback-detail", args=[c.pk])).status_code == 200
    )
    assert 'data-testid="voucher-clawbacks"' in voucher_page(client, setup.voucher)
    assert client.get(reverse("vouchers:clawbacks")).status_code in (403, 404)


def test_another_enterprise_cannot_read_a_clawback(client, setup):
    r = setup.hold()
    charges.redemption_confirm(redemption=r, user=setup.applicant)
    c = life.clawback_record(
        voucher=setup.voucher,
        user=make_role_user(Role.PROGRAM_MANAGER),
        demand=life.ClawbackDemand(
            amount="100.00",
            legal_basis="第十二条",
            reason="重复申领",
            due_on=timezone.localdate(),
        ),
    )
    client.force_login(charge_setup().applicant)
    assert (
        client.get(reverse("vouchers:clawback-detail", args=[c.pk])).status_code == 404
    )


def test_the_clawback_link_shows_only_once_something_was_paid_out(
    client, setup, manager
):
    r = setup.hold()  # pending: nothing paid out yet
    page = voucher_page(client, setup.voucher)
    assert 'data-testid="clawback-link"' not in page
    assert 'data-testid="no-clawback"' in page

    charges.redemption_confirm(redemption=r, user=setup.applicant)
    page = voucher_page(client, setup.voucher)
    assert 'data-testid="clawback-link"' in page

    # claimed back in full: nothing left to claim
    life.clawback_record(
        voucher=setup.voucher,
        user=manager,
        demand=life.ClawbackDemand(
            amount="1250.00",
            legal_basis="《杭州市算力券实施细则》第十二条",
            reason="重复申领。",
            due_on=timezone.localdate() + timedelta(days=30),
        ),
    )
    assert 'data-testid="clawback-link"' not in voucher_page(client, setup.voucher)
