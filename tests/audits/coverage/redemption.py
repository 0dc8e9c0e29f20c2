"""Event-coverage cases: see tests/audits/coverage/__init__.py.

Charges (held, confirmed, disputed, voided, decided), reimbursements, the
end of a voucher's life (expiry, revocation, reminders, clawbacks) and the
batch approval of applications."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from audits import actions
from enterprises.models import Document
from tests.audits.coverage import Case
from tests.factories import ProviderFactory, make_role_user, stage_reviewer
from tests.factories.redemption import ChargeSetup, OfferingFactory, charge_setup
from tests.factories.vouchers import ApplicationFactory, demo_program, pdf_upload
from vouchers.lifecycle import services as life
from vouchers.lock_objects import voucher_lock
from vouchers.models import (
    Application,
    Clawback,
    ClawbackRepayment,
    InvoiceUse,
    LedgerTransfer,
    Notification,
    Redemption,
    Reimbursement,
    Voucher,
    VoucherReminder,
    WebhookDelivery,
)
from vouchers.redemption import services as charges
from vouchers.reimbursement import services as reimbursements
from vouchers.review import services as review

REDEMPTION = "vouchers.redemption.services"
REIMBURSEMENT = "vouchers.reimbursement.services"
LIFECYCLE = "vouchers.lifecycle.services"
REVIEW = "vouchers.review.services"


def _setup() -> ChargeSetup:
    settings.MEDIA_ROOT = tempfile.mkdtemp()
    return charge_setup()


def _reviewer():
    return make_role_user(Role.REVIEWER, region="330106")


def _manager():
    return make_role_user(Role.PROGRAM_MANAGER, region="330100")


def _state(voucher: Voucher) -> Callable[[], object]:
    """What a charge, a reimbursement or a voucher's end changes: the
    voucher, its charges and claims, the ledger and what goes with them."""

    def state():
        v = Voucher.objects.get(pk=voucher.pk)
        return (
            v.status,
            v.closed_at,
            v.close_reason,
            list(
                Redemption.objects.filter(voucher=v)
                .order_by("pk")
                .values_list("status", "decided_at", "dispute_reason")
            ),
            list(
                Reimbursement.objects.filter(voucher=v)
                .order_by("pk")
                .values_list("status", "verified_amount", "payment_reference")
            ),
            LedgerTransfer.objects.count(),
            InvoiceUse.objects.count(),
            Document.objects.count(),
            WebhookDelivery.objects.count(),
            VoucherReminder.objects.count(),
            Notification.objects.count(),
            list(Clawback.objects.order_by("pk").values_list("status", "repaid")),
            ClawbackRepayment.objects.count(),
        )

    return state


def _window_passed(redemption: Redemption) -> None:
    Redemption.objects.filter(pk=redemption.pk).update(
        confirm_by=timezone.now() - timedelta(minutes=1)
    )


def _past_expiry(voucher: Voucher) -> None:
    Voucher.objects.filter(pk=voucher.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )


def _expiring_in(voucher: Voucher, days: int) -> None:
    Voucher.objects.filter(pk=voucher.pk).update(
        expires_on=timezone.localdate() + timedelta(days=days)
    )


# -- charges ------------------------------------------------------------------


def _charge():
    setup = _setup()
    return Case(
        call=setup.hold,
        expected=Counter({actions.CHARGE_HELD: 1}),
        state=_state(setup.voucher),
    )


def _confirm():
    setup = _setup()
    r = setup.hold()
    return Case(
        call=lambda: charges.redemption_confirm(redemption=r, user=setup.applicant),
        expected=Counter({actions.CHARGE_CONFIRMED: 1}),
        state=_state(setup.voucher),
    )


def _dispute():
    setup = _setup()
    r = setup.hold()
    return Case(
        call=lambda: charges.redemption_dispute(
            redemption=r, user=setup.applicant, reason="多扣了卡时"
        ),
        expected=Counter({actions.CHARGE_DISPUTED: 1}),
        state=_state(setup.voucher),
    )


def _void():
    setup = _setup()
    r = setup.hold()
    return Case(
        call=lambda: charges.redemption_void(
            redemption=r, provider=setup.provider, actor=setup.staff, reason="开错"
        ),
        expected=Counter({actions.CHARGE_VOIDED: 1}),
        state=_state(setup.voucher),
    )


def _disputed(setup: ChargeSetup) -> Redemption:
    r = setup.hold()
    return charges.redemption_dispute(
        redemption=r, user=setup.applicant, reason="多扣了卡时"
    )


def _dispute_upheld():
    setup = _setup()
    r = _disputed(setup)
    reviewer = _reviewer()
    return Case(
        call=lambda: charges.redemption_dispute_decide(
            redemption=r, reviewer=reviewer, uphold=True, reason="用量属实"
        ),
        expected=Counter({actions.CHARGE_DISPUTE_UPHELD: 1}),
        state=_state(setup.voucher),
    )


def _dispute_voided():
    setup = _setup()
    r = _disputed(setup)
    reviewer = _reviewer()
    return Case(
        call=lambda: charges.redemption_dispute_decide(
            redemption=r, reviewer=reviewer, uphold=False, reason="重复扣费"
        ),
        expected=Counter({actions.CHARGE_DISPUTE_VOIDED: 1}),
        state=_state(setup.voucher),
    )


def _confirm_due():
    setup = _setup()
    _window_passed(setup.hold())
    return Case(
        call=charges.redemptions_confirm_due,
        expected=Counter({actions.CHARGE_CONFIRMED_BY_WINDOW: 1}),
        state=_state(setup.voucher),
        swallows=True,  # a batch: the failed item is logged and skipped
    )


def _close_pending():
    # One charge past its window (confirmed), one within it (voided). The
    # function runs in its caller's transaction, holding the voucher's lock
    # (lifecycle._close): the case does what the caller does.
    setup = _setup()
    _window_passed(setup.hold())
    setup.hold()

    def call():
        with transaction.atomic():
            voucher = voucher_lock(setup.voucher.pk)
            return charges.redemptions_close_pending(
                voucher=voucher, now=timezone.now()
            )

    return Case(
        call=call,
        expected=Counter(
            {
                actions.CHARGE_CONFIRMED_BY_WINDOW: 1,
                actions.CHARGE_VOIDED_VOUCHER_CLOSED: 1,
            }
        ),
        state=_state(setup.voucher),
    )


# -- reimbursements -------------------------------------------------------------


def _reimbursing():
    """A voucher on ZJ-MODEL-2026 (reimburses after payment), its applicant,
    an approved model provider and a reviewer of the enterprise's region."""
    settings.MEDIA_ROOT = tempfile.mkdtemp()
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


