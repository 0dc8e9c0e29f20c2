"""The end of a voucher's life and what follows it: expiry reminders,
expiry and revocation (pending charges voided, the unused balance released
to the program budget), and clawbacks of money obtained improperly with
their repayments.

Each state change runs in one transaction with its audit event. The
nightly tasks handle each voucher in its own transaction and check its
state under its lock, so a rerun, two workers at once or a worker that dies
midway leave every voucher either done or untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from accounts.tasks import send_email
from audits import actions
from audits.services import audit_event_record
from config import batch
from config.db import violates
from config.exceptions import ApplicationError, text_or_refuse
from config.money import (
    fen_amount_or_refuse,
    sum_of,
    yuan,
)
from enterprises.models import Membership

from .. import error_codes
from ..ledger.services import account, transfer, voucher_account, voucher_release
from ..lock_objects import clawback_lock, voucher_lock
from ..models import (
    CLAWBACK_STATES,
    VOUCHER_STATES,
    Clawback,
    ClawbackRepayment,
    LedgerAccount,
    LedgerTransfer,
    Notification,
    Redemption,
    Voucher,
    VoucherReminder,
)
from ..redemption.services import redemptions_close_pending
from .selectors import clawback_room

K = LedgerAccount.Kind
T = LedgerTransfer.Kind
V = Voucher.Status
REMINDER_DAYS = (7, 30)  # the nearest first: see voucher_expiry_reminders
REASON_MAX = 2000
LEGAL_BASIS_MAX = 300
REFERENCE_MAX = 60


def _refuse(message: str, code: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, code=code, field=field)


def _manager_or_refuse(user: User) -> None:
    if not has_role(user, Role.PROGRAM_MANAGER):
        raise _refuse(
            _("Only a program manager revokes vouchers and records clawbacks."),
            error_codes.OUT_OF_SCOPE,
        )


def _text_or_refuse(value: str, field: str, limit: int, message: str) -> str:
    return text_or_refuse(value, field=field, limit=limit, missing=message)


def _amount_or_refuse(value: Decimal | str, field: str = "amount") -> Decimal:
    return fen_amount_or_refuse(value, code=error_codes.INVALID, field=field)


# -- expiry and revocation ----------------------------------------------------


def _close(
    voucher: Voucher,
    *,
    to: str,
    now: datetime,
    actor: User | None,
    reason: str,
    action: str,
) -> dict:
    """Move the locked voucher to ``to``, void its pending charges and
    release what is left; returns what was done, for the audit event."""
    VOUCHER_STATES.move(voucher, to)
    voucher.closed_at = now
    voucher.closed_by = actor
    voucher.close_reason = reason
    voucher.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    # Voided charges release their own amount (redemption._void sees the
    # voucher closed); then what was never held goes.
    voided = redemptions_close_pending(voucher=voucher, now=now)
    remaining = voucher_account(voucher)
    remaining.refresh_from_db(fields=["balance"])
    voucher_release(voucher=voucher, amount=remaining.balance, cause=to, actor=actor)
    released = sum_of(
        LedgerTransfer.objects.filter(debit=remaining, kind=T.VOUCHER_RELEASED),
        "amount",
    )
    after = {
        "status": to,
        "released": str(released),
        "charges_voided": voided,
    }
    if reason:
        after["reason"] = reason
    audit_event_record(
        action=action,
        actor=actor,
        target=voucher,
        before={"status": V.ACTIVE},
        after=after,
    )
    return after


def voucher_expire(voucher_id: int, *, now: datetime | None = None) -> bool:
    """Expire one voucher whose validity has ended, in one transaction:
    pending charges voided (or confirmed, when their window had passed),
    the unused balance released to the budget. False when there was
    nothing to do (not active, or still valid), so a rerun does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        voucher = voucher_lock(voucher_id)
        if voucher.status != V.ACTIVE or voucher.expires_on >= timezone.localdate(now):
            return False
        _close(
            voucher,
            to=V.EXPIRED,
            now=now,
            actor=None,
            reason="",
            action=actions.VOUCHER_EXPIRED,
        )
    return True


def vouchers_expire_due(*, now: datetime | None = None) -> int:
    """Expire every active voucher whose last valid day has passed, each in
    its own transaction (one that fails is logged and skipped, see
    config.batch). Returns how many expired."""
    now = now or timezone.now()
    due = Voucher.objects.filter(
        status=V.ACTIVE, expires_on__lt=timezone.localdate(now)
    ).order_by("pk")
    pks = list(due.values_list("pk", flat=True))
    expired = batch.each("vouchers_expire_due", pks, partial(voucher_expire, now=now))
    return sum(expired.results)


