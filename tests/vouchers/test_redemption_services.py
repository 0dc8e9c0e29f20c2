"""Charges at a provider, through the services: a hold on the voucher, then
confirmed by the enterprise or its window, disputed and decided by a
reviewer of its region, or voided by the provider; every refusal with its
code and nothing written; the ledger and its check after each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises.models import Provider
from tests.factories import ProviderFactory, make_role_user, version_changed
from tests.factories.redemption import ChargeSetup, OfferingFactory, charge_setup
from vouchers import error_codes
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import voucher_balance, voucher_held
from vouchers.ledger.services import provider_account, transfer, voucher_account
from vouchers.models import LedgerAccount, LedgerTransfer, Redemption, Voucher
from vouchers.redemption import services as svc

pytestmark = pytest.mark.django_db

S = Redemption.Status
FACE = Decimal("200000.00")
CHARGE = Decimal("1250.00")  # 100 card-hours at 12.50


@pytest.fixture
def setup(media) -> ChargeSetup:
    return charge_setup()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def payable(setup: ChargeSetup) -> Decimal:
    return provider_account(
        setup.voucher.program, setup.provider.pk, LedgerAccount.Kind.PROVIDER_PAYABLE
    ).balance


def events(action: str, redemption: Redemption) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type="vouchers.redemption", object_id=str(redemption.pk)
    ).count()


def writes() -> tuple[int, int, int]:
    return (
        Redemption.objects.count(),
        LedgerTransfer.objects.count(),
        AuditEvent.objects.count(),
    )


def reviewer_of(region: str = "330106"):
    return make_role_user(Role.REVIEWER, region=region)


# -- the hold ---------------------------------------------------------------------


def test_a_charge_holds_its_amount_on_the_voucher(setup):
    # when
    r = setup.hold()

    # then
    assert r.status == S.PENDING
    assert r.amount == CHARGE
    assert voucher_balance(setup.voucher) == FACE - CHARGE
    assert voucher_held(setup.voucher) == CHARGE
    assert r.confirm_by == pytest.approx(
        r.created_at + timedelta(days=7), abs=timedelta(seconds=5)
    )
    assert LedgerTransfer.objects.get(key=f"charge_held:{r.pk}").amount == CHARGE
    assert events("charge.held", r) == 1
    assert check_ledger() == []


def test_the_amount_is_quantity_times_unit_price_rounded_half_up_to_the_fen(setup):
    # when: 3.333 card-hours at 12.50 = 41.6625
    r = setup.hold(quantity=Decimal("3.333"))

    # then
    assert r.amount == Decimal("41.66")
    r2 = setup.hold(quantity=Decimal("0.0005"), unit_price=Decimal("10"))
    assert r2.amount == Decimal("0.01")  # 0.005 rounds up


def test_the_code_is_accepted_without_dashes_and_in_lower_case(setup):
    typed = " " + setup.voucher.code.replace("-", "").lower()
    r = setup.hold(voucher_code=typed)
    assert r.voucher == setup.voucher


# -- refusals: code, field, and nothing written --------------------------------------


def refused(setup: ChargeSetup, code: str, **changes) -> ApplicationError:
    before = writes()
    with pytest.raises(ApplicationError) as caught:
        setup.hold(**changes)
    assert caught.value.code == code, caught.value.message
    assert writes() == before
    assert voucher_balance(setup.voucher) == FACE
    return caught.value


def test_another_enterprises_credit_code_is_answered_as_no_such_voucher(setup):
    other = make_role_user(Role.APPLICANT).memberships.get().enterprise
    wrong = refused(setup, error_codes.VOUCHER_NOT_FOUND, credit_code=other.uscc)
    unknown = refused(setup, error_codes.VOUCHER_NOT_FOUND, voucher_code="A" * 16)
    assert str(wrong.message) == str(unknown.message)


def test_an_expired_voucher_cannot_be_charged(setup):
    Voucher.objects.filter(pk=setup.voucher.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    refused(setup, error_codes.VOUCHER_EXPIRED)


def test_a_revoked_voucher_cannot_be_charged(setup):
    Voucher.objects.filter(pk=setup.voucher.pk).update(status=Voucher.Status.REVOKED)
    refused(setup, error_codes.VOUCHER_NOT_ACTIVE)


def test_more_than_the_balance_is_refused(setup):
    error = refused(
        setup, error_codes.INSUFFICIENT_BALANCE, quantity=Decimal("16000.001")
    )
    assert "200,000.00" in str(error.message)


def test_the_whole_balance_can_be_charged(setup):
    r = setup.hold(quantity=Decimal("16000"))
    assert r.amount == FACE
    assert voucher_balance(setup.voucher) == Decimal("0.00")
    refused_after = writes()
    with pytest.raises(ApplicationError) as caught:
        setup.hold(quantity=Decimal("0.0008"))
    assert caught.value.code == error_codes.INSUFFICIENT_BALANCE
    assert writes() == refused_after


def test_one_invoice_backs_one_charge_until_that_charge_is_voided(setup):
    first = setup.hold(invoice_number="FP-0001")
    before = writes()
    with pytest.raises(ApplicationError) as caught:
        setup.hold(invoice_number="FP-0001")
    assert caught.value.code == error_codes.DUPLICATE_INVOICE
    assert writes() == before

    svc.redemption_void(
        redemption=first, provider=setup.provider, actor=setup.staff, reason="开错发票"
    )
    again = setup.hold(invoice_number="FP-0001")
    assert again.status == S.PENDING


def test_a_unit_price_above_the_list_price_is_refused_by_default(setup):
    refused(setup, error_codes.PRICE_ABOVE_LIST, unit_price=Decimal("12.5001"))


def test_a_program_may_accept_a_price_above_the_list_price_and_flag_it(setup):
    program = setup.voucher.program
    params = program.versions.latest("effective_from").params | {
        "price_above_list": "flag"
    }
    version_changed(program=program, params=params, actor=None)

    r = setup.hold(unit_price=Decimal("13.00"))

    assert r.above_list_price
    assert r.amount == Decimal("1300.00")
    assert r.list_price == Decimal("12.5000")


def test_a_reimbursing_program_cannot_be_charged_at_a_provider(setup):
    program = setup.voucher.program
    params = program.versions.latest("effective_from").params | {
        "disbursement_mode": "reimburse_after_payment"
    }
    version_changed(program=program, params=params, actor=None)
    refused(setup, error_codes.REDEMPTION_MODE)


@pytest.mark.parametrize(
    "change",
    [
        {"status": Provider.Status.SUSPENDED},
        {"offers_compute": False, "offers_model": True, "facility": ""},
    ],
)
def test_only_a_provider_approved_for_the_programs_kind_can_charge(setup, change):
    Provider.objects.filter(pk=setup.provider.pk).update(**change)
    setup.provider.refresh_from_db()
    refused(setup, error_codes.PROVIDER_NOT_APPROVED)


def test_the_offering_must_be_the_providers_own_and_of_the_programs_kind(setup):
    other = OfferingFactory(provider=ProviderFactory())
    refused(setup, error_codes.OFFERING_INVALID, offering_id=other.pk)
    model = OfferingFactory(
        provider=setup.provider,
        kind="model",
        model_name="通义千问",
        filing_number="Zhejiang-2024-001",
    )
    refused(setup, error_codes.OFFERING_INVALID, offering_id=model.pk)
    setup.offering.is_active = False
    setup.offering.save()
    refused(setup, error_codes.OFFERING_INVALID)


@pytest.mark.parametrize(
    ("days_start", "days_end"),
    [(0, -1), (1, 2), (-400, 0), (0, 400)],
    ids=["ends-before-start", "starts-in-future", "before-issue", "after-expiry"],
)
def test_the_period_of_use_lies_within_the_vouchers_life(setup, days_start, days_end):
    today = timezone.localdate()
    refused(
        setup,
        error_codes.PERIOD_INVALID,
        period_start=today + timedelta(days=days_start),
        period_end=today + timedelta(days=days_end),
    )


@pytest.mark.parametrize("number", ["", "   ", "X" * 41])
def test_an_invoice_number_is_required_and_short(setup, number):
    refused(setup, error_codes.INVALID, invoice_number=number)


# -- confirm, dispute, void ------------------------------------------------------------


def test_the_enterprise_confirms_a_charge_and_the_provider_is_owed_it(setup):
    r = setup.hold()

    svc.redemption_confirm(redemption=r, user=setup.applicant)

    r.refresh_from_db()
    assert r.status == S.CONFIRMED
    assert r.decided_by == setup.applicant
    assert voucher_held(setup.voucher) == Decimal("0.00")
    assert voucher_balance(setup.voucher) == FACE - CHARGE
    assert payable(setup) == CHARGE
    assert events("charge.confirmed", r) == 1
    assert check_ledger() == []


def test_only_a_member_of_the_enterprise_confirms_or_disputes(setup):
    r = setup.hold()
    stranger = make_role_user(Role.APPLICANT)
    for call in (
        lambda: svc.redemption_confirm(redemption=r, user=stranger),
        lambda: svc.redemption_dispute(redemption=r, user=stranger, reason="不认"),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == error_codes.NOT_YOURS
    r.refresh_from_db()
    assert r.status == S.PENDING


def test_a_confirmed_charge_cannot_be_confirmed_disputed_or_voided_again(setup):
    r = setup.hold()
    svc.redemption_confirm(redemption=r, user=setup.applicant)
    before = writes()
    for call in (
        lambda: svc.redemption_confirm(redemption=r, user=setup.applicant),
        lambda: svc.redemption_dispute(redemption=r, user=setup.applicant, reason="x"),
        lambda: svc.redemption_void(
            redemption=r, provider=setup.provider, actor=setup.staff, reason="x"
        ),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == error_codes.TRANSITION
    assert writes() == before
    assert payable(setup) == CHARGE


def test_the_provider_voids_its_pending_charge_and_the_amount_returns(setup):
    r = setup.hold()

    svc.redemption_void(
        redemption=r, provider=setup.provider, actor=setup.staff, reason="重复扣费"
    )

    r.refresh_from_db()
    assert (r.status, r.decision_reason) == (S.VOIDED, "重复扣费")
    assert voucher_balance(setup.voucher) == FACE
    assert voucher_held(setup.voucher) == Decimal("0.00")
    assert events("charge.voided", r) == 1
    assert check_ledger() == []


def test_another_provider_cannot_void_the_charge(setup):
    r = setup.hold()
    with pytest.raises(ApplicationError) as caught:
        svc.redemption_void(
            redemption=r, provider=ProviderFactory(), actor=None, reason="x"
        )
    assert caught.value.code == error_codes.NOT_YOURS


def test_a_void_needs_a_reason(setup):
    r = setup.hold()
    with pytest.raises(ApplicationError) as caught:
        svc.redemption_void(
            redemption=r, provider=setup.provider, actor=None, reason=" "
        )
    assert (caught.value.code, caught.value.field) == (error_codes.INVALID, "reason")


@pytest.mark.parametrize("uphold", [True, False])
def test_a_reviewer_of_the_region_decides_a_dispute(setup, uphold):
    r = setup.hold()
    svc.redemption_dispute(redemption=r, user=setup.applicant, reason="没有用这么多")
    r.refresh_from_db()
    assert r.status == S.DISPUTED
    assert voucher_held(setup.voucher) == CHARGE  # still held while disputed

    # the provider can no longer void it: the reviewer decides
    with pytest.raises(ApplicationError):
        svc.redemption_void(
            redemption=r, provider=setup.provider, actor=None, reason="x"
        )

    svc.redemption_dispute_decide(
        redemption=r,
        reviewer=reviewer_of("330100"),
        uphold=uphold,
        reason="核对了用量日志",
    )

    r.refresh_from_db()
    assert r.status == (S.CONFIRMED if uphold else S.VOIDED)
    assert payable(setup) == (CHARGE if uphold else Decimal("0.00"))
    assert voucher_balance(setup.voucher) == (FACE - CHARGE if uphold else FACE)
    assert (
        events("charge.dispute_upheld" if uphold else "charge.dispute_voided", r) == 1
    )
    assert check_ledger() == []


def test_a_reviewer_of_another_region_cannot_decide_the_dispute(setup):
    r = setup.hold()
    svc.redemption_dispute(redemption=r, user=setup.applicant, reason="不认")
    with pytest.raises(ApplicationError) as caught:
        svc.redemption_dispute_decide(
            redemption=r, reviewer=reviewer_of("330200"), uphold=True, reason="x"
        )
    assert caught.value.code == error_codes.OUT_OF_SCOPE


def test_a_pending_charge_cannot_be_decided_as_a_dispute(setup):
    r = setup.hold()
    with pytest.raises(ApplicationError) as caught:
        svc.redemption_dispute_decide(
            redemption=r, reviewer=reviewer_of(), uphold=True, reason="x"
        )
    assert caught.value.code == error_codes.TRANSITION


# -- the confirmation window -------------------------------------------------------------


def test_undisputed_charges_confirm_themselves_when_the_window_passes(setup):
    due = setup.hold()
    disputed = setup.hold()
    svc.redemption_dispute(redemption=disputed, user=setup.applicant, reason="不认")
    fresh = setup.hold()
    Redemption.objects.filter(pk__in=[due.pk, disputed.pk]).update(
        confirm_by=timezone.now() - timedelta(minutes=1)
    )

    assert svc.redemptions_confirm_due() == 1
    assert svc.redemptions_confirm_due() == 0  # a second run does nothing

    statuses = dict(Redemption.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: S.CONFIRMED,
        disputed.pk: S.DISPUTED,
        fresh.pk: S.PENDING,
    }
    assert events("charge.confirmed_by_window", due) == 1
    assert payable(setup) == CHARGE
    assert check_ledger() == []


# -- check_ledger sees charges and ledger disagree ------------------------------------------


def test_check_ledger_reports_held_money_without_a_pending_charge(setup):
    r = setup.hold()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vouchers_redemption SET status = 'confirmed' WHERE id = %s", [r.pk]
        )

    problems = [str(p) for p in check_ledger()]

    code = setup.voucher.code
    assert problems == [
        f"voucher {code}: 1250.00 held in the ledger but its pending and disputed "
        "charges and reimbursements under review add up to 0.00",
        f"voucher {code}: 0.00 confirmed in the ledger but its confirmed charges and "
        "verified reimbursements add up to 1250.00",
        f"provider {setup.provider.pk} in program {setup.voucher.program_id}: payable "
        "+ paid out 0.00 but its confirmed charges add up to 1250.00",
    ]


def test_a_transfer_key_cannot_be_used_twice(setup):
    r = setup.hold()

    with pytest.raises(IntegrityError), transaction.atomic():
        transfer(
            debit=voucher_account(setup.voucher),
            credit=voucher_account(setup.voucher, LedgerAccount.Kind.HELD),
            amount=CHARGE,
            kind=LedgerTransfer.Kind.CHARGE_HELD,
            key=f"charge_held:{r.pk}",
        )
    assert voucher_held(setup.voucher) == CHARGE