def _submit(voucher, applicant, provider) -> Reimbursement:
    return reimbursements.reimbursement_submit(
        voucher=voucher,
        user=applicant,
        claim=reimbursements.Claim(
            invoice_issuer=provider.uscc,
            invoice_number="25330000000012345678",
            invoice_date=timezone.localdate(),
            amount=Decimal("12000.50"),
        ),
        proof=pdf_upload("付款凭证.pdf"),
    )


def _reimbursement_submit():
    # The proof is stored (document.uploaded) before the claim is held.
    voucher, applicant, provider, _ = _reimbursing()
    return Case(
        call=lambda: _submit(voucher, applicant, provider),
        expected=Counter(
            {actions.DOCUMENT_UPLOADED: 1, actions.REIMBURSEMENT_SUBMITTED: 1}
        ),
        state=_state(voucher),
    )


def _reimbursement_verify():
    # In part: the rest goes back on the voucher (two transfers).
    voucher, applicant, provider, reviewer = _reimbursing()
    r = _submit(voucher, applicant, provider)
    return Case(
        call=lambda: reimbursements.reimbursement_verify(
            reimbursement=r, user=reviewer, amount="10000.00", reason="部分不予报销"
        ),
        expected=Counter({actions.REIMBURSEMENT_VERIFIED: 1}),
        state=_state(voucher),
    )


def _reimbursement_reject():
    voucher, applicant, provider, reviewer = _reimbursing()
    r = _submit(voucher, applicant, provider)
    return Case(
        call=lambda: reimbursements.reimbursement_reject(
            reimbursement=r, user=reviewer, reason="发票与付款凭证不符"
        ),
        expected=Counter({actions.REIMBURSEMENT_REJECTED: 1}),
        state=_state(voucher),
    )


def _reimbursement_pay():
    voucher, applicant, provider, reviewer = _reimbursing()
    r = reimbursements.reimbursement_verify(
        reimbursement=_submit(voucher, applicant, provider),
        user=reviewer,
        amount="12000.50",
    )
    manager = _manager()
    return Case(
        call=lambda: reimbursements.reimbursement_pay(
            reimbursement=r,
            user=manager,
            reference="GK2026-0042",
            paid_on=timezone.localdate(),
        ),
        expected=Counter({actions.REIMBURSEMENT_PAID: 1}),
        state=_state(voucher),
    )


# -- the end of a voucher's life ------------------------------------------------


def _expire():
    # A pending charge within its window is voided, the rest released.
    setup = _setup()
    setup.hold()
    _past_expiry(setup.voucher)
    return Case(
        call=lambda: life.voucher_expire(setup.voucher.pk),
        expected=Counter(
            {actions.VOUCHER_EXPIRED: 1, actions.CHARGE_VOIDED_VOUCHER_CLOSED: 1}
        ),
        state=_state(setup.voucher),
    )


def _expire_due():
    setup = _setup()
    _past_expiry(setup.voucher)
    return Case(
        call=life.vouchers_expire_due,
        expected=Counter({actions.VOUCHER_EXPIRED: 1}),
        state=_state(setup.voucher),
        swallows=True,  # a batch: the failed item is logged and skipped
    )


