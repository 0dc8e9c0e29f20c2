"""The end of a voucher's life, through the services: expiry (pending charges
voided, the unused balance back in the program budget), revocation by a
program manager, the 30- and 7-day reminders, and clawbacks with their
repayments; each refusal with its code and nothing written, and the ledger
and its check after each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from tests.factories import make_role_user
from tests.factories.redemption import ChargeSetup, charge_setup
from vouchers import error_codes
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import budget_remaining, voucher_balance, voucher_held
from vouchers.ledger.services import account
from vouchers.lifecycle import services as life
from vouchers.models import (
    Clawback,
    ClawbackRepayment,
    LedgerAccount,
    LedgerTransfer,
    Notification,
    Redemption,
    Voucher,
    VoucherReminder,
)
from vouchers.redemption import services as charges

pytestmark = pytest.mark.django_db

S = Redemption.Status
V = Voucher.Status
FACE = Decimal("200000.00")
CHARGE = Decimal("1250.00")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def setup(media) -> ChargeSetup:
    return charge_setup()


@pytest.fixture
def manager():
    return make_role_user(Role.PROGRAM_MANAGER)


def budget(setup: ChargeSetup) -> Decimal:
    return budget_remaining(setup.voucher.program)


def past_expiry(voucher: Voucher, days: int = 1) -> None:
    Voucher.objects.filter(pk=voucher.pk).update(
        expires_on=timezone.localdate() - timedelta(days=days)
    )


def writes() -> tuple[int, ...]:
    return (
        LedgerTransfer.objects.count(),
        AuditEvent.objects.count(),
        Clawback.objects.count(),
        ClawbackRepayment.objects.count(),
        Voucher.objects.filter(status=V.ACTIVE).count(),
    )


def refused(code: str, call) -> ApplicationError:
    before = writes()
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.code == code, info.value
    assert writes() == before
    return info.value


# -- expiry -------------------------------------------------------------------------


def test_expiry_voids_pending_charges_and_releases_the_rest_to_the_budget(setup):
    # given: one confirmed, one disputed, one pending charge, then the last day passes
    confirmed = setup.hold()
    charges.redemption_confirm(redemption=confirmed, user=setup.applicant)
    disputed = setup.hold()
    charges.redemption_dispute(redemption=disputed, user=setup.applicant, reason="多扣")
    pending = setup.hold()
    before = budget(setup)
    past_expiry(setup.voucher)

    # when
    assert life.vouchers_expire_due() == 1

    # then
    setup.voucher.refresh_from_db()
    pending.refresh_from_db()
    disputed.refresh_from_db()
    assert setup.voucher.status == V.EXPIRED
    assert setup.voucher.closed_at is not None
    assert pending.status == S.VOIDED
    assert disputed.status == S.DISPUTED  # waits for its reviewer
    assert voucher_balance(setup.voucher) == 0
    assert voucher_held(setup.voucher) == CHARGE
    released = FACE - 2 * CHARGE  # everything but the confirmed and the disputed
    assert budget(setup) == before + released
    event = AuditEvent.objects.get(action="voucher.expired")
    assert event.after["released"] == str(released)
    assert event.after["charges_voided"] == 1
    assert AuditEvent.objects.filter(action="charge.voided_voucher_closed").count() == 1
    assert check_ledger() == []


def test_expiry_is_idempotent(setup):
    past_expiry(setup.voucher)
    assert life.vouchers_expire_due() == 1
    before = writes()

    assert life.vouchers_expire_due() == 0
    assert life.voucher_expire(setup.voucher.pk) is False
    assert writes() == before


def test_a_voucher_is_valid_through_its_last_day(setup):
    Voucher.objects.filter(pk=setup.voucher.pk).update(expires_on=timezone.localdate())
    assert life.vouchers_expire_due() == 0
    setup.voucher.refresh_from_db()
    assert setup.voucher.status == V.ACTIVE


def test_a_pending_charge_past_its_window_is_confirmed_at_expiry_not_voided(setup):
    r = setup.hold()
    Redemption.objects.filter(pk=r.pk).update(confirm_by=timezone.now())
    past_expiry(setup.voucher)

    life.vouchers_expire_due()

    r.refresh_from_db()
    assert r.status == S.CONFIRMED
    assert check_ledger() == []


def test_a_dispute_voided_after_expiry_goes_back_to_the_budget(setup):
    # given a disputed charge on a voucher that then expired
    r = setup.hold()
    charges.redemption_dispute(redemption=r, user=setup.applicant, reason="多扣")
    past_expiry(setup.voucher)
    life.vouchers_expire_due()
    before = budget(setup)
    reviewer = make_role_user(Role.REVIEWER, region="330106")

    # when the reviewer voids it
    charges.redemption_dispute_decide(
        redemption=r, reviewer=reviewer, uphold=False, reason="服务商未提供用量记录"
    )

    # then the amount does not come back on the expired voucher
    assert voucher_balance(setup.voucher) == 0
    assert voucher_held(setup.voucher) == 0
    assert budget(setup) == before + CHARGE
    assert check_ledger() == []


def test_an_expired_voucher_cannot_be_charged(setup):
    past_expiry(setup.voucher)
    life.vouchers_expire_due()

    with pytest.raises(ApplicationError) as info:
        setup.hold()
    assert info.value.code == error_codes.VOUCHER_NOT_ACTIVE


def test_the_release_goes_back_to_the_pools_the_voucher_came_from(setup):
    # given: the voucher was issued from the program's budget pools
    acc = LedgerAccount.objects.get(voucher=setup.voucher, kind="voucher")
    given = {
        t.debit_id: t.amount
        for t in LedgerTransfer.objects.filter(credit=acc, kind="voucher_issued")
    }
    past_expiry(setup.voucher)

    # when
    life.vouchers_expire_due()

    # then each pool got back what it gave
    back = {
        t.credit_id: t.amount
        for t in LedgerTransfer.objects.filter(debit=acc, kind="voucher_released")
    }
    assert back == given


# -- revocation -----------------------------------------------------------------------


def test_a_manager_revokes_a_voucher_with_a_reason(setup, manager):
    pending = setup.hold()
    before = budget(setup)

    life.voucher_revoke(voucher=setup.voucher, user=manager, reason="企业提供虚假材料")

    setup.voucher.refresh_from_db()
    pending.refresh_from_db()
    assert setup.voucher.status == V.REVOKED
    assert setup.voucher.close_reason == "企业提供虚假材料"
    assert setup.voucher.closed_by == manager
    assert pending.status == S.VOIDED
    assert budget(setup) == before + FACE
    event = AuditEvent.objects.get(action="voucher.revoked")
    assert event.actor_id == manager.pk
    assert event.after["reason"] == "企业提供虚假材料"
    assert check_ledger() == []


def test_revocation_is_refused_without_a_reason_by_others_and_twice(setup, manager):
    refused(
        error_codes.INVALID,
        lambda: life.voucher_revoke(voucher=setup.voucher, user=manager, reason=" "),
    )
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    refused(
        error_codes.OUT_OF_SCOPE,
        lambda: life.voucher_revoke(voucher=setup.voucher, user=reviewer, reason="x"),
    )
    life.voucher_revoke(voucher=setup.voucher, user=manager, reason="虚假材料")
    refused(
        error_codes.VOUCHER_NOT_ACTIVE,
        lambda: life.voucher_revoke(voucher=setup.voucher, user=manager, reason="再次"),
    )


# -- reminders ------------------------------------------------------------------------


def expiring_in(voucher: Voucher, days: int) -> None:
    Voucher.objects.filter(pk=voucher.pk).update(
        expires_on=timezone.localdate() + timedelta(days=days)
    )


def test_thirty_and_seven_days_before_expiry_the_enterprise_is_reminded(
    setup, django_capture_on_commit_callbacks
):
    expiring_in(setup.voucher, 30)
    setup.hold()
    mail.outbox.clear()
    notes = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert life.voucher_expiry_reminders() == 1
        assert life.voucher_expiry_reminders() == 0  # once

    assert Notification.objects.count() == notes + 1
    note = Notification.objects.filter(user=setup.applicant).latest("pk")
    assert setup.voucher.code in note.subject
    assert "198,750.00" in note.body  # what is left
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [setup.applicant.email]

    expiring_in(setup.voucher, 7)
    assert life.voucher_expiry_reminders() == 1
    assert sorted(VoucherReminder.objects.values_list("days_before", flat=True)) == [
        7,
        30,
    ]
    assert AuditEvent.objects.filter(action="voucher.expiry_reminded").count() == 2


def test_a_voucher_close_to_expiry_gets_one_reminder_not_two(setup):
    expiring_in(setup.voucher, 5)
    assert life.voucher_expiry_reminders() == 1
    assert list(VoucherReminder.objects.values_list("days_before", flat=True)) == [7]
    assert life.voucher_expiry_reminders() == 0


def test_nothing_is_sent_far_from_expiry(setup):
    expiring_in(setup.voucher, 31)
    assert life.voucher_expiry_reminders() == 0


# -- clawbacks ------------------------------------------------------------------------


def spent(setup: ChargeSetup, times: int = 2) -> None:
    for _ in range(times):
        r = setup.hold()
        charges.redemption_confirm(redemption=r, user=setup.applicant)


def demand(**changes) -> life.ClawbackDemand:
    values = {
        "amount": "2000.00",
        "legal_basis": "《杭州市算力券实施细则》第十二条",
        "reason": "同一算力服务重复申领补贴。",
        "due_on": timezone.localdate() + timedelta(days=30),
    } | changes
    return life.ClawbackDemand(**values)


def test_a_clawback_is_recorded_and_repaid_in_parts(setup, manager):
    spent(setup)  # 2,500.00 paid out

    c = life.clawback_record(voucher=setup.voucher, user=manager, demand=demand())
    assert c.status == Clawback.Status.OPEN
    assert c.outstanding == Decimal("2000.00")

    life.clawback_repayment_record(
        clawback=c,
        user=manager,
        amount="1500.00",
        paid_on=timezone.localdate(),
        reference="HK-0001",
    )
    c.refresh_from_db()
    assert c.status == Clawback.Status.OPEN
    assert c.repaid == Decimal("1500.00")

    life.clawback_repayment_record(
        clawback=c,
        user=manager,
        amount="500.00",
        paid_on=timezone.localdate(),
        reference="HK-0002",
    )
    c.refresh_from_db()
    assert c.status == Clawback.Status.REPAID
    assert c.closed_at is not None
    recovered = account(setup.voucher.program, LedgerAccount.Kind.RECOVERED)
    assert recovered.balance == Decimal("2000.00")
    assert LedgerTransfer.objects.filter(kind="clawback_repaid").count() == 2
    assert AuditEvent.objects.filter(action="clawback.recorded").count() == 1
    assert AuditEvent.objects.filter(action="clawback.repayment_recorded").count() == 2
    assert check_ledger() == []


def test_a_clawback_is_at_most_what_the_voucher_paid_out(setup, manager):
    spent(setup)
    life.clawback_record(
        voucher=setup.voucher, user=manager, demand=demand(amount="2000.00")
    )

    error = refused(
        error_codes.INVALID,
        lambda: life.clawback_record(
            voucher=setup.voucher, user=manager, demand=demand(amount="500.01")
        ),
    )
    assert error.field == "amount"
    assert "500.00" in str(error)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"legal_basis": "  "}, "legal_basis"),
        ({"reason": ""}, "reason"),
        ({"due_on": timezone.localdate() - timedelta(days=1)}, "due_on"),
    ],
)
def test_a_clawback_is_refused_with_its_field(setup, manager, changes, field):
    spent(setup)
    error = refused(
        error_codes.INVALID,
        lambda: life.clawback_record(
            voucher=setup.voucher, user=manager, demand=demand(**changes)
        ),
    )
    assert error.field == field


def test_only_a_manager_records_a_clawback(setup):
    spent(setup)
    auditor = make_role_user(Role.AUDITOR)
    refused(
        error_codes.OUT_OF_SCOPE,
        lambda: life.clawback_record(
            voucher=setup.voucher, user=auditor, demand=demand()
        ),
    )


def test_repayments_are_refused_over_the_outstanding_in_the_future_or_twice(
    setup, manager
):
    spent(setup)
    c = life.clawback_record(voucher=setup.voucher, user=manager, demand=demand())
    today = timezone.localdate()

    def repay(amount="100.00", paid_on=today, reference="HK-9"):
        return lambda: life.clawback_repayment_record(
            clawback=c,
            user=manager,
            amount=amount,
            paid_on=paid_on,
            reference=reference,
        )

    refused(error_codes.INVALID, repay(amount="2000.01"))
    refused(error_codes.INVALID, repay(paid_on=today + timedelta(days=1)))
    refused(error_codes.INVALID, repay(reference=""))
    repay()()
    refused(error_codes.DUPLICATE_REFERENCE, repay())
    assert check_ledger() == []


def test_check_ledger_reports_a_closed_voucher_with_money_left(setup):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vouchers_voucher SET status = 'expired' WHERE id = %s",
            [setup.voucher.pk],
        )

    problems = [str(p) for p in check_ledger()]

    assert problems == [
        f"voucher {setup.voucher.code} is expired but {FACE} is left on it"
    ]
