"""Settlement: statements of confirmed charges, the provider's reconciliation
of them, approval and payment. Every change here is one transaction with its
audit event; a refusal raises ApplicationError and writes nothing.

- ``statement_build``: the confirmed charges of one provider in one program
  that were confirmed by the end of a period and are on no statement yet
  become one statement (a charge confirmed late waits for the next one).
  Built by ``statements_build_due`` after each period, idempotently.
- ``statement_reconcile``: the provider uploads its own records for the
  statement; they are matched by invoice number and the report is kept.
- ``reconciliation_item_explain``: the provider explains a difference.
- ``statement_submit``: with a report whose every difference is explained.
- ``statement_return`` / ``statement_approve``: a program manager.
- ``statement_pay``: the payment of the whole total, once; the ledger moves
  it from the provider's payable account to its paid-out account.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config import batch
from config.db import violates
from config.exceptions import ApplicationError
from config.money import quantize, yuan
from enterprises.models import Provider

from .. import error_codes
from ..ledger.services import provider_account, transfer
from ..lock_objects import statement_lock
from ..models import (
    STATEMENT_STATES,
    LedgerAccount,
    LedgerTransfer,
    Payment,
    Program,
    Reconciliation,
    ReconciliationItem,
    Redemption,
    Statement,
)
from ..programs.selectors import program_version_at
from ..provider_api.services import provider_staff_or_refuse
from ..webhooks.events import statement_ready_emit
from .periods import period_before
from .records import Record, records_read
from .selectors import latest_reconciliation

K = LedgerAccount.Kind
T = LedgerTransfer.Kind
St = Statement.Status
Outcome = ReconciliationItem.Outcome
NOTE_MAX = 1000
REFERENCE_MAX = 60


def _refuse(message: str, code: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, field=field, code=code)


def _end_of(day: date) -> datetime:
    """The first instant after ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _snapshot(statement: Statement) -> dict:
    return {
        "number": statement.number,
        "provider": statement.provider.uscc,
        "period": f"{statement.period_start}/{statement.period_end}",
        "total": str(statement.total),
        "charges": statement.charge_count,
        "status": statement.status,
    }


# -- building -------------------------------------------------------------------------


def statement_number(program: Program, provider_id: int, period_start: date) -> str:
    return f"{program.code}-{period_start:%Y%m}-P{provider_id:05d}"


@transaction.atomic
def statement_build(
    *, program: Program, provider: Provider, period_start: date, period_end: date
) -> Statement | None:
    """The statement of this provider, program and period: the one built
    before, or a new one listing the charges confirmed by the period's end
    that no statement lists yet; None when there are none."""
    existing = Statement.objects.filter(
        program=program, provider=provider, period_start=period_start
    ).first()
    if existing is not None:
        return existing
    # Confirmed charges are final, so only a concurrent build locks them;
    # the loser of two concurrent builds finds them on the winner's
    # statement (the unique period constraint answers it).
    charges = list(
        Redemption.objects.select_for_update()
        .filter(
            program=program,
            provider=provider,
            status=Redemption.Status.CONFIRMED,
            statement__isnull=True,
            decided_at__lt=_end_of(period_end),
        )
        .order_by("pk")
        .values_list("pk", "amount")
    )
    if not charges:
        return None
    total = quantize(sum((amount for _pk, amount in charges), Decimal("0")))
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                program=program,
                provider=provider,
                period_start=period_start,
                period_end=period_end,
                number=statement_number(program, provider.pk, period_start),
                total=total,
                charge_count=len(charges),
            )
    except IntegrityError as exc:
        if violates(
            exc,
            "statement_one_per_period",
            columns=("program_id", "provider_id", "period_start"),
        ):
            return Statement.objects.get(
                program=program, provider=provider, period_start=period_start
            )
        raise
    Redemption.objects.filter(pk__in=[pk for pk, _amount in charges]).update(
        statement=statement
    )
    audit_event_record(
        action=actions.STATEMENT_BUILT,
        actor=None,
        target=statement,
        after=_snapshot(statement),
    )
    statement_ready_emit(statement)
    return statement


