"""Every row lock of the vouchers app (``select_for_update``), and the one
order in which a transaction takes them.

A transaction that takes several of these locks takes them in this order,
never the reverse, so two transactions cannot wait on each other:

1. the application (its own row only);
2. the enterprise (``enterprises.lock_objects.enterprise_lock``): a final
   approval holds it, so the approvals of one enterprise run one after the
   other and its yearly cap holds;
3. the program: FOR NO KEY UPDATE for a submission (application numbers
   are counted under it) and a final approval; FOR UPDATE when its status
   or parameters change, which waits for both and holds both off;
4. ledger accounts, in primary-key order: the program's budget (and
   funding) accounts, then the accounts a transfer moves money between.
   ``ledger.services.transfer`` updates its two balances in primary-key
   order too, whatever the direction of the transfer.

Why the program comes before its accounts: a new version or a reopening
holds the program and then moves money between its accounts; an approval
that held the accounts first and then wrote its voucher (which refers to the
program, so takes a key-share lock on it) would wait for it while it waits
for the accounts. FOR NO KEY UPDATE still lets rows that merely refer to the
program (a new draft, a voucher) be written meanwhile.

A charge on a voucher (redemption): the voucher (FOR NO KEY UPDATE), then
the charge, then ledger accounts in primary-key order: the voucher's own
balance and hold accounts and, on confirmation, the provider's payable
account in the program. Charges on different vouchers share no row; only
confirmations for one provider meet on its payable row, for the length of
one UPDATE's transaction.

A reimbursement: the voucher (FOR NO KEY UPDATE), then the reimbursement,
then the voucher's own accounts (balance, hold, payable to the enterprise)
in primary-key order; like a charge, it shares no row with other vouchers.

Expiry and revocation (lifecycle): the voucher (FOR NO KEY UPDATE), then
each pending charge in primary-key order, then the accounts: the voucher's
own, the provider's payable (a charge confirmed on closing) and the budget
pools it was issued from (the release), all through ``transfer``. The
voucher comes before any budget row, as nothing that holds a budget row
(an approval) ever waits for an existing voucher. A clawback's repayment:
the clawback's row (FOR UPDATE), then the program's repayments and
recovered accounts.

Public notice (公示): the application (it stands for its notice and the
notice's objections: every change to them locks it first), then the
enterprise and the program as for an approval, then the program's budget
and reserved accounts in primary-key order (``notice_accounts_lock``): the
reservation moves money budget → reserved, the issuance or rejection back.

Settlement: a statement's row (FOR UPDATE) first, then the provider's
payable and paid-out accounts in primary-key order (payment). Building a
statement locks the confirmed charges it lists (final rows only a
concurrent build would lock), never a voucher.

The register's own locks (claims, providers, memberships) each take one row
of a table the vouchers app never locks; see enterprises/lock_objects.py.
"""

from __future__ import annotations

from django.db.models import QuerySet

from enterprises.lock_objects import enterprise_lock

from .models import (
    Application,
    Clawback,
    LedgerAccount,
    Program,
    Redemption,
    Reimbursement,
    Statement,
    Voucher,
)

__all__ = [
    "application_lock",
    "budget_accounts_lock",
    "clawback_lock",
    "enterprise_lock",
    "funding_accounts_lock",
    "notice_accounts_lock",
    "program_lock",
    "redemption_lock",
    "reimbursement_lock",
    "statement_lock",
    "voucher_lock",
    "voucher_lock_queryset",
]


def application_lock(pk: int) -> Application:
    """The application, locked (not the rows it refers to), with what the
    services read of it."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program__region", "enterprise", "provider", "offering")
        .get(pk=pk)
    )


def program_lock(pk: int, *, exclusive: bool = False) -> Program:
    """The program, FOR NO KEY UPDATE (submissions, approvals), or FOR
    UPDATE with ``exclusive`` (status and parameter changes)."""
    return (
        Program.objects.select_for_update(no_key=not exclusive, of=("self",))
        .select_related("region")
        .get(pk=pk)
    )


def budget_accounts_lock(program: Program) -> list[LedgerAccount]:
    """The program's budget accounts (one per funding source), locked in
    primary-key order."""
    return list(
        LedgerAccount.objects.select_for_update()
        .filter(program=program, kind=LedgerAccount.Kind.BUDGET, voucher=None)
        .order_by("pk")
    )


def notice_accounts_lock(program: Program) -> list[LedgerAccount]:
    """The program's budget, quota and reserved accounts (per funding
    source), locked in primary-key order: a final approval draws on the
    budget and quotas, a public notice moves money to and from reserved."""
    return list(
        LedgerAccount.objects.select_for_update()
        .filter(
            program=program,
            kind__in=(
                LedgerAccount.Kind.BUDGET,
                LedgerAccount.Kind.RESERVED,
                LedgerAccount.Kind.QUOTA,
            ),
            voucher=None,
        )
        .order_by("pk")
    )


def funding_accounts_lock(program: Program) -> list[LedgerAccount]:
    """The program's funding, budget and quota accounts, locked in
    primary-key order (a budget or quota change moves money between them)."""
    return list(
        LedgerAccount.objects.select_for_update()
        .filter(
            program=program,
            kind__in=(
                LedgerAccount.Kind.FUNDING,
                LedgerAccount.Kind.BUDGET,
                LedgerAccount.Kind.QUOTA,
            ),
            voucher=None,
        )
        .order_by("pk")
    )


def voucher_lock_queryset() -> QuerySet[Voucher]:
    """Vouchers as ``voucher_lock`` locks them, for a look-up that locks
    the voucher it finds in the same query (a charge finds it by code)."""
    return Voucher.objects.select_for_update(no_key=True, of=("self",))


def voucher_lock(pk: int) -> Voucher:
    """The voucher, FOR NO KEY UPDATE: every charge and every change of a
    charge or of the voucher's status takes it first, so what is held and
    left on one voucher changes one transaction at a time while charges on
    other vouchers go on. Then the charge's row, then the voucher's accounts
    and the provider's payable account (primary-key order, in transfer)."""
    return voucher_lock_queryset().select_related("enterprise", "program").get(pk=pk)


def redemption_lock(pk: int) -> Redemption:
    """A charge, after its voucher (voucher_lock)."""
    return Redemption.objects.select_for_update(of=("self",)).get(pk=pk)


def clawback_lock(pk: int) -> Clawback:
    """A clawback, FOR UPDATE (each repayment): repayments of one clawback
    run one at a time, so they never add up past its amount. Then the
    program's repayments and recovered accounts (primary-key order, in
    transfer)."""
    return (
        Clawback.objects.select_for_update(of=("self",))
        .select_related("program", "voucher", "enterprise")
        .get(pk=pk)
    )


def reimbursement_lock(pk: int) -> Reimbursement:
    """A reimbursement, after its voucher (voucher_lock)."""
    return (
        Reimbursement.objects.select_for_update(of=("self",))
        .select_related("voucher", "enterprise", "program")
        .get(pk=pk)
    )


def statement_lock(pk: int) -> Statement:
    """A statement, FOR UPDATE (every change of it and its payment), with
    what the services read of it."""
    return (
        Statement.objects.select_for_update(of=("self",))
        .select_related("program", "provider")
        .get(pk=pk)
    )
