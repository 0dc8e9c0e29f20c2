"""Reads of the lifecycle: who reads a clawback, the clawback list, what a
revocation would release."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from config.money import ZERO
from enterprises.permissions import is_enterprise_member

from ..ledger.selectors import voucher_balance
from ..models import Clawback, Redemption, Reimbursement, Voucher

# Who sees every clawback: the program office and the auditors.
CLAWBACK_READERS = (Role.PROGRAM_MANAGER, Role.AUDITOR)


def clawback_list(*, status: str = "", overdue: bool = False) -> QuerySet[Clawback]:
    qs = Clawback.objects.select_related("voucher", "enterprise", "program")
    if status in Clawback.Status.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=Clawback.Status.OPEN, due_on__lt=timezone.localdate())
    return qs.order_by("status", "due_on", "pk")


def clawback_for_reader_or_404(user: User, pk: int) -> Clawback:
    """The clawback, for a manager or auditor, or an applicant of the
    enterprise that owes it; else 404."""
    clawback = (
        Clawback.objects.select_related("voucher", "enterprise", "program")
        .filter(pk=pk)
        .first()
    )
    if clawback is None:
        raise Http404
    if has_role(user, *CLAWBACK_READERS) or is_enterprise_member(
        user, clawback.enterprise
    ):
        return clawback
    raise Http404


def disbursed(voucher: Voucher) -> Decimal:
    """What the voucher has paid out or made payable: its confirmed charges
    and verified reimbursements."""
    charges = Redemption.objects.filter(
        voucher=voucher, status=Redemption.Status.CONFIRMED
    ).aggregate(total=Sum("amount"))["total"]
    verified = Reimbursement.objects.filter(
        voucher=voucher,
        status__in=[Reimbursement.Status.VERIFIED, Reimbursement.Status.PAID],
    ).aggregate(total=Sum("verified_amount"))["total"]
    return (charges or ZERO) + (verified or ZERO)


def clawback_claimed(voucher: Voucher) -> Decimal:
    """What earlier clawbacks of the voucher demand."""
    total = Clawback.objects.filter(voucher=voucher).aggregate(total=Sum("amount"))
    return total["total"] or ZERO


def clawback_room(voucher: Voucher) -> Decimal:
    """The most a new clawback of the voucher can demand: what it disbursed,
    less earlier clawbacks (never below zero)."""
    return max(disbursed(voucher) - clawback_claimed(voucher), ZERO)


def voucher_clawbacks(voucher: Voucher) -> QuerySet[Clawback]:
    return Clawback.objects.filter(voucher=voucher).order_by("-pk")


def revocation_preview(voucher: Voucher) -> dict:
    """What revoking would do now: the balance released and the pending
    charges voided (with what they hold)."""
    # A pending charge whose window has passed is confirmed instead.
    pending = Redemption.objects.filter(
        voucher=voucher,
        status=Redemption.Status.PENDING,
        confirm_by__gt=timezone.now(),
    )
    held = sum((r.amount for r in pending), Decimal("0.00"))
    return {
        "balance": voucher_balance(voucher),
        "pending": pending.count(),
        "pending_amount": held,
        "released": voucher_balance(voucher) + held,
    }