def _revoke():
    setup = _setup()
    setup.hold()
    manager = _manager()
    return Case(
        call=lambda: life.voucher_revoke(
            voucher=setup.voucher, user=manager, reason="申报材料虚假"
        ),
        expected=Counter(
            {actions.VOUCHER_REVOKED: 1, actions.CHARGE_VOIDED_VOUCHER_CLOSED: 1}
        ),
        state=_state(setup.voucher),
    )


def _remind():
    setup = _setup()
    _expiring_in(setup.voucher, 30)
    return Case(
        call=lambda: life.voucher_expiry_remind(
            setup.voucher.pk, 30, today=timezone.localdate()
        ),
        expected=Counter({actions.VOUCHER_EXPIRY_REMINDED: 1}),
        state=_state(setup.voucher),
    )


def _reminders():
    setup = _setup()
    _expiring_in(setup.voucher, 30)
    return Case(
        call=life.voucher_expiry_reminders,
        expected=Counter({actions.VOUCHER_EXPIRY_REMINDED: 1}),
        state=_state(setup.voucher),
        swallows=True,  # a batch: the failed item is logged and skipped
    )


def _spent(setup: ChargeSetup) -> None:
    for _ in range(2):  # 2,500.00 paid out
        charges.redemption_confirm(redemption=setup.hold(), user=setup.applicant)


def _demand() -> life.ClawbackDemand:
    return life.ClawbackDemand(
        amount="2000.00",
        legal_basis="《杭州市算力券实施细则》第十二条",
        reason="同一算力服务重复申领补贴。",
        due_on=timezone.localdate() + timedelta(days=30),
    )


def _clawback():
    setup = _setup()
    _spent(setup)
    manager = _manager()
    return Case(
        call=lambda: life.clawback_record(
            voucher=setup.voucher, user=manager, demand=_demand()
        ),
        expected=Counter({actions.CLAWBACK_RECORDED: 1}),
        state=_state(setup.voucher),
    )


def _repayment():
    # The whole amount: the clawback closes as repaid.
    setup = _setup()
    _spent(setup)
    manager = _manager()
    clawback = life.clawback_record(
        voucher=setup.voucher, user=manager, demand=_demand()
    )
    return Case(
        call=lambda: life.clawback_repayment_record(
            clawback=clawback,
            user=manager,
            amount="2000.00",
            paid_on=timezone.localdate(),
            reference="HK-0001",
        ),
        expected=Counter({actions.CLAWBACK_REPAYMENT_RECORDED: 1}),
        state=_state(setup.voucher),
    )


# -- review ---------------------------------------------------------------------


def _approve_batch():
    settings.MEDIA_ROOT = tempfile.mkdtemp()
    app = ApplicationFactory(submitted=True)
    reviewer = stage_reviewer(app)

    def state():
        a = Application.objects.get(pk=app.pk)
        return (
            a.status,
            a.stage,
            a.revision,
            a.reviews.count(),
            Voucher.objects.count(),
            LedgerTransfer.objects.count(),
        )

    return Case(
        call=lambda: review.application_approve_batch(
            applications=[app], reviewer=reviewer
        ),
        expected=Counter({actions.APPLICATION_REVIEWED: 1}),
        state=state,
    )


CASES: dict[str, Callable[[], Case]] = {
    f"{REDEMPTION}:redemption_charge": _charge,
    f"{REDEMPTION}:redemption_confirm": _confirm,
    f"{REDEMPTION}:redemption_dispute": _dispute,
    f"{REDEMPTION}:redemption_void": _void,
    f"{REDEMPTION}:redemption_dispute_decide": _dispute_upheld,
    f"{REDEMPTION}:redemption_dispute_decide#void": _dispute_voided,
    f"{REDEMPTION}:redemptions_confirm_due": _confirm_due,
    f"{REDEMPTION}:redemptions_close_pending": _close_pending,
    f"{REIMBURSEMENT}:reimbursement_submit": _reimbursement_submit,
    f"{REIMBURSEMENT}:reimbursement_verify": _reimbursement_verify,
    f"{REIMBURSEMENT}:reimbursement_reject": _reimbursement_reject,
    f"{REIMBURSEMENT}:reimbursement_pay": _reimbursement_pay,
    f"{LIFECYCLE}:voucher_expire": _expire,
    f"{LIFECYCLE}:vouchers_expire_due": _expire_due,
    f"{LIFECYCLE}:voucher_revoke": _revoke,
    f"{LIFECYCLE}:voucher_expiry_remind": _remind,
    f"{LIFECYCLE}:voucher_expiry_reminders": _reminders,
    f"{LIFECYCLE}:clawback_record": _clawback,
    f"{LIFECYCLE}:clawback_repayment_record": _repayment,
    f"{REVIEW}:application_approve_batch": _approve_batch,
}
