"""Reads on the ledger: what is free in a program's budget, a voucher's
balance and the transfers behind it."""

from __future__ import annotations

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
    pools = LedgerAccount.objects.filter(
        program=program, kind=K.BUDGET, voucher=None
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


def account_transfers(account: LedgerAccount) -> QuerySet[LedgerTransfer]:
    """The transfers into and out of an account, oldest first."""
    return (
        LedgerTransfer.objects.filter(Q(debit=account) | Q(credit=account))
        .select_related("debit", "credit")
        .order_by("created_at", "id")
    )
