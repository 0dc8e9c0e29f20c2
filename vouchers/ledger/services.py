"""Writes on the ledger: one transfer, a program's appropriation, a new
voucher's funding. Each runs inside the transaction of what caused it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from config.exceptions import ApplicationError
from config.money import ZERO, is_fen_amount

from .. import error_codes
from ..lock_objects import funding_accounts_lock
from ..models import LedgerAccount, LedgerTransfer, Notice, Program, Voucher
from .selectors import funding_order

K = LedgerAccount.Kind
T = LedgerTransfer.Kind


def account(program: Program, kind: str, funding_source: str = "") -> LedgerAccount:
    """The program's account of this kind (and funding source), made if missing."""
    acc, _created = LedgerAccount.objects.get_or_create(
        program=program,
        kind=kind,
        funding_source=funding_source,
        voucher=None,
        provider=None,
    )
    return acc


def voucher_account(voucher: Voucher, kind: str = K.VOUCHER) -> LedgerAccount:
    """The voucher's own account of this kind (its balance, or what is held
    on it), made if missing; the caller holds the voucher's lock."""
    acc, _created = LedgerAccount.objects.get_or_create(
        voucher=voucher, kind=kind, defaults={"program_id": voucher.program_id}
    )
    return acc


def voucher_accounts(voucher: Voucher) -> tuple[LedgerAccount, LedgerAccount]:
    """The voucher's balance and hold accounts, in one query (the hold
    account is opened if a voucher issued before holds existed lacks it)."""
    found = {
        a.kind: a
        for a in LedgerAccount.objects.filter(
            voucher=voucher, kind__in=(K.VOUCHER, K.HELD)
        )
    }
    return (
        found.get(K.VOUCHER) or voucher_account(voucher),
        found.get(K.HELD) or voucher_account(voucher, K.HELD),
    )


def provider_account(
    program: Program | int, provider_id: int, kind: str
) -> LedgerAccount:
    """The provider's account of this kind in the program (what it is owed,
    what it was paid), made if missing."""
    program_id = program if isinstance(program, int) else program.pk
    acc, _created = LedgerAccount.objects.get_or_create(
        program_id=program_id, provider_id=provider_id, kind=kind
    )
    return acc


