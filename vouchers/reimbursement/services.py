"""Reimbursements: claimed by the enterprise (the amount held on its
voucher), verified in full or in part or rejected by a reviewer of its
region; the verified amount becomes payable to the enterprise, the rest
goes back on the voucher; a program manager records its payment. Every
refusal writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from config.money import fen_amount_or_refuse, yuan
from enterprises.models import Document, Membership, Provider
from enterprises.services import document_store
from enterprises.uscc import normalize_uscc

from .. import error_codes
from ..invoices import (
    invoice_in_use,
    invoice_number_clean,
    invoice_release,
    invoice_taken,
    invoice_use,
)
from ..ledger.services import (
    transfer,
    voucher_account,
    voucher_accounts,
    voucher_release,
)
from ..lock_objects import reimbursement_lock, voucher_lock
from ..models import (
    REIMBURSEMENT_STATES,
    LedgerAccount,
    LedgerTransfer,
    Reimbursement,
    Voucher,
)
from ..programs.selectors import program_version_at
from ..redemption.services import (
    REASON_MAX,
    chargeable_or_refuse,
    provider_approved_or_refuse,
)
from .scope import may_verify

K = LedgerAccount.Kind
T = LedgerTransfer.Kind
S = Reimbursement.Status
MODE = "reimburse_after_payment"


@dataclass(frozen=True)
class Claim:
    """What the enterprise declares: the invoice the provider issued for
    what it paid, and the amount it claims from the voucher."""

    invoice_issuer: str  # the provider's unified social credit code
    invoice_number: str
    invoice_date: date
    amount: Decimal


def _refuse(message: str, code: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, code=code, field=field)


def _member_or_refuse(user: User, enterprise_id: int) -> None:
    if not Membership.objects.filter(
        user=user, enterprise_id=enterprise_id, role=Role.APPLICANT
    ).exists():
        raise _refuse(
            _("Only an applicant of the voucher's enterprise can claim from it."),
            error_codes.NOT_A_MEMBER,
        )


def _issuer_or_refuse(credit_code: str, voucher: Voucher) -> Provider:
    provider = Provider.objects.filter(uscc=normalize_uscc(credit_code or "")).first()
    if provider is None:
        raise _refuse(
            _(
                "No registered provider has this credit code; the invoice must be issued by an approved provider of the program."
            ),
            error_codes.PROVIDER_NOT_APPROVED,
            "invoice_issuer",
        )
    try:
        provider_approved_or_refuse(provider, voucher.program)
    except ApplicationError as exc:
        raise _refuse(
            _("%(name)s is not an approved provider of this voucher's program.")
            % {"name": provider.name},
            exc.code,
            "invoice_issuer",
        ) from exc
    return provider


def _amount_or_refuse(value: Decimal | str, field: str = "amount") -> Decimal:
    return fen_amount_or_refuse(value, code=error_codes.INVALID, field=field)


def _invoice_date_or_refuse(value: date, voucher: Voucher, today: date) -> None:
    issued = timezone.localdate(voucher.issued_at)
    if value > today:
        message = _("The invoice date cannot be in the future.")
    elif value < issued:
        message = _(
            "The invoice is dated before the voucher was issued (%(issued)s); only spending during its validity is reimbursed."
        ) % {"issued": issued}
    else:
        return
    raise _refuse(message, error_codes.PERIOD_INVALID, "invoice_date")


def _duplicate_invoice() -> ApplicationError:
    return _refuse(
        _("This invoice already backs another redemption."),
        error_codes.DUPLICATE_INVOICE,
        "invoice_number",
    )


def _snapshot(r: Reimbursement) -> dict:
    return {
        "voucher": r.voucher.code,
        "status": r.status,
        "invoice_issuer": r.invoice_issuer,
        "invoice_number": r.invoice_number,
        "invoice_date": r.invoice_date.isoformat(),
        "amount": str(r.amount),
        "verified_amount": str(r.verified_amount) if r.verified_amount else None,
    }


@transaction.atomic
def reimbursement_submit(
    *,
    voucher: Voucher,
    user: User,
    claim: Claim,
    proof: UploadedFile,
    now: datetime | None = None,
) -> Reimbursement:
    """Claim ``claim.amount`` from the voucher: refused, with nothing
    written, unless the user is an applicant of the voucher's enterprise,
    the voucher is active and unexpired, its program reimburses after
    payment, the issuer is an approved provider of the program, the invoice
    backs no other redemption and the balance covers the amount."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    voucher = voucher_lock(voucher.pk)
    _member_or_refuse(user, voucher.enterprise_id)
    chargeable_or_refuse(voucher, today)
    params = program_version_at(voucher.program, now).parsed()
    if params.disbursement_mode != MODE:
        raise _refuse(
            _(
                "This voucher's program deducts at the provider: the provider charges the voucher, nothing is reimbursed."
            ),
            error_codes.REDEMPTION_MODE,
        )
    provider = _issuer_or_refuse(claim.invoice_issuer, voucher)
    number = invoice_number_clean(
        claim.invoice_number, own_reference=False, today=today
    )
    _invoice_date_or_refuse(claim.invoice_date, voucher, today)
    amount = _amount_or_refuse(claim.amount)
    remaining, held = voucher_accounts(voucher)
    if amount > remaining.balance:
        raise _refuse(
            _(
                "The claim of %(amount)s yuan is more than the %(left)s yuan left on the voucher."
            )
            % {"amount": yuan(amount), "left": yuan(remaining.balance)},
            error_codes.INSUFFICIENT_BALANCE,
            "amount",
        )
    # Checked before the file is stored (the unique index decides below).
    if invoice_in_use(provider.uscc, number):
        raise _duplicate_invoice()
    document = document_store(
        upload=proof,
        kind=Document.Kind.PAYMENT_PROOF,
        uploaded_by=user,
        enterprise=voucher.enterprise,
    )
    try:
        reimbursement = Reimbursement.objects.create(
            voucher=voucher,
            program=voucher.program,
            enterprise=voucher.enterprise,
            invoice_issuer=provider.uscc,
            invoice_issuer_name=provider.name,
            invoice_number=number,
            invoice_date=claim.invoice_date,
            amount=amount,
            proof=document,
            created_by=user,
        )
        invoice_use(reimbursement)
    except IntegrityError as exc:
        if invoice_taken(exc):
            raise _duplicate_invoice() from exc
        raise
    transfer(
        debit=remaining,
        credit=held,
        amount=amount,
        kind=T.REIMBURSEMENT_HELD,
        key=f"{T.REIMBURSEMENT_HELD}:{reimbursement.pk}",
        reference=reimbursement,
        actor=user,
    )
    audit_event_record(
        action=actions.REIMBURSEMENT_SUBMITTED,
        actor=user,
        target=reimbursement,
        after=_snapshot(reimbursement),
    )
    return reimbursement


