"""The nightly passes go on past an item that fails: confirming the charges
whose window passed, expiring vouchers, the expiry reminders and building
the statements. The item that failed is left as it was (its transaction
rolled back, no audit event), the others are done, the failure is logged,
and the next run does the item."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from tests.factories.redemption import charge_setup
from vouchers.ledger.checks import check_ledger
from vouchers.lifecycle import services as life
from vouchers.models import Redemption, Statement, Voucher, VoucherReminder
from vouchers.redemption import services as charges
from vouchers.settlement import services as settlement

pytestmark = pytest.mark.django_db

S = Redemption.Status
V = Voucher.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def fail_once_for(monkeypatch, module, name: str, first_arg_is):
    """Make ``module.name`` raise when called for the object ``first_arg_is``
    picks, once; the real function otherwise."""
    real = getattr(module, name)
    failed = []

    def flaky(*args, **kwargs):
        if not failed and first_arg_is(*args, **kwargs):
            failed.append(True)
            raise RuntimeError("the database went away for this one")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return failed


def skipped(caplog, pass_name: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "vouchers.batch" and r.getMessage().startswith(pass_name)
    ]


def window_passed(*redemptions: Redemption) -> None:
    Redemption.objects.filter(pk__in=[r.pk for r in redemptions]).update(
        confirm_by=timezone.now() - timedelta(minutes=1)
    )


def test_confirming_due_charges_goes_on_past_one_that_fails(monkeypatch, caplog):
    # given: two charges past their window; confirming the first fails
    setup = charge_setup()
    first, second = setup.hold(), setup.hold()
    window_passed(first, second)
    failed = fail_once_for(
        monkeypatch, charges, "_decide", lambda r, *a, **k: r.pk == first.pk
    )

    # when
    with caplog.at_level(logging.ERROR):
        assert charges.redemptions_confirm_due() == 1

    # then: the second is confirmed, the first untouched, the failure logged
    assert failed
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.PENDING, S.CONFIRMED)
    assert AuditEvent.objects.filter(action="charge.confirmed_by_window").count() == 1
    assert len(skipped(caplog, "redemptions_confirm_due")) == 2
    assert check_ledger() == []

    # and the next run confirms the first
    assert charges.redemptions_confirm_due() == 1
    first.refresh_from_db()
    assert first.status == S.CONFIRMED


def past_expiry(*vouchers: Voucher) -> None:
    Voucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )


def test_expiring_vouchers_goes_on_past_one_that_fails(monkeypatch, caplog):
    # given: two vouchers past their last day, each with a pending charge;
    # the first fails after its charge was voided
    one, two = charge_setup(), charge_setup()
    held = one.hold()
    two.hold()
    past_expiry(one.voucher, two.voucher)
    fail_once_for(
        monkeypatch,
        life,
        "voucher_release",
        lambda **k: k["voucher"].pk == one.voucher.pk,
    )

    # when
    with caplog.at_level(logging.ERROR):
        assert life.vouchers_expire_due() == 1

    # then: the second expired; of the first nothing changed, its charge
    # still pending (the void went with the rollback)
    one.voucher.refresh_from_db()
    two.voucher.refresh_from_db()
    held.refresh_from_db()
    assert (one.voucher.status, two.voucher.status) == (V.ACTIVE, V.EXPIRED)
    assert held.status == S.PENDING
    assert AuditEvent.objects.filter(action="voucher.expired").count() == 1
    assert AuditEvent.objects.filter(action="charge.voided_voucher_closed").count() == 1
    assert skipped(caplog, "vouchers_expire_due")
    assert check_ledger() == []

    assert life.vouchers_expire_due() == 1
    one.voucher.refresh_from_db()
    assert one.voucher.status == V.EXPIRED


def test_reminders_go_on_past_one_that_fails(monkeypatch, caplog):
    # given: two vouchers expiring in 30 days; reminding the first fails
    one, two = charge_setup(), charge_setup()
    Voucher.objects.filter(pk__in=[one.voucher.pk, two.voucher.pk]).update(
        expires_on=timezone.localdate() + timedelta(days=30)
    )
    fail_once_for(monkeypatch, life, "_remind", lambda v, *a: v.pk == one.voucher.pk)

    # when
    with caplog.at_level(logging.ERROR):
        assert life.voucher_expiry_reminders() == 1

    # then: the second was reminded; the first has no reminder row, so the
    # next night sends it
    assert list(VoucherReminder.objects.values_list("voucher_id", flat=True)) == [
        two.voucher.pk
    ]
    assert skipped(caplog, "voucher_expiry_reminders (30 days)")
    assert life.voucher_expiry_reminders() == 1
    assert VoucherReminder.objects.count() == 2


def test_building_statements_goes_on_past_one_that_fails(monkeypatch, caplog):
    # given: confirmed charges of two providers; building the first's fails
    one, two = charge_setup(), charge_setup()
    for setup in (one, two):
        charges.redemption_confirm(redemption=setup.hold(), user=setup.applicant)
    fail_once_for(
        monkeypatch,
        settlement,
        "statement_build",
        lambda **k: k["provider"].pk == one.provider.pk,
    )
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(
        day=1
    )

    # when
    with caplog.at_level(logging.ERROR):
        built = settlement.statements_build_due(today=next_month)

    # then
    assert [s.provider_id for s in built] == [two.provider.pk]
    assert skipped(caplog, "statements_build_due")
    built = settlement.statements_build_due(today=next_month)
    assert [s.provider_id for s in built] == [one.provider.pk]
    assert Statement.objects.count() == 2