def transfer(
    *,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: Decimal,
    kind: str,
    key: str,
    reference: models.Model | None = None,
    actor: User | None = None,
) -> LedgerTransfer:
    """Move ``amount`` from ``debit`` to ``credit``. Call it inside the
    transaction of what caused it, with the debited account locked when its
    balance matters (lock_objects); a balance below zero is refused by the
    database. ``key`` names the operation (unique: a replay is refused by
    the database, so it cannot move the money twice)."""
    if not is_fen_amount(amount):
        raise ValueError(f"a transfer moves a positive amount in fen, not {amount!r}")
    if kind not in T.values:
        raise ValueError(f"unknown transfer kind {kind!r}")
    if not key:
        raise ValueError("every transfer names its operation (key)")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger transfers run inside the transaction of their cause")
    row = LedgerTransfer.objects.create(
        debit=debit,
        credit=credit,
        amount=amount,
        kind=kind,
        key=key,
        reference_type=reference._meta.label_lower if reference is not None else "",
        reference_id=str(reference.pk) if reference is not None else "",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Both balances in primary-key order, whichever is debited: two opposite
    # transfers between the same accounts then wait for each other instead
    # of each holding one row and waiting for the other (a deadlock).
    moves = sorted([(debit.pk, -amount), (credit.pk, amount)])
    for pk, delta in moves:
        LedgerAccount.objects.filter(pk=pk).update(balance=F("balance") + delta)
    return row


def _draw(
    pools: list[LedgerAccount],
    amount: Decimal,
    *,
    into: Callable[[LedgerAccount], LedgerAccount],
    kind: str,
    key: Callable[[LedgerAccount], str],
    reference: models.Model | None,
    actor: User | None,
) -> Decimal:
    """Take ``amount`` from ``pools`` in the order given, each up to its
    balance, into the account ``into(pool)`` names; returns what is left
    untaken (0 when the pools covered it)."""
    left = amount
    for pool in pools:
        if left <= 0:
            break
        take = min(pool.balance, left)
        if take > 0:
            transfer(
                debit=pool,
                credit=into(pool),
                amount=take,
                kind=kind,
                key=key(pool),
                reference=reference,
                actor=actor,
            )
            left -= take
    return left


@transaction.atomic
def program_fund(
    *,
    program: Program,
    budget: dict[str, Decimal],
    quotas: dict[str, Decimal] | None = None,
    actor: User | None = None,
) -> None:
    """Bring each funding source's appropriation to ``budget`` (by source):
    more money is a transfer funding → budget; less is budget → funding, as
    far as the budget is still free. A source no longer in ``budget`` goes
    back to zero. With ``quotas`` (division code → yuan), bring each
    region's allotment to its quota too: quotas cut first (back to the
    budget, as far as they are unused), then the budget, then quotas raised
    (from what the budget has free). The caller holds the program
    (lock_objects.program_lock with ``exclusive``)."""
    for source in budget:
        account(program, K.FUNDING, source)
        account(program, K.BUDGET, source)
    funding_accounts_lock(program)
    if quotas is not None:
        _quotas_adjust(program, quotas, actor=actor, raise_=False)
    locked = {
        (a.kind, a.funding_source): a
        for a in funding_accounts_lock(program)
        if a.kind != K.QUOTA
    }
    known = {source for kind, source in locked if kind == K.FUNDING}
    targets = dict.fromkeys(known, ZERO) | dict(budget)
    for source, target in sorted(targets.items()):
        funding, pool = locked[(K.FUNDING, source)], locked[(K.BUDGET, source)]
        appropriated = -funding.balance
        if target > appropriated:
            transfer(
                debit=funding,
                credit=pool,
                amount=target - appropriated,
                kind=T.BUDGET_APPROPRIATED,
                # program_fund brings the budget to a target under the
                # program's lock, so a repeat moves nothing; each move is
                # its own operation.
                key=f"{T.BUDGET_APPROPRIATED}:{program.pk}:{source}:{uuid.uuid4().hex}",
                reference=program,
                actor=actor,
            )
        elif target < appropriated:
            cut = appropriated - target
            if cut > pool.balance:
                raise ApplicationError(
                    _("The budget cannot be cut below what is already committed."),
                    field="budget",
                    code=error_codes.BUDGET_BELOW_COMMITTED,
                )
            transfer(
                debit=pool,
                credit=funding,
                amount=cut,
                kind=T.BUDGET_REDUCED,
                key=f"{T.BUDGET_REDUCED}:{program.pk}:{source}:{uuid.uuid4().hex}",
                reference=program,
                actor=actor,
            )
    if quotas is not None:
        _quotas_adjust(program, quotas, actor=actor, raise_=True)


def quota_account(program: Program, region_code: str, source: str) -> LedgerAccount:
    """The program's quota account of the division for one funding source,
    made if missing."""
    acc, _created = LedgerAccount.objects.get_or_create(
        program=program,
        kind=K.QUOTA,
        region_id=region_code,
        funding_source=source,
    )
    return acc


def quota_allotments(program: Program | int) -> dict[str, Decimal]:
    """What each division was allotted by the program's versions (allotted
    less cut back), moves between divisions left out: it follows the
    version's ``quotas`` (check_ledger proves it)."""
    program_id = program if isinstance(program, int) else program.pk
    given: dict[str, Decimal] = {}
    moves = LedgerTransfer.objects.filter(
        kind__in=(T.QUOTA_ALLOCATED, T.QUOTA_RETURNED),
        debit__program_id=program_id,
    ).values_list("kind", "amount", "credit__region_id", "debit__region_id")
    for kind, amount, to_region, from_region in moves:
        if kind == T.QUOTA_ALLOCATED:
            given[to_region] = given.get(to_region, ZERO) + amount
        else:
            given[from_region] = given.get(from_region, ZERO) - amount
    return given


def _quotas_adjust(
    program: Program, quotas: dict[str, Decimal], *, actor: User | None, raise_: bool
) -> None:
    """Cut (``raise_`` False) or raise (True) each division's allotment to
    its quota; the caller holds the program's funding, budget and quota
    accounts (lock_objects.funding_accounts_lock)."""
    given = quota_allotments(program)
    for region in sorted(set(quotas) | set(given)):
        delta = quotas.get(region, ZERO) - given.get(region, ZERO)
        if raise_ and delta > 0:
            _quota_draw(program, region, delta, actor=actor)
        elif not raise_ and delta < 0:
            _quota_cut(program, region, -delta, actor=actor)


def _fresh(
    program: Program, kind: str, region: str | None = None
) -> list[LedgerAccount]:
    """The program's accounts of ``kind`` (of one region, for quotas) as
    they are now, in funding order."""
    rows = LedgerAccount.objects.filter(program=program, kind=kind, voucher=None)
    rows = rows.filter(region_id=region) if region else rows.filter(region=None)
    return funding_order(list(rows))


def _quota_draw(
    program: Program, region: str, amount: Decimal, *, actor: User | None
) -> None:
    left = _draw(
        _fresh(program, K.BUDGET),
        amount,
        into=lambda pool: quota_account(program, region, pool.funding_source),
        kind=T.QUOTA_ALLOCATED,
        key=lambda pool: (
            f"{T.QUOTA_ALLOCATED}:{program.pk}:{region}:{uuid.uuid4().hex}"
        ),
        reference=program,
        actor=actor,
    )
    if left <= 0:
        return
    raise ApplicationError(
        _(
            "The budget has not enough free for the quota of %(region)s: "
            "%(missing)s yuan more would be needed."
        )
        % {"region": region, "missing": f"{left:,.2f}"},
        field="quotas",
        code=error_codes.BUDGET_BELOW_COMMITTED,
    )


def _quota_cut(
    program: Program, region: str, amount: Decimal, *, actor: User | None
) -> None:
    left = _draw(
        list(reversed(_fresh(program, K.QUOTA, region))),
        amount,
        into=lambda acc: account(program, K.BUDGET, acc.funding_source),
        kind=T.QUOTA_RETURNED,
        key=lambda acc: f"{T.QUOTA_RETURNED}:{program.pk}:{region}:{uuid.uuid4().hex}",
        reference=program,
        actor=actor,
    )
    if left <= 0:
        return
    raise ApplicationError(
        _("The quota of %(region)s cannot be cut below what it has committed.")
        % {"region": region},
        field="quotas",
        code=error_codes.BUDGET_BELOW_COMMITTED,
    )


def quota_transfer(
    *,
    program: Program,
    from_region: str | None,
    to_region: str | None,
    amount: Decimal,
    key: str,
    actor: User | None,
) -> None:
    """Move ``amount`` of unused quota from one division to another (None:
    the shared budget), source by source in funding order; refused when the
    division has less unused. The caller holds the program's accounts."""
    sources = (
        _fresh(program, K.QUOTA, from_region)
        if from_region
        else _fresh(program, K.BUDGET)
    )
    left = _draw(
        sources,
        amount,
        into=lambda acc: (
            quota_account(program, to_region, acc.funding_source)
            if to_region
            else account(program, K.BUDGET, acc.funding_source)
        ),
        kind=T.QUOTA_MOVED,
        key=lambda acc: f"{key}:{acc.pk}",
        reference=program,
        actor=actor,
    )
    if left <= 0:
        return
    raise ApplicationError(
        _("Only %(free)s yuan of it is unused: move no more than that.")
        % {"free": f"{amount - left:,.2f}"},
        field="amount",
        code=error_codes.QUOTA_UNUSED,
    )


def voucher_fund(
    *,
    voucher: Voucher,
    amount: Decimal,
    pools: list[LedgerAccount],
    actor: User | None = None,
) -> LedgerAccount:
    """Move ``amount`` from the (locked) budget pools into the voucher's new
    account, drawing the pools in the order given (selectors.funding_order).
    The voucher's hold account is opened beside it."""
    acc = LedgerAccount.objects.create(
        program=voucher.program, kind=K.VOUCHER, voucher=voucher
    )
    LedgerAccount.objects.create(program=voucher.program, kind=K.HELD, voucher=voucher)
    left = _draw(
        pools,
        amount,
        into=lambda pool: acc,
        kind=T.VOUCHER_ISSUED,
        key=lambda pool: f"{T.VOUCHER_ISSUED}:{voucher.pk}:{pool.pk}",
        reference=voucher,
        actor=actor,
    )
    if left > 0:
        # The caller checked the budget under lock; this only guards a bug.
        raise ApplicationError(
            _("The program's budget is used up."), code=error_codes.BUDGET_EXHAUSTED
        )
    return acc


def voucher_release(
    *,
    voucher: Voucher,
    amount: Decimal,
    cause: str,
    reference: models.Model | None = None,
    actor: User | None = None,
) -> None:
    """Move ``amount`` of a closed (expired or revoked) voucher's balance
    back to the program budget: to the pools it was issued from, the last
    drawn first, each up to what it gave and has not had back (so each
    funding source gets back its own money). ``cause`` names the operation
    within the voucher (``expiry``, ``revocation``, ``charge:42``), so a
    replay is refused. The caller holds the voucher's lock."""
    if amount <= 0:
        return
    acc = voucher_account(voucher)
    given: dict[int, Decimal] = {}
    for t in LedgerTransfer.objects.filter(credit=acc, kind=T.VOUCHER_ISSUED).order_by(
        "pk"
    ):
        given[t.debit_id] = given.get(t.debit_id, ZERO) + t.amount
    for t in LedgerTransfer.objects.filter(debit=acc, kind=T.VOUCHER_RELEASED):
        given[t.credit_id] = given.get(t.credit_id, ZERO) - t.amount
    pools = {a.pk: a for a in LedgerAccount.objects.filter(pk__in=list(given))}
    left = amount
    for pool_id in reversed(list(given)):
        back = min(given[pool_id], left)
        if back <= 0:
            continue
        transfer(
            debit=acc,
            credit=pools[pool_id],
            amount=back,
            kind=T.VOUCHER_RELEASED,
            key=f"{T.VOUCHER_RELEASED}:{voucher.pk}:{cause}:{pool_id}",
            reference=reference if reference is not None else voucher,
            actor=actor,
        )
        left -= back
        if left <= 0:
            break
    if left > 0:
        # Everything on a voucher was issued into it: only a bug gets here.
        raise RuntimeError(f"voucher {voucher.pk}: {left} to release has no pool")


def notice_reserve(
    *,
    notice: Notice,
    pools: list[LedgerAccount],
    actor: User | None = None,
) -> None:
    """Reserve the notice's amount: from the (locked) budget pools, in the
    order given (selectors.funding_order), into the program's reserved
    account of the same funding source. The caller holds the program's
    budget and reserved accounts (lock_objects.notice_accounts_lock)."""
    left = _draw(
        pools,
        notice.amount,
        into=lambda pool: account(notice.program, K.RESERVED, pool.funding_source),
        kind=T.NOTICE_RESERVED,
        key=lambda pool: f"{T.NOTICE_RESERVED}:{notice.pk}:{pool.pk}",
        reference=notice,
        actor=actor,
    )
    if left > 0:
        # The caller checked the budget under lock; this only guards a bug.
        raise ApplicationError(
            _("The program's budget is used up."), code=error_codes.BUDGET_EXHAUSTED
        )


def notice_release(*, notice: Notice, actor: User | None = None) -> None:
    """Give the notice's reservation back to the budget pools it came from
    (when the notice ends: to issue the voucher from them, or because an
    objection was upheld). Once per notice: the transfer keys refuse a
    replay. The caller holds the program's budget and reserved accounts."""
    moves = LedgerTransfer.objects.filter(
        kind=T.NOTICE_RESERVED,
        reference_type=notice._meta.label_lower,
        reference_id=str(notice.pk),
    ).select_related("debit", "credit")
    for move in moves.order_by("pk"):
        transfer(
            debit=move.credit,
            credit=move.debit,
            amount=move.amount,
            kind=T.NOTICE_RELEASED,
            key=f"{T.NOTICE_RELEASED}:{notice.pk}:{move.debit_id}",
            reference=notice,
            actor=actor,
        )
