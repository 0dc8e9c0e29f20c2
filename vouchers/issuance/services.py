"""Issuing a voucher: in the final approval's transaction, check the cap and
the budget again under locks, move the subsidy from the budget into a new
voucher account, and record it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.services import audit_event_record
from config.dates import add_months
from config.exceptions import ApplicationError
from config.money import ZERO, yuan

from .. import error_codes
from ..ledger.services import voucher_fund
from ..lock_objects import enterprise_lock, notice_accounts_lock, program_lock
from ..models import Application, LedgerAccount, Voucher
from . import codes
from .selectors import Availability, availability_with, draw_pools

# Codes drawn before giving up: with 30^15 codes, one collision is already
# beyond belief, so several mean the generator is broken.
CODE_ATTEMPTS = 5


def _unused_code() -> str:
    """A new code that no voucher has (the unique index is the last guard)."""
    for _attempt in range(CODE_ATTEMPTS):
        code = codes.generate()
        if not Voucher.objects.filter(code=code).exists():
            return code
    raise ApplicationError(
        _("No unused voucher code could be drawn. Please try again."),
        code=error_codes.NO_FREE_CODE,
    )


@transaction.atomic
def voucher_issue(
    *, application: Application, approver: User, expected_amount: Decimal | None
) -> Voucher:
    """Issue the application's voucher (the caller approves it in the same
    transaction): what ``issuable`` allows, from the budget pools."""
    amount, available, pools = issuable(
        application=application, expected_amount=expected_amount
    )
    return voucher_create(
        application=application,
        amount=amount,
        pools=pools,
        actor=approver,
        reduced_from=available.requested if available.reduced else None,
    )


def issuable(
    *, application: Application, expected_amount: Decimal | None
) -> tuple[Decimal, Availability, list[LedgerAccount]]:
    """What a final approval can issue now, with the locked budget pools to
    draw it from (in funding order), or a refusal. Locks in
    vouchers/lock_objects.py's order: the enterprise (its approvals run one
    after the other, so the cap holds), the program, then its budget and
    reserved accounts (so the budget holds); the balance's check
    constraint is the last guard. A public notice reserves the amount
    instead of issuing it (vouchers.notice), with the same checks.

    When less than the applicant was shown can be issued (the budget or the
    cap has moved), the approval is refused with ``amount_changed`` until
    the approver confirms the reduced amount (``expected_amount``); an
    ``expected_amount`` that is not what would be issued is refused too.
    """
    enterprise_lock(application.enterprise_id)
    program_lock(application.program_id)
    # What it draws on: its enterprise's regional quota, then the shared
    # budget (issuance.selectors.draw_pools).
    pools = draw_pools(application, notice_accounts_lock(application.program))
    now = timezone.now()
    available = availability_with(
        application,
        budget_remaining=sum((p.balance for p in pools), ZERO),
        year=timezone.localdate(now).year,
    )
    amount = available.amount
    if available.budget_remaining <= 0:
        raise ApplicationError(
            _("The program's budget is exhausted: no voucher can be issued."),
            code=error_codes.BUDGET_EXHAUSTED,
        )
    if available.cap_remaining <= 0:
        raise ApplicationError(
            _("The enterprise has reached its yearly cap in this program."),
            code=error_codes.CAP_REACHED,
        )
    if amount <= 0:
        raise ApplicationError(
            _("There is no subsidy to issue."), code=error_codes.NOTHING_TO_ISSUE
        )
    if available.reduced and expected_amount is None:
        raise ApplicationError(
            _(
                "Only %(amount)s yuan can be issued now (the budget or the yearly cap "
                "limits it; the applicant was shown %(requested)s). Confirm the reduced "
                "amount to approve."
            )
            % {"amount": yuan(amount), "requested": yuan(available.requested)},
            code=error_codes.AMOUNT_CHANGED,
        )
    # The approver confirmed the amount shown (config.confirm): what is
    # issued is what they saw, or nothing.
    if expected_amount is not None and expected_amount != amount:
        raise ApplicationError(
            _(
                "The amount to issue changed after you checked it: it is now "
                "%(amount)s yuan (you confirmed %(confirmed)s). Check it and "
                "confirm again."
            )
            % {"amount": yuan(amount), "confirmed": yuan(expected_amount)},
            code=error_codes.AMOUNT_CHANGED,
        )
    return amount, available, pools


def voucher_create(
    *,
    application: Application,
    amount: Decimal,
    pools: list[LedgerAccount],
    actor: User | None,
    reduced_from: Decimal | None = None,
) -> Voucher:
    """The voucher of ``amount``, funded from the locked ``pools`` (the
    caller checked the amount: ``issuable``, or a notice's reservation
    given back), and its audit event."""
    params = application.submitted_version.parsed()
    now = timezone.now()
    expires = add_months(timezone.localdate(now), params.voucher_validity_months)
    voucher = Voucher.objects.create(
        code=_unused_code(),
        application=application,
        enterprise=application.enterprise,
        program=application.program,
        face_value=amount,
        issued_at=now,
        expires_on=expires,
    )
    voucher_fund(voucher=voucher, amount=amount, pools=pools, actor=actor)
    audit_event_record(
        action=actions.VOUCHER_ISSUED,
        actor=actor,
        target=voucher,
        after={
            "code": voucher.code,
            "face_value": str(amount),
            "expires_on": str(expires),
            "application": application.number,
            "reduced_from": str(reduced_from) if reduced_from is not None else None,
        },
    )
    return voucher
