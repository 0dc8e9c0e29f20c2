"""Every invariant of the ledger, checked against the transfers
(``manage.py check_ledger``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum

from config.money import ZERO

from ..models import LedgerAccount, LedgerTransfer, Voucher

K = LedgerAccount.Kind


@dataclass(frozen=True)
class Violation:
    what: str

    def __str__(self) -> str:
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