@transaction.atomic
def voucher_revoke(
    *, voucher: Voucher, user: User, reason: str, now: datetime | None = None
) -> Voucher:
    """A program manager revokes an active voucher, with a reason: pending
    charges voided, the unused balance released to the budget. Confirmed
    charges stay payable; money obtained improperly is a clawback."""
    now = now or timezone.now()
    _manager_or_refuse(user)
    reason = _text_or_refuse(
        reason, "reason", REASON_MAX, _("Give the reason for revoking the voucher.")
    )
    voucher = voucher_lock(voucher.pk)
    if voucher.status != V.ACTIVE:
        raise _refuse(
            _("Only an active voucher can be revoked; this one is %(status)s.")
            % {"status": voucher.get_status_display()},
            error_codes.VOUCHER_NOT_ACTIVE,
        )
    _close(
        voucher,
        to=V.REVOKED,
        now=now,
        actor=user,
        reason=reason,
        action=actions.VOUCHER_REVOKED,
    )
    return voucher


# -- reminders ------------------------------------------------------------------


def _remind(voucher: Voucher, days: int, today: date) -> None:
    remaining = voucher_account(voucher).balance
    pending = Redemption.objects.filter(
        voucher=voucher, status=Redemption.Status.PENDING
    ).count()
    members = Membership.objects.filter(
        enterprise_id=voucher.enterprise_id, role=Role.APPLICANT
    ).select_related("user")
    for membership in members:
        user = membership.user
        with translation.override(user.language):
            context = {
                "voucher": voucher,
                "days": days,
                "days_left": (voucher.expires_on - today).days,
                "remaining": yuan(remaining),
                "pending": pending,
                "language": user.language,
            }
            subject = render_to_string(
                "vouchers/email/expiry_subject.txt", context
            ).strip()
            body = render_to_string("vouchers/email/expiry_body.txt", context)
        Notification.objects.create(
            user=user,
            application_id=voucher.application_id,
            subject=subject[:200],
            body=body,
        )
        transaction.on_commit(
            partial(send_email.delay, subject=subject, body=body, to=[user.email])
        )


def voucher_expiry_remind(voucher_id: int, days: int, *, today: date) -> bool:
    """Send the ``days``-before reminder of one voucher (in-app and e-mail
    to each applicant of its enterprise), once: the reminder row is
    unique, so a rerun or a second worker sends nothing more."""
    with transaction.atomic():
        voucher = voucher_lock(voucher_id)
        if voucher.status != V.ACTIVE or voucher.expires_on < today:
            return False
        if (
            voucher_account(voucher).balance <= 0
            and not Redemption.objects.filter(
                voucher=voucher, status=Redemption.Status.PENDING
            ).exists()
        ):
            return False  # nothing left to spend or to confirm
        try:
            with transaction.atomic():
                VoucherReminder.objects.create(voucher=voucher, days_before=days)
        except IntegrityError as exc:
            if violates(
                exc, "voucher_reminder_once", columns=("voucher_id", "days_before")
            ):
                return False
            raise
        _remind(voucher, days, today)
        audit_event_record(
            action=actions.VOUCHER_EXPIRY_REMINDED,
            target=voucher,
            after={"days_before": days, "expires_on": str(voucher.expires_on)},
        )
    return True


def voucher_expiry_reminders(*, now: datetime | None = None) -> int:
    """Remind the enterprises whose vouchers expire within 7 and within 30
    days, each reminder once and one a night at most: the 7-day ones go
    first, and a voucher reminded at 7 days is not reminded at 30 (one
    issued with 5 days left gets only the 7-day reminder). A missed night
    is caught up the next; a voucher whose reminder fails is logged and
    skipped (config.batch) and tried again the next night. Returns how
    many reminders went out."""
    today = timezone.localdate(now or timezone.now())
    sent = 0
    for days in REMINDER_DAYS:
        already = VoucherReminder.objects.filter(
            voucher=OuterRef("pk"), days_before__lte=days
        )
        due = (
            Voucher.objects.filter(
                status=V.ACTIVE,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=days),
            )
            .exclude(Exists(already))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        reminded = batch.each(
            f"voucher_expiry_reminders ({days} days)",
            list(due),
            partial(voucher_expiry_remind, days=days, today=today),
        )
        sent += sum(reminded.results)
    return sent


# -- clawbacks ------------------------------------------------------------------


@dataclass(frozen=True)
class ClawbackDemand:
    amount: Decimal | str
    legal_basis: str
    reason: str
    due_on: date


