"""Reimbursement after payment, through the services: the enterprise claims
what it paid an approved provider (held on the voucher), a reviewer of its
region verifies it in full or in part or rejects it; one invoice backs one
redemption across both modes; every refusal writes nothing; check_ledger
after each."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises.models import Document
from tests.factories import (
    ProviderFactory,
    UserFactory,
    department_for,
    make_role_user,
    membership,
)
from tests.factories.redemption import OfferingFactory, charge_setup
from tests.factories.vouchers import ApplicationFactory, demo_program, pdf_upload
from vouchers import error_codes
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import voucher_balance, voucher_held
from vouchers.ledger.services import voucher_account
from vouchers.models import InvoiceUse, LedgerAccount, LedgerTransfer, Reimbursement
from vouchers.redemption import services as redemption
from vouchers.reimbursement import services as svc

pytestmark = pytest.mark.django_db
# Fully digital invoices (全电发票) of 2025, Zhejiang.
ONCE = "25330000000000000001"
BOTH = "25330000000000000002"

S = Reimbursement.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def voucher_setup():
    """A voucher on ZJ-MODEL-2026 (reimburses after payment), its applicant,
    an approved model provider, and a reviewer of the enterprise's region."""
    provider = ProviderFactory(offers_model=True, offers_compute=False, facility="")
    app = ApplicationFactory(
        approved=True,
        program=demo_program("ZJ-MODEL-2026"),
        provider=provider,
        offering=OfferingFactory(
            provider=provider,
            kind="model",
            name="通用大模型 API",
            unit="thousand_tokens",
            model_name="ZJ-LLM-7B",
            filing_number="Zhejiang-ZJLLM-20250101",
        ),
    )
    reviewer = make_role_user(Role.REVIEWER, region=app.enterprise.region.code)
    return app.voucher, app.created_by, provider, reviewer


def claim(provider, **changes) -> svc.Claim:
    base = svc.Claim(
        invoice_issuer=provider.uscc,
        invoice_number="25330000000012345678",
        invoice_date=timezone.localdate(),
        amount=Decimal("12000.50"),
    )
    return replace(base, **changes)


def submit(voucher, user, provider, **changes) -> Reimbursement:
    return svc.reimbursement_submit(
        voucher=voucher,
        user=user,
        claim=claim(provider, **changes),
        proof=pdf_upload("付款凭证.pdf"),
    )


def payable(voucher) -> Decimal:
    return voucher_account(voucher, LedgerAccount.Kind.ENTERPRISE_PAYABLE).balance


def writes() -> tuple[int, ...]:
    return (
        Reimbursement.objects.count(),
        LedgerTransfer.objects.count(),
        AuditEvent.objects.count(),
        Document.objects.count(),
        InvoiceUse.objects.count(),
    )


def test_a_claim_is_held_on_the_voucher_with_its_proof(voucher_setup):
    voucher, applicant, provider, _ = voucher_setup
    before = voucher_balance(voucher)

    r = submit(voucher, applicant, provider)

    assert r.status == S.SUBMITTED
    assert r.invoice_issuer_name == provider.name
    assert r.proof.kind == Document.Kind.PAYMENT_PROOF
    assert voucher_balance(voucher) == before - Decimal("12000.50")
    assert voucher_held(voucher) == Decimal("12000.50")
    assert AuditEvent.objects.filter(action="reimbursement.submitted").count() == 1
    assert check_ledger() == []


def test_verified_in_full_it_is_payable_to_the_enterprise(voucher_setup):
    voucher, applicant, provider, reviewer = voucher_setup
    before = voucher_balance(voucher)
    r = submit(voucher, applicant, provider)

    r = svc.reimbursement_verify(reimbursement=r, user=reviewer, amount="12000.50")

    assert (r.status, r.verified_amount) == (S.VERIFIED, Decimal("12000.50"))
    assert payable(voucher) == Decimal("12000.50")
    assert voucher_held(voucher) == 0
    assert voucher_balance(voucher) == before - Decimal("12000.50")
    assert check_ledger() == []


def test_verified_in_part_the_rest_goes_back_and_needs_a_reason(voucher_setup):
    voucher, applicant, provider, reviewer = voucher_setup
    before = voucher_balance(voucher)
    r = submit(voucher, applicant, provider)

    with pytest.raises(ApplicationError) as no_reason:
        svc.reimbursement_verify(reimbursement=r, user=reviewer, amount="10000.00")
    assert no_reason.value.field == "reason"

    r = svc.reimbursement_verify(
        reimbursement=r,
        user=reviewer,
        amount="10000.00",
        reason="发票含2000.50元运维费，不在补贴范围",
    )
    assert payable(voucher) == Decimal("10000.00")
    assert voucher_balance(voucher) == before - Decimal("10000.00")
    assert check_ledger() == []