def _reason_or_refuse(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise _refuse(_("Give a reason."), error_codes.INVALID, "reason")
    if len(reason) > REASON_MAX:
        raise _refuse(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX},
            error_codes.INVALID,
            "reason",
        )
    return reason


def _locked_for_decision(reimbursement: Reimbursement, user: User) -> Reimbursement:
    voucher_lock(reimbursement.voucher_id)
    reimbursement = reimbursement_lock(reimbursement.pk)
    if not may_verify(user, reimbursement):
        raise _refuse(
            _("This reimbursement is not in your region."), error_codes.OUT_OF_SCOPE
        )
    if reimbursement.created_by_id == user.pk:
        raise _refuse(
            _("You claimed this reimbursement; another reviewer verifies it."),
            error_codes.OWN_ORGANISATION,
        )
    return reimbursement


def _return_to_voucher(r: Reimbursement, amount: Decimal, actor: User) -> None:
    transfer(
        debit=voucher_account(r.voucher, K.HELD),
        credit=voucher_account(r.voucher),
        amount=amount,
        kind=T.REIMBURSEMENT_RETURNED,
        key=f"{T.REIMBURSEMENT_RETURNED}:{r.pk}",
        reference=r,
        actor=actor,
    )
    if r.voucher.status != Voucher.Status.ACTIVE:
        # Decided after the voucher expired or was revoked: the part not
        # verified goes back to the budget.
        voucher_release(
            voucher=r.voucher,
            amount=amount,
            cause=f"reimbursement:{r.pk}",
            reference=r,
            actor=actor,
        )


def _decided(r: Reimbursement, to: str, user: User, reason: str, action: str) -> None:
    before = r.status
    REIMBURSEMENT_STATES.move(r, to)
    r.decision_reason = reason
    r.decided_at, r.decided_by = timezone.now(), user
    r.save(
        update_fields=[
            "status",
            "verified_amount",
            "decision_reason",
            "decided_at",
            "decided_by",
        ]
    )
    audit_event_record(
        action=action,
        actor=user,
        target=r,
        before={"status": before},
        after={**_snapshot(r), "reason": reason},
    )


