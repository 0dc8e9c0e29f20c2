"""Reads on the ledger: what is free in a program's budget, a voucher's
balance and the transfers behind it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from config.money import LEDGER_MONEY, ZERO, quantize

from ..models import LedgerAccount, LedgerTransfer, Program, ProgramVersion, Voucher

K = LedgerAccount.Kind
# The budget's funding sources are drawn in this order when a voucher is issued.
FUNDING_ORDER = ("province", "city", "district")


def funding_order(accounts: list[LedgerAccount]) -> list[LedgerAccount]:
    """Budget accounts in the order a voucher draws on them."""
    order = {source: i for i, source in enumerate(FUNDING_ORDER)}
    return sorted(accounts, key=lambda a: (order.get(a.funding_source, 99), a.pk))


def budget_accounts(program: Program) -> list[LedgerAccount]:
    return funding_order(
        list(
            LedgerAccount.objects.filter(
                program=program, kind=K.BUDGET, voucher=None
            ).order_by("pk")
        )
    )


def budget_remaining(
    program: Program, *, version: ProgramVersion | None = None
) -> Decimal:
    """What is still free in the program's budget. A program that has never
    been open has no budget accounts yet: then the whole budget of
    ``version`` is still ahead of it (nothing is free without a version)."""
    # The shared budget and the regional quotas' unused money.
    pools = LedgerAccount.objects.filter(
        program=program, kind__in=(K.BUDGET, K.QUOTA), voucher=None
    ).aggregate(total=Sum("balance"), n=Count("id"))
    if not pools["n"]:
        return quantize(version.parsed().total_budget) if version is not None else ZERO
    # SQLite sums with the stored values' exponent ('49400000'); a decision
    # stores and re-explains this figure, so it is always in fen.
    return quantize(pools["total"])


def with_balances(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    """The vouchers, each with its ``balance`` (left to spend) and ``held``
    (by pending and disputed charges)."""

    def of_kind(kind: str) -> Coalesce:
        return Coalesce(
            Subquery(
                LedgerAccount.objects.filter(voucher=OuterRef("pk"), kind=kind).values(
                    "balance"
                )[:1]
            ),
            Value(ZERO),
            output_field=DecimalField(**LEDGER_MONEY),
        )

    return vouchers.annotate(balance=of_kind(K.VOUCHER), held=of_kind(K.HELD))


def voucher_balance(voucher: Voucher) -> Decimal:
    """What is left to spend on the voucher (pending charges are held apart)."""
    acc = voucher_account(voucher)
    return acc.balance if acc else ZERO


def voucher_held(voucher: Voucher) -> Decimal:
    """What pending and disputed charges hold on the voucher."""
    acc = voucher_account(voucher, K.HELD)
    return acc.balance if acc else ZERO


def voucher_account(voucher: Voucher, kind: str = K.VOUCHER) -> LedgerAccount | None:
    return LedgerAccount.objects.filter(voucher=voucher, kind=kind).first()


# A voucher's own accounts as its page reads them: what remains to spend,
# what is held (charges and reimbursements waiting), and what was used
# (confirmed charges and verified reimbursements; money paid to the
# enterprise stays "used"). Released money leaves the voucher for the budget.
_USED = "used"
_BUCKET: dict[str, str] = {
    K.VOUCHER: K.VOUCHER,
    K.HELD: K.HELD,
    K.ENTERPRISE_PAYABLE: _USED,
    K.ENTERPRISE_PAID: _USED,
}


@dataclass(frozen=True)
class VoucherLedgerLine:
    """One transfer that moved a voucher's money, with the voucher's
    figures after it."""

    transfer: LedgerTransfer
    remaining: Decimal
    held: Decimal
    used: Decimal


def voucher_ledger(voucher: Voucher) -> list[VoucherLedgerLine]:
    """Every transfer into, out of or between the voucher's own accounts,
    oldest first: issued, a charge held, then confirmed (held → payable to
    the provider, so "used") or voided (back to the remaining balance), an
    unused balance released; with what remains, what is held and what was
    used after each. The last line's figures are the voucher's now, and
    remaining + held + used + released is the face value throughout.
    Two queries, whatever the number of charges."""
    accounts = {
        a.pk: _BUCKET[a.kind]
        for a in LedgerAccount.objects.filter(voucher=voucher).only("pk", "kind")
        if a.kind in _BUCKET
    }
    transfers = (
        LedgerTransfer.objects.filter(
            Q(debit_id__in=list(accounts)) | Q(credit_id__in=list(accounts))
        )
        .select_related("credit")
        .order_by("created_at", "id")
    )
    figures: dict[str, Decimal] = {K.VOUCHER: ZERO, K.HELD: ZERO, _USED: ZERO}
    lines = []
    for t in transfers:
        source = accounts.get(t.debit_id)
        target = accounts.get(t.credit_id)
        if target is None and t.credit.kind == K.PROVIDER_PAYABLE:
            target = _USED  # a confirmed charge: the provider is owed it
        if source is not None:
            figures[source] -= t.amount
        if target is not None:
            figures[target] += t.amount
        lines.append(
            VoucherLedgerLine(
                transfer=t,
                remaining=figures[K.VOUCHER],
                held=figures[K.HELD],
                used=figures[_USED],
            )
        )
    return lines


@dataclass(frozen=True)
class QuotaRow:
    """One division's quota: allotted by the version, moved in or out since,
    what is unused, and what vouchers and notices drew on it."""

    region: str | None  # None: the shared budget
    allotted: Decimal
    moved: Decimal
    unused: Decimal

    @property
    def drawn(self) -> Decimal:
        return self.allotted + self.moved - self.unused


def quota_unused(program: Program) -> dict[str | None, Decimal]:
    """Unused money by quota division (None: the shared budget)."""
    unused: dict[str | None, Decimal] = {}
    rows = LedgerAccount.objects.filter(
        program=program, kind__in=(K.QUOTA, K.BUDGET), voucher=None
    ).values_list("region_id", "balance")
    for region, balance in rows:
        unused[region] = unused.get(region, ZERO) + balance
    return {k: quantize(v) for k, v in unused.items()}


def quota_rows(program: Program) -> list[QuotaRow]:
    """Each division with a quota account, then the shared budget: what
    the program page shows and check_ledger rolls up."""
    T = LedgerTransfer.Kind
    moves = LedgerTransfer.objects.filter(
        kind__in=(T.QUOTA_ALLOCATED, T.QUOTA_RETURNED, T.QUOTA_MOVED),
        debit__program=program,
    ).values_list("kind", "amount", "debit__region_id", "credit__region_id")
    allotted: dict[str, Decimal] = {}
    moved: dict[str | None, Decimal] = {}
    for kind, amount, source, target in moves:
        if kind == T.QUOTA_ALLOCATED:
            allotted[target] = allotted.get(target, ZERO) + amount
        elif kind == T.QUOTA_RETURNED:
            allotted[source] = allotted.get(source, ZERO) - amount
        else:
            moved[source] = moved.get(source, ZERO) - amount
            moved[target] = moved.get(target, ZERO) + amount
    unused = quota_unused(program)
    regions = sorted({*allotted, *(r for r in unused if r)} - {None})
    rows = [
        QuotaRow(
            region=r,
            allotted=quantize(allotted.get(r, ZERO)),
            moved=quantize(moved.get(r, ZERO)),
            unused=unused.get(r, ZERO),
        )
        for r in regions
    ]
    if not rows:
        return []
    shared_moved = moved.get(None, ZERO)
    rows.append(
        QuotaRow(
            region=None,
            allotted=ZERO,
            moved=quantize(shared_moved),
            unused=unused.get(None, ZERO),
        )
    )
    return rows