def statements_build_due(*, today: date | None = None) -> list[Statement]:
    """Build the statements of the last period that ended, for every
    program and provider with confirmed charges on no statement (each in
    its own transaction; a rerun builds nothing new; one that fails is
    logged and skipped, see config.batch)."""
    today = today or timezone.localdate()
    pairs = list(
        Redemption.objects.filter(
            status=Redemption.Status.CONFIRMED, statement__isnull=True
        )
        .values_list("program_id", "provider_id")
        .distinct()
        .order_by("program_id", "provider_id")
    )
    periods: dict[int, tuple[Program, date, date]] = {}

    def period_of(program_id: int) -> tuple[Program, date, date]:
        if program_id not in periods:
            program = Program.objects.get(pk=program_id)
            months = (
                program_version_at(program, timezone.now()).parsed().statement_months
            )
            start, end = period_before(today, months)
            periods[program_id] = (program, start, end)
        return periods[program_id]

    def build(pair: tuple[int, int]) -> Statement | None:
        program, start, end = period_of(pair[0])
        return statement_build(
            program=program,
            provider=Provider.objects.get(pk=pair[1]),
            period_start=start,
            period_end=end,
        )

    built = batch.each("statements_build_due", pairs, build)
    return [statement for statement in built.results if statement is not None]


# -- reconciliation ---------------------------------------------------------------------


def _open_or_refuse(statement: Statement) -> None:
    if statement.status != St.OPEN:
        raise _refuse(
            _("This statement is %(status)s; it can no longer be changed.")
            % {"status": statement.get_status_display()},
            error_codes.TRANSITION,
        )


def _match(statement: Statement, records: list[Record]) -> list[ReconciliationItem]:
    """The report's lines: every charge of the statement and every record,
    matched by invoice number (the provider issues its invoices, so a
    number names one invoice)."""
    charges = {
        c.invoice_number: c
        for c in Redemption.objects.filter(statement=statement).select_related(
            "voucher"
        )
    }
    items: list[ReconciliationItem] = []
    for record in records:
        charge = charges.pop(record.invoice_number, None)
        if charge is None:
            outcome = Outcome.MISSING_ON_PLATFORM
        elif charge.amount != record.amount or (
            record.voucher_code and record.voucher_code != charge.voucher.code
        ):
            outcome = Outcome.AMOUNT_DIFFERS
        else:
            outcome = Outcome.MATCHED
        items.append(
            ReconciliationItem(
                outcome=outcome,
                redemption=charge,
                invoice_number=record.invoice_number,
                voucher_code=record.voucher_code
                or (charge.voucher.code if charge else ""),
                platform_amount=charge.amount if charge else None,
                provider_amount=record.amount,
                provider_date=record.date,
                line=record.line,
            )
        )
    for charge in charges.values():
        items.append(
            ReconciliationItem(
                outcome=Outcome.MISSING_ON_PROVIDER,
                redemption=charge,
                invoice_number=charge.invoice_number,
                voucher_code=charge.voucher.code,
                platform_amount=charge.amount,
            )
        )
    return items