@transaction.atomic
def reimbursement_verify(
    *,
    reimbursement: Reimbursement,
    user: User,
    amount: Decimal | str,
    reason: str = "",
) -> Reimbursement:
    """Verify ``amount`` (at most the claim; a reason when less): it becomes
    payable to the enterprise and the rest goes back on the voucher."""
    r = _locked_for_decision(reimbursement, user)
    REIMBURSEMENT_STATES.check(r.status, S.VERIFIED)
    verified = _amount_or_refuse(amount)
    if verified > r.amount:
        raise _refuse(
            _("The verified amount cannot exceed the %(amount)s yuan claimed.")
            % {"amount": yuan(r.amount)},
            error_codes.INVALID,
            "amount",
        )
    reason = _reason_or_refuse(reason, required=verified < r.amount)
    transfer(
        debit=voucher_account(r.voucher, K.HELD),
        credit=voucher_account(r.voucher, K.ENTERPRISE_PAYABLE),
        amount=verified,
        kind=T.REIMBURSEMENT_VERIFIED,
        key=f"{T.REIMBURSEMENT_VERIFIED}:{r.pk}",
        reference=r,
        actor=user,
    )
    if verified < r.amount:
        _return_to_voucher(r, r.amount - verified, user)
    r.verified_amount = verified
    _decided(r, S.VERIFIED, user, reason, actions.REIMBURSEMENT_VERIFIED)
    return r


@transaction.atomic
def reimbursement_reject(
    *, reimbursement: Reimbursement, user: User, reason: str
) -> Reimbursement:
    """Reject the claim with a reason: the amount goes back on the voucher
    and the invoice may back another redemption."""
    r = _locked_for_decision(reimbursement, user)
    REIMBURSEMENT_STATES.check(r.status, S.REJECTED)
    reason = _reason_or_refuse(reason, required=True)
    _return_to_voucher(r, r.amount, user)
    invoice_release(reimbursement=r)
    _decided(r, S.REJECTED, user, reason, actions.REIMBURSEMENT_REJECTED)
    return r


PAYMENT_REFERENCE_MAX = 60


@transaction.atomic
def reimbursement_pay(
    *,
    reimbursement: Reimbursement,
    user: User,
    reference: str,
    paid_on: date,
    now: datetime | None = None,
) -> Reimbursement:
    """A program manager records that the verified amount was paid to the
    enterprise (bank reference, once; date not in the future): the amount
    moves from the voucher's payable-to-the-enterprise account to its
    paid-to-the-enterprise account."""
    now = now or timezone.now()
    if not has_role(user, Role.PROGRAM_MANAGER):
        raise _refuse(
            _("Only a program manager records payments to enterprises."),
            error_codes.OUT_OF_SCOPE,
        )
    voucher_lock(reimbursement.voucher_id)
    r = reimbursement_lock(reimbursement.pk)
    if r.status != S.VERIFIED:
        raise _refuse(
            _("Only a verified reimbursement can be paid; this one is %(status)s.")
            % {"status": r.get_status_display()},
            error_codes.TRANSITION,
        )
    reference = (reference or "").strip()
    if not reference or len(reference) > PAYMENT_REFERENCE_MAX:
        raise _refuse(
            _("Enter the bank reference of the payment (at most %(n)d characters).")
            % {"n": PAYMENT_REFERENCE_MAX},
            error_codes.INVALID,
            "reference",
        )
    if paid_on is None or paid_on > timezone.localdate(now):
        raise _refuse(
            _("The payment date cannot be in the future."),
            error_codes.INVALID,
            "paid_on",
        )
    if Reimbursement.objects.filter(payment_reference=reference).exists():
        raise _refuse(
            _("A payment with this reference is recorded already."),
            error_codes.DUPLICATE_REFERENCE,
            "reference",
        )
    assert r.verified_amount is not None  # the constraint says so when verified
    transfer(
        debit=voucher_account(r.voucher, K.ENTERPRISE_PAYABLE),
        credit=voucher_account(r.voucher, K.ENTERPRISE_PAID),
        amount=r.verified_amount,
        kind=T.REIMBURSEMENT_PAID,
        key=f"{T.REIMBURSEMENT_PAID}:{r.pk}",
        reference=r,
        actor=user,
    )
    REIMBURSEMENT_STATES.move(r, S.PAID)
    r.paid_on, r.payment_reference = paid_on, reference
    r.paid_at, r.paid_by = now, user
    r.save(
        update_fields=["status", "paid_on", "payment_reference", "paid_at", "paid_by"]
    )
    audit_event_record(
        action=actions.REIMBURSEMENT_PAID,
        actor=user,
        target=r,
        before={"status": S.VERIFIED},
        after={
            "status": S.PAID,
            "amount": str(r.verified_amount),
            "paid_on": str(paid_on),
            "reference": reference,
        },
    )
    return r