def test_rejected_it_goes_back_and_the_invoice_is_free_again(voucher_setup):
    voucher, applicant, provider, reviewer = voucher_setup
    before = voucher_balance(voucher)
    r = submit(voucher, applicant, provider)

    svc.reimbursement_reject(
        reimbursement=r, user=reviewer, reason="付款凭证与发票金额不符"
    )

    assert voucher_balance(voucher) == before
    assert voucher_held(voucher) == 0
    assert payable(voucher) == 0
    again = submit(voucher, applicant, provider)
    assert again.status == S.SUBMITTED
    assert check_ledger() == []


def test_a_decided_claim_cannot_be_decided_again(voucher_setup):
    voucher, applicant, provider, reviewer = voucher_setup
    r = svc.reimbursement_verify(
        reimbursement=submit(voucher, applicant, provider),
        user=reviewer,
        amount="1.00",
        reason="部分核实",
    )
    with pytest.raises(ApplicationError) as refused:
        svc.reimbursement_reject(reimbursement=r, user=reviewer, reason="x")
    assert refused.value.code == error_codes.TRANSITION


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount": Decimal("0")}, error_codes.INVALID, "amount"),
        ({"amount": Decimal("1.005")}, error_codes.INVALID, "amount"),
        (
            {"amount": Decimal("99999999.00")},
            error_codes.INSUFFICIENT_BALANCE,
            "amount",
        ),
        ({"invoice_number": " "}, error_codes.INVALID, "invoice_number"),
        ({"invoice_date": "future"}, error_codes.PERIOD_INVALID, "invoice_date"),
        ({"invoice_date": "before"}, error_codes.PERIOD_INVALID, "invoice_date"),
        (
            {"invoice_issuer": "91330106MA27XXXX00"},
            error_codes.PROVIDER_NOT_APPROVED,
            "invoice_issuer",
        ),
    ],
)
def test_a_refused_claim_writes_nothing(voucher_setup, changes, code, field):
    voucher, applicant, provider, _ = voucher_setup
    if changes.get("invoice_date") == "future":
        changes["invoice_date"] = timezone.localdate() + timedelta(days=1)
    elif changes.get("invoice_date") == "before":
        changes["invoice_date"] = timezone.localdate(voucher.issued_at) - timedelta(
            days=1
        )
    before = writes()

    with pytest.raises(ApplicationError) as refused:
        submit(voucher, applicant, provider, **changes)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert writes() == before


def test_only_an_approved_provider_of_the_programs_kind_can_be_the_issuer(
    voucher_setup,
):
    voucher, applicant, _, _ = voucher_setup
    compute_only = ProviderFactory(offers_compute=True, offers_model=False)
    with pytest.raises(ApplicationError) as refused:
        submit(voucher, applicant, compute_only)
    assert refused.value.code == error_codes.PROVIDER_NOT_APPROVED


def test_a_stranger_cannot_claim_and_a_deducting_program_reimburses_nothing(
    voucher_setup,
):
    voucher, _, provider, _ = voucher_setup
    with pytest.raises(ApplicationError) as stranger:
        submit(voucher, UserFactory(), provider)
    assert stranger.value.code == error_codes.NOT_A_MEMBER

    deducting = charge_setup()  # HZ-COMPUTE-2026 deducts at the provider
    with pytest.raises(ApplicationError) as mode:
        submit(deducting.voucher, deducting.applicant, deducting.provider)
    assert mode.value.code == error_codes.REDEMPTION_MODE


def test_one_invoice_backs_one_redemption_across_both_modes(voucher_setup):
    voucher, applicant, provider, _ = voucher_setup
    submit(voucher, applicant, provider, invoice_number=ONCE)

    # the same invoice claimed again (here, or on another voucher)
    with pytest.raises(ApplicationError) as twice:
        submit(voucher, applicant, provider, invoice_number=ONCE)
    assert twice.value.code == error_codes.DUPLICATE_INVOICE

    # a provider's charge with an invoice number a reimbursement uses
    setup = charge_setup()
    InvoiceUse.objects.filter(invoice_number=ONCE).update(
        invoice_issuer=setup.provider.uscc
    )
    before = writes()
    with pytest.raises(ApplicationError) as charged:
        setup.hold(invoice_number=ONCE)
    assert charged.value.code == error_codes.DUPLICATE_INVOICE
    assert writes() == before


