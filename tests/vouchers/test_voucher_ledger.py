"""The voucher's ledger as its page shows it (ledger.selectors.voucher_ledger):
every transfer of the voucher's money, a charge's confirmation and void
included, with what remains, what is held and what was used after each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.redemption import charge_setup
from vouchers.ledger.selectors import voucher_balance, voucher_held, voucher_ledger
from vouchers.lifecycle import services as life
from vouchers.models import Voucher
from vouchers.redemption import services as charges

pytestmark = pytest.mark.django_db

FACE = Decimal("200000.00")
CHARGE = Decimal("1250.00")


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return charge_setup()


def figures(line) -> tuple[str, Decimal, Decimal, Decimal, Decimal]:
    return (
        line.transfer.kind,
        line.transfer.amount,
        line.remaining,
        line.held,
        line.used,
    )


def test_each_step_of_a_charge_shows_with_the_figures_after_it(setup):
    # given: two charges; one confirmed, the other voided; then the voucher expires
    confirmed, voided = setup.hold(), setup.hold()
    charges.redemption_confirm(redemption=confirmed, user=setup.applicant)
    charges.redemption_void(
        redemption=voided, provider=setup.provider, actor=setup.staff, reason="重复"
    )
    Voucher.objects.filter(pk=setup.voucher.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    life.vouchers_expire_due()

    # when
    lines = voucher_ledger(setup.voucher)

    # then
    left = FACE - CHARGE
    assert [figures(line) for line in lines] == [
        ("voucher_issued", FACE, FACE, 0, 0),
        ("charge_held", CHARGE, FACE - CHARGE, CHARGE, 0),
        ("charge_held", CHARGE, FACE - 2 * CHARGE, 2 * CHARGE, 0),
        ("charge_confirmed", CHARGE, FACE - 2 * CHARGE, CHARGE, CHARGE),
        ("charge_voided", CHARGE, left, 0, CHARGE),
        ("voucher_released", left, 0, 0, CHARGE),
    ]
    assert lines[3].transfer.reference_id == str(confirmed.pk)
    assert lines[-1].remaining == voucher_balance(setup.voucher)
    assert lines[-1].held == voucher_held(setup.voucher)


def test_the_ledger_costs_two_queries_whatever_the_charges(
    setup, django_assert_num_queries
):
    for _ in range(5):
        setup.hold()
    with django_assert_num_queries(2):
        assert len(voucher_ledger(setup.voucher)) == 6


def test_the_page_shows_the_confirmation_and_links_the_charge(setup, client):
    # given
    held = setup.hold()
    charges.redemption_confirm(redemption=held, user=setup.applicant)
    client.sign_in(setup.applicant, language="zh-hans")

    # when
    page = client.get(reverse("vouchers:voucher-detail", args=[setup.voucher.code]))

    # then
    assert page.status_code == 200
    rows = page.context["ledger"]
    assert [r["transfer"].kind for r in rows] == [
        "voucher_issued",
        "charge_held",
        "charge_confirmed",
    ]
    assert rows[-1]["used"] == "1,250.00"
    assert rows[-1]["held"] == "0.00"
    html = page.content.decode()
    link = reverse("vouchers:charge-detail", args=[held.pk])
    assert f'<a href="{link}">扣费 {held.invoice_number}</a>' in html
