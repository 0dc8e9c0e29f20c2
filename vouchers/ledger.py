"""The double-entry budget ledger.

Every movement of money is a transfer of a positive amount from one account
to another, referencing what caused it. Transfers are never updated or
deleted (a database trigger refuses it); corrections are new transfers.
Balances are cached on the accounts, moved with F() expressions in the same
transaction as the transfer, refused below zero by a check constraint, and
checked against the transfers by ``check_ledger``.

Accounts per program: ``funding`` (one per funding source; minus what it has
appropriated), ``budget`` (per funding source: what is still free),
``reserved`` (kept for the redemption work), one ``voucher`` account per
voucher (its balance), and ``held``, ``provider_payable``, ``paid_out``,
``released`` for redemption and settlement. So, per program:

    appropriated = budget + reserved + vouchers + held + payable + paid out + released
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError

from .models import LedgerAccount, LedgerTransfer, Program, Voucher

ZERO = Decimal("0.00")
FEN = Decimal("0.01")
K = LedgerAccount.Kind
# Drawn in this order when a voucher is issued.
FUNDING_ORDER = ("province", "city", "district")


def account(program: Program, kind: str, funding_source: str = "") -> LedgerAccount:
    acc, _created = LedgerAccount.objects.get_or_create(
        program=program, kind=kind, funding_source=funding_source, voucher=None
    )
    return acc


def transfer(
    *,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: Decimal,
    kind: str,
    reference=None,
    actor=None,
) -> LedgerTransfer:
    """Move ``amount`` from ``debit`` to ``credit``. Call it inside the
    transaction of what caused it, with the debited account locked when its
    balance matters; a balance below zero is refused by the database."""
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(FEN):
        raise ValueError(f"a transfer moves a positive amount in fen, not {amount!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger transfers run inside the transaction of their cause")
    row = LedgerTransfer.objects.create(
        debit=debit,
        credit=credit,
        amount=amount,
        kind=kind,
        reference_type=reference._meta.label_lower if reference is not None else "",
        reference_id=str(reference.pk) if reference is not None else "",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    LedgerAccount.objects.filter(pk=debit.pk).update(balance=F("balance") - amount)
    LedgerAccount.objects.filter(pk=credit.pk).update(balance=F("balance") + amount)
    return row


@transaction.atomic
def program_fund(*, program: Program, budget: dict[str, Decimal], actor=None) -> None:
    """Bring each funding source's appropriation to ``budget`` (by source):
    more money is a transfer funding → budget; less is budget → funding, as
    far as the budget is still free. A source no longer in ``budget`` goes
    back to zero."""
    known = set(
        LedgerAccount.objects.filter(program=program, kind=K.FUNDING).values_list(
            "funding_source", flat=True
        )
    )
    targets = dict.fromkeys(known, ZERO) | dict(budget)
    for source, target in sorted(targets.items()):
        funding = account(program, K.FUNDING, source)
        pool = account(program, K.BUDGET, source)
        funding = LedgerAccount.objects.select_for_update().get(pk=funding.pk)
        pool = LedgerAccount.objects.select_for_update().get(pk=pool.pk)
        appropriated = -funding.balance
        if target > appropriated:
            transfer(
                debit=funding,
                credit=pool,
                amount=target - appropriated,
                kind="budget_appropriated",
                reference=program,
                actor=actor,
            )
        elif target < appropriated:
            cut = appropriated - target
            if cut > pool.balance:
                raise ApplicationError(
                    _("The budget cannot be cut below what is already committed."),
                    field="budget",
                )
            transfer(
                debit=pool,
                credit=funding,
                amount=cut,
                kind="budget_reduced",
                reference=program,
                actor=actor,
            )


def budget_accounts(program: Program, *, lock: bool = False) -> list[LedgerAccount]:
    qs = LedgerAccount.objects.filter(program=program, kind=K.BUDGET, voucher=None)
    if lock:
        qs = qs.select_for_update()
    accounts = list(qs.order_by("id"))
    order = {s: i for i, s in enumerate(FUNDING_ORDER)}
    return sorted(accounts, key=lambda a: order.get(a.funding_source, 99))


def budget_remaining(program: Program) -> Decimal:
    total = LedgerAccount.objects.filter(
        program=program, kind=K.BUDGET, voucher=None
    ).aggregate(s=Coalesce(Sum("balance"), ZERO))["s"]
    return Decimal(total).quantize(FEN)


def voucher_fund(
    *, voucher: Voucher, amount: Decimal, pools: list[LedgerAccount], actor=None
) -> LedgerAccount:
    """Move ``amount`` from the (locked) budget pools into the voucher's new
    account, drawing the pools in funding order."""
    acc = LedgerAccount.objects.create(
        program=voucher.program, kind=K.VOUCHER, voucher=voucher
    )
    left = amount
    for pool in pools:
        if left <= 0:
            break
        take = min(pool.balance, left)
        if take > 0:
            transfer(
                debit=pool,
                credit=acc,
                amount=take,
                kind="voucher_issued",
                reference=voucher,
                actor=actor,
            )
            left -= take
    if left > 0:
        # The caller checked the budget under lock; this only guards a bug.
        raise ApplicationError(
            _("The program's budget is used up."), code="budget_exhausted"
        )
    return acc


def voucher_balance(voucher: Voucher) -> Decimal:
    acc = LedgerAccount.objects.filter(voucher=voucher).first()
    return acc.balance if acc else ZERO


@dataclass(frozen=True)
class Violation:
    what: str

    def __str__(self):
        return self.what


def check_ledger() -> list[Violation]:
    """Every invariant of the ledger, checked against the transfers."""
    problems: list[Violation] = []
    debits = dict(
        LedgerTransfer.objects.values("debit")
        .annotate(s=Sum("amount"))
        .values_list("debit", "s")
    )
    credits = dict(
        LedgerTransfer.objects.values("credit")
        .annotate(s=Sum("amount"))
        .values_list("credit", "s")
    )
    per_program: dict[int, Decimal] = {}
    for acc in LedgerAccount.objects.all():
        derived = credits.get(acc.pk, ZERO) - debits.get(acc.pk, ZERO)
        if derived != acc.balance:
            problems.append(
                Violation(
                    f"account {acc.pk} ({acc.kind}): cached balance {acc.balance} but transfers give {derived}"
                )
            )
        if acc.kind != K.FUNDING and acc.balance < 0:
            problems.append(
                Violation(f"account {acc.pk} ({acc.kind}) is negative: {acc.balance}")
            )
        per_program[acc.program_id] = (
            per_program.get(acc.program_id, ZERO) + acc.balance
        )
    for program_id, total in per_program.items():
        if total != 0:
            problems.append(
                Violation(
                    f"program {program_id}: balances add up to {total}, not 0 (appropriated ≠ "
                    "budget + reserved + vouchers + held + payable + paid out + released)"
                )
            )
    bad_transfers = LedgerTransfer.objects.filter(
        Q(amount__lte=0) | Q(debit=F("credit"))
    ).count()
    if bad_transfers:
        problems.append(
            Violation(
                f"{bad_transfers} transfer(s) with a non-positive amount or one account"
            )
        )
    issued = dict(
        LedgerTransfer.objects.filter(kind="voucher_issued")
        .values("credit__voucher")
        .annotate(s=Sum("amount"))
        .values_list("credit__voucher", "s")
    )
    for voucher in Voucher.objects.all():
        if issued.get(voucher.pk, ZERO) != voucher.face_value:
            problems.append(
                Violation(
                    f"voucher {voucher.code}: face value {voucher.face_value} but "
                    f"{issued.get(voucher.pk, ZERO)} was issued into it"
                )
            )
    return problems