def test_a_charged_invoice_cannot_be_reimbursed_until_the_charge_is_voided(
    voucher_setup,
):
    voucher, applicant, _provider, _ = voucher_setup
    setup = charge_setup()
    charge = setup.hold(invoice_number=BOTH)
    issuer = setup.provider
    # the SME's claim names the charging provider's invoice
    issuer.offers_model = True
    issuer.save(update_fields=["offers_model"])

    with pytest.raises(ApplicationError) as taken:
        submit(voucher, applicant, issuer, invoice_number=BOTH)
    assert taken.value.code == error_codes.DUPLICATE_INVOICE

    redemption.redemption_void(
        redemption=charge, provider=issuer, actor=setup.staff, reason="开错发票"
    )
    assert submit(voucher, applicant, issuer, invoice_number=BOTH)
    assert check_ledger() == []


def test_only_a_reviewer_of_the_region_decides_and_not_the_claimant(voucher_setup):
    voucher, applicant, provider, _ = voucher_setup
    r = submit(voucher, applicant, provider)
    elsewhere = make_role_user(Role.REVIEWER, region="330203")  # Ningbo, Haishu
    before = writes()

    with pytest.raises(ApplicationError) as out:
        svc.reimbursement_verify(
            reimbursement=r, user=elsewhere, amount="1.00", reason="x"
        )
    assert out.value.code == error_codes.OUT_OF_SCOPE

    # an applicant who is also a reviewer of the region cannot verify their own claim
    membership(applicant, Role.REVIEWER, department_for(voucher.enterprise.region.code))
    with pytest.raises(ApplicationError) as own:
        svc.reimbursement_verify(
            reimbursement=r, user=applicant, amount="1.00", reason="x"
        )
    assert own.value.code == error_codes.OWN_ORGANISATION
    assert writes() == before


def test_check_ledger_sees_a_payable_that_no_reimbursement_explains(voucher_setup):
    voucher, applicant, provider, reviewer = voucher_setup
    r = svc.reimbursement_verify(
        reimbursement=submit(voucher, applicant, provider),
        user=reviewer,
        amount="12000.50",
    )
    Reimbursement.objects.filter(pk=r.pk).update(verified_amount=Decimal("100.00"))

    problems = [v.what for v in check_ledger()]

    assert any("payable to the enterprise" in p for p in problems)
    assert any("verified reimbursements" in p for p in problems)


# -- payment to the enterprise ------------------------------------------------------


def verified(voucher_setup, amount="12000.50") -> Reimbursement:
    voucher, applicant, provider, reviewer = voucher_setup
    r = submit(voucher, applicant, provider)
    return svc.reimbursement_verify(
        reimbursement=r, user=reviewer, amount=amount, reason="部分费用不予报销"
    )


def test_a_manager_records_the_payment_of_the_verified_amount(voucher_setup):
    voucher = voucher_setup[0]
    r = verified(voucher_setup, "10000.00")
    manager = make_role_user(Role.PROGRAM_MANAGER)

    r = svc.reimbursement_pay(
        reimbursement=r,
        user=manager,
        reference="GK2026-0042",
        paid_on=timezone.localdate(),
    )

    assert r.status == S.PAID
    assert payable(voucher) == 0
    paid = voucher_account(voucher, LedgerAccount.Kind.ENTERPRISE_PAID).balance
    assert paid == Decimal("10000.00")
    event = AuditEvent.objects.get(action="reimbursement.paid")
    assert event.actor_id == manager.pk
    assert event.after["reference"] == "GK2026-0042"
    assert check_ledger() == []


def test_a_payment_is_refused_twice_by_others_in_the_future_or_unverified(
    voucher_setup,
):
    voucher, applicant, provider, reviewer = voucher_setup
    r = verified(voucher_setup)
    manager = make_role_user(Role.PROGRAM_MANAGER)
    today = timezone.localdate()

    def pay(user=manager, reference="GK-1", paid_on=today, claim=r):
        before = writes()
        with pytest.raises(ApplicationError) as info:
            svc.reimbursement_pay(
                reimbursement=claim, user=user, reference=reference, paid_on=paid_on
            )
        assert writes() == before
        return info.value.code

    assert pay(user=reviewer) == error_codes.OUT_OF_SCOPE
    assert pay(reference=" ") == error_codes.INVALID
    assert pay(paid_on=today + timedelta(days=1)) == error_codes.INVALID
    waiting = submit(
        voucher, applicant, provider, invoice_number="25330000000099999999"
    )
    assert pay(claim=waiting) == error_codes.TRANSITION
    svc.reimbursement_pay(
        reimbursement=r, user=manager, reference="GK-1", paid_on=today
    )
    assert pay() == error_codes.TRANSITION
    other = submit(voucher, applicant, provider, invoice_number="25330000000088888888")
    other = svc.reimbursement_verify(
        reimbursement=other, user=reviewer, amount="1.00", reason="仅 1 元有凭证"
    )
    assert pay(claim=other) == error_codes.DUPLICATE_REFERENCE
    assert check_ledger() == []