@transaction.atomic
def statement_reconcile(
    *, statement: Statement, user: User, file_name: str, content: bytes
) -> Reconciliation:
    """Match the provider's records (a CSV or XLSX file) against the
    statement and keep the report. The file is read whole or refused."""
    statement = statement_lock(statement.pk)
    provider_staff_or_refuse(user, statement.provider)
    _open_or_refuse(statement)
    records = records_read(file_name, content)
    items = _match(statement, records)
    differences = sum(1 for i in items if i.outcome != Outcome.MATCHED)
    report = Reconciliation.objects.create(
        statement=statement,
        file_name=(file_name or "")[-200:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        row_count=len(records),
        matched=len(items) - differences,
        differences=differences,
        uploaded_by=user,
    )
    for item in items:
        item.reconciliation = report
    ReconciliationItem.objects.bulk_create(items)
    audit_event_record(
        action=actions.STATEMENT_RECONCILED,
        actor=user,
        target=statement,
        after={
            "file": report.file_name,
            "sha256": report.file_sha256,
            "rows": report.row_count,
            "matched": report.matched,
            "differences": report.differences,
        },
    )
    return report


def _note_or_refuse(note: str, field: str = "note") -> str:
    note = (note or "").strip()
    if not note:
        raise _refuse(_("Give an explanation."), error_codes.INVALID, field)
    if len(note) > NOTE_MAX:
        raise _refuse(
            _("Keep it under %(n)d characters.") % {"n": NOTE_MAX},
            error_codes.INVALID,
            field,
        )
    return note


@transaction.atomic
def reconciliation_item_explain(
    *, item: ReconciliationItem, user: User, note: str
) -> ReconciliationItem:
    """The provider explains a difference of the newest report (for
    example: invoice reissued under another number)."""
    statement = statement_lock(item.reconciliation.statement_id)
    provider_staff_or_refuse(user, statement.provider)
    _open_or_refuse(statement)
    latest = latest_reconciliation(statement)
    if latest is None or latest.pk != item.reconciliation_id:
        raise _refuse(
            _("A newer upload replaced this report; explain the differences there."),
            error_codes.TRANSITION,
        )
    if item.outcome == Outcome.MATCHED:
        raise _refuse(
            _("This line matched; there is nothing to explain."),
            error_codes.INVALID,
        )
    before = item.note
    item.note = _note_or_refuse(note)
    item.noted_at = timezone.now()
    item.noted_by = user
    item.save(update_fields=["note", "noted_at", "noted_by"])
    audit_event_record(
        action=actions.STATEMENT_DIFFERENCE_EXPLAINED,
        actor=user,
        target=statement,
        before={"invoice": item.invoice_number, "note": before},
        after={
            "invoice": item.invoice_number,
            "outcome": item.outcome,
            "note": item.note,
        },
    )
    return item


# -- submission, approval, payment ----------------------------------------------------


def _move(
    statement: Statement, to: str, *, user: User, action: str, **after: object
) -> None:
    before = statement.status
    STATEMENT_STATES.move(statement, to)
    audit_event_record(
        action=action,
        actor=user,
        target=statement,
        before={"status": before},
        after={"status": to, **after},
    )


@transaction.atomic
def statement_submit(*, statement: Statement, user: User) -> Statement:
    """The provider submits the statement: its records have been uploaded
    and every difference of the newest report is explained."""
    statement = statement_lock(statement.pk)
    provider_staff_or_refuse(user, statement.provider)
    _open_or_refuse(statement)
    latest = latest_reconciliation(statement)
    if latest is None:
        raise _refuse(
            _("Upload your records for the period first, so they can be matched."),
            error_codes.NOT_RECONCILED,
        )
    unexplained = latest.items.exclude(outcome=Outcome.MATCHED).filter(note="").count()
    if unexplained:
        raise _refuse(
            _(
                "%(n)d difference(s) are not explained yet: explain each, or correct "
                "your records and upload them again."
            )
            % {"n": unexplained},
            error_codes.NOT_RECONCILED,
        )
    statement.submitted_at = timezone.now()
    statement.submitted_by = user
    statement.return_reason = ""
    _move(
        statement,
        St.SUBMITTED,
        user=user,
        action=actions.STATEMENT_SUBMITTED,
        reconciliation=latest.pk,
        differences=latest.differences,
    )
    statement.save(
        update_fields=["status", "submitted_at", "submitted_by", "return_reason"]
    )
    return statement


def _manager_or_refuse(user: User) -> None:
    if not has_role(user, Role.PROGRAM_MANAGER):
        raise _refuse(
            _("Only a program manager approves and pays statements."),
            error_codes.OUT_OF_SCOPE,
        )


def _submitted_or_refuse(statement: Statement) -> None:
    if statement.status != St.SUBMITTED:
        raise _refuse(
            _("This statement is %(status)s, not submitted.")
            % {"status": statement.get_status_display()},
            error_codes.TRANSITION,
        )


@transaction.atomic
def statement_return(*, statement: Statement, user: User, reason: str) -> Statement:
    """A program manager sends a submitted statement back to the provider."""
    statement = statement_lock(statement.pk)
    _manager_or_refuse(user)
    _submitted_or_refuse(statement)
    statement.return_reason = _note_or_refuse(reason, field="reason")
    _move(
        statement,
        St.OPEN,
        user=user,
        action=actions.STATEMENT_RETURNED,
        reason=statement.return_reason,
    )
    statement.save(update_fields=["status", "return_reason"])
    return statement


@transaction.atomic
def statement_approve(*, statement: Statement, user: User) -> Statement:
    """A program manager approves a submitted statement for payment."""
    statement = statement_lock(statement.pk)
    _manager_or_refuse(user)
    _submitted_or_refuse(statement)
    statement.approved_at = timezone.now()
    statement.approved_by = user
    _move(
        statement,
        St.APPROVED,
        user=user,
        action=actions.STATEMENT_APPROVED,
        total=str(statement.total),
    )
    statement.save(update_fields=["status", "approved_at", "approved_by"])
    return statement


@transaction.atomic
def statement_pay(
    *,
    statement: Statement,
    user: User,
    reference: str,
    paid_on: date,
    amount: Decimal,
) -> Payment:
    """Record the payment of an approved statement: its whole total, once.
    The ledger moves the total from the provider's payable account in the
    program to its paid-out account."""
    statement = statement_lock(statement.pk)
    _manager_or_refuse(user)
    if statement.status != St.APPROVED:
        raise _refuse(
            _("Only an approved statement is paid; this one is %(status)s.")
            % {"status": statement.get_status_display()},
            error_codes.TRANSITION,
        )
    reference = (reference or "").strip()
    if not reference:
        raise _refuse(
            _("Enter the payment's reference (the bank or treasury voucher number)."),
            error_codes.INVALID,
            "reference",
        )
    if len(reference) > REFERENCE_MAX:
        raise _refuse(
            _("Keep the reference under %(n)d characters.") % {"n": REFERENCE_MAX},
            error_codes.INVALID,
            "reference",
        )
    today = timezone.localdate()
    if paid_on > today:
        raise _refuse(
            _("The payment date cannot be in the future."),
            error_codes.INVALID,
            "paid_on",
        )
    approved_on = (
        timezone.localdate(statement.approved_at) if statement.approved_at else None
    )
    if approved_on and paid_on < approved_on:
        raise _refuse(
            _("The statement was approved on %(date)s; it cannot be paid before.")
            % {"date": approved_on.isoformat()},
            error_codes.INVALID,
            "paid_on",
        )
    if amount != statement.total:
        raise _refuse(
            _("A statement is paid in full: %(total)s yuan, not %(amount)s.")
            % {"total": yuan(statement.total), "amount": yuan(amount)},
            error_codes.PAYMENT_AMOUNT,
            "amount",
        )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                statement=statement,
                reference=reference,
                paid_on=paid_on,
                amount=amount,
                recorded_by=user,
            )
    except IntegrityError as exc:
        if violates(exc, "payment_one_reference", columns=("reference",)):
            raise _refuse(
                _("Reference %(reference)s is recorded for another payment already.")
                % {"reference": reference},
                error_codes.DUPLICATE_REFERENCE,
                "reference",
            ) from exc
        raise
    payable = provider_account(
        statement.program_id, statement.provider_id, K.PROVIDER_PAYABLE
    )
    paid_out = provider_account(statement.program_id, statement.provider_id, K.PAID_OUT)
    transfer(
        debit=payable,
        credit=paid_out,
        amount=amount,
        kind=T.STATEMENT_PAID,
        key=f"{T.STATEMENT_PAID}:{statement.pk}",
        reference=statement,
        actor=user,
    )
    _move(
        statement,
        St.PAID,
        user=user,
        action=actions.STATEMENT_PAID,
        reference=reference,
        paid_on=paid_on.isoformat(),
        amount=str(amount),
    )
    statement.save(update_fields=["status"])
    return payment


__all__ = [
    "reconciliation_item_explain",
    "statement_approve",
    "statement_build",
    "statement_pay",
    "statement_reconcile",
    "statement_return",
    "statement_submit",
    "statements_build_due",
]