@transaction.atomic
def clawback_record(
    *,
    voucher: Voucher,
    user: User,
    demand: ClawbackDemand,
    today: date | None = None,
) -> Clawback:
    """A program manager records that the voucher's enterprise must repay
    ``demand.amount`` (at most what the voucher disbursed, less earlier
    clawbacks), on a legal basis, by a due date."""
    today = today or timezone.localdate()
    _manager_or_refuse(user)
    voucher = voucher_lock(voucher.pk)
    amount = _amount_or_refuse(demand.amount)
    room = clawback_room(voucher)
    if amount > room:
        raise _refuse(
            _(
                "A clawback can be at most what the voucher paid out (confirmed charges and verified reimbursements), less earlier clawbacks: %(room)s yuan."
            )
            % {"room": yuan(room)},
            error_codes.INVALID,
            "amount",
        )
    legal_basis = _text_or_refuse(
        demand.legal_basis,
        "legal_basis",
        LEGAL_BASIS_MAX,
        _("Name the rule the clawback rests on (document and article)."),
    )
    reason = _text_or_refuse(
        demand.reason, "reason", REASON_MAX, _("Describe what was obtained improperly.")
    )
    if demand.due_on is None or demand.due_on < today:
        raise _refuse(
            _("The due date cannot be in the past."), error_codes.INVALID, "due_on"
        )
    clawback = Clawback.objects.create(
        voucher=voucher,
        program=voucher.program,
        enterprise=voucher.enterprise,
        amount=amount,
        legal_basis=legal_basis,
        reason=reason,
        due_on=demand.due_on,
        created_by=user,
    )
    audit_event_record(
        action=actions.CLAWBACK_RECORDED,
        actor=user,
        target=clawback,
        after={
            "voucher": voucher.code,
            "amount": str(amount),
            "legal_basis": legal_basis,
            "reason": reason,
            "due_on": str(demand.due_on),
        },
    )
    return clawback


@transaction.atomic
def clawback_repayment_record(
    *,
    clawback: Clawback,
    user: User,
    amount: Decimal | str,
    paid_on: date,
    reference: str,
    now: datetime | None = None,
) -> ClawbackRepayment:
    """Record money the enterprise repaid (at most what is outstanding;
    the bank reference once): a transfer from the enterprises' repayments
    into the program's recovered account. The last one closes the
    clawback as repaid."""
    now = now or timezone.now()
    _manager_or_refuse(user)
    clawback = clawback_lock(clawback.pk)
    if clawback.status != Clawback.Status.OPEN:
        raise _refuse(
            _("This clawback is repaid already."), error_codes.TRANSITION, "amount"
        )
    value = _amount_or_refuse(amount)
    if value > clawback.outstanding:
        raise _refuse(
            _("The repayment is more than the %(left)s yuan outstanding.")
            % {"left": yuan(clawback.outstanding)},
            error_codes.INVALID,
            "amount",
        )
    if paid_on is None or paid_on > timezone.localdate(now):
        raise _refuse(
            _("The date received cannot be in the future."),
            error_codes.INVALID,
            "paid_on",
        )
    reference = _text_or_refuse(
        reference,
        "reference",
        REFERENCE_MAX,
        _("Enter the bank reference of the repayment."),
    )
    if ClawbackRepayment.objects.filter(reference=reference).exists():
        raise _refuse(
            _("A repayment with this reference is recorded already."),
            error_codes.DUPLICATE_REFERENCE,
            "reference",
        )
    repayment = ClawbackRepayment.objects.create(
        clawback=clawback,
        amount=value,
        paid_on=paid_on,
        reference=reference,
        recorded_by=user,
    )
    transfer(
        debit=account(clawback.program, K.REPAYMENTS),
        credit=account(clawback.program, K.RECOVERED),
        amount=value,
        kind=T.CLAWBACK_REPAID,
        key=f"{T.CLAWBACK_REPAID}:{repayment.pk}",
        reference=repayment,
        actor=user,
    )
    before = {"status": clawback.status, "repaid": str(clawback.repaid)}
    clawback.repaid += value
    fields = ["repaid"]
    if clawback.repaid == clawback.amount:
        CLAWBACK_STATES.move(clawback, Clawback.Status.REPAID)
        clawback.closed_at = now
        fields += ["status", "closed_at"]
    clawback.save(update_fields=fields)
    audit_event_record(
        action=actions.CLAWBACK_REPAYMENT_RECORDED,
        actor=user,
        target=clawback,
        before=before,
        after={
            "status": clawback.status,
            "repaid": str(clawback.repaid),
            "repayment": str(value),
            "paid_on": str(paid_on),
            "reference": reference,
        },
    )
    return repayment


__all__ = [
    "REMINDER_DAYS",
    "ClawbackDemand",
    "clawback_record",
    "clawback_repayment_record",
    "voucher_expire",
    "voucher_expiry_remind",
    "voucher_expiry_reminders",
    "voucher_revoke",
    "vouchers_expire_due",
]
