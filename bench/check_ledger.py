"""Benchmark: ``check_ledger`` (also ``manage.py check_ledger``) over a large
ledger that holds, each of its checks timed on its own, and a corrupted
balance found at that scale.

Run by hand against a scratch database whose name contains "bench"::

    createdb -h 127.0.0.1 -U postgres voucher_bench_ledger
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucher_bench_ledger \\
        .venv/bin/python bench/check_ledger.py --vouchers 100000 --charges 500000
    dropdb -h 127.0.0.1 -U postgres voucher_bench_ledger

Set-up (once per database; a rerun with the same sizes adds nothing), each
record of the shape the services write (transfer kinds, keys, references,
accounts), so that ``check_ledger`` reports no problem:

- the departments and the demo programs (ZJ-MODEL-2026 allots three city
  quotas when it opens); ``--providers`` approved compute providers, each
  with an offering;
- BENCH-QUOTA-2026, a province program with a five-day public notice and
  quotas for ten of Zhejiang's eleven cities (Lishui has none), made
  through the services: created, opened (budget appropriated, quotas
  allotted), a four-eyes version 2 that raises Hangzhou's quota and cuts
  Zhoushan's, and a quota move from Ningbo to Wenzhou (left out of the
  allotments);
- ``--vouchers`` vouchers (bulk inserts in transactions of 2,000, each with
  its own enterprise and approved application), every fifth on
  BENCH-QUOTA-2026 (drawn from the enterprise's city quota, then the
  shared budget, split between the two when the quota runs out, each after
  an issued notice whose reservation was returned), the others on
  HZ-COMPUTE-2026 (its budget topped up by a ledger transfer when short);
  face values from 10,000 to 190,000 yuan. 3% of them expired and 1%
  revoked: their pending charges voided and the amount released, then the
  rest of the balance released to the pools they came from, the last drawn
  first;
- ``--charges`` charges spread unevenly over the vouchers (the provider of
  the voucher's application), each held on its voucher, then about 85%
  confirmed (payable to the provider), 8% voided, 5% pending and 2%
  disputed;
- ``--notices`` running public notices on BENCH-QUOTA-2026 with their
  reservations in the program's reserved account, and a quarter as many
  rejected after an objection (reserved and returned);
- monthly statements of the confirmed charges for every provider and
  program (``statement_build``), all but the last two months approved and
  paid through the services (``statement_approve``, ``statement_pay``);
  the provider's reconciliation upload before approval is skipped.

Not written: reimbursements and clawbacks (their checks run over empty
tables), the invoice register rows of the charges and the audit trail of the
bulk rows. The tables are analysed (``VACUUM ANALYZE``) after the set-up.

Then ``check_ledger()`` is timed as a whole and each of its checks on its
own (the private generators it calls, in its order), ``--repeat`` times
each (median, min and max); and one voucher's cached balance is raised by
0.01 in a transaction that is rolled back, where ``check_ledger`` must find
exactly what follows from it: that account's cached balance, its program's
zero sum and its voucher's parts. Exits 1 when the whole check takes more
than 30 s, the clean ledger has a problem, or the corruption is not found
exactly.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.roles import Role  # noqa: E402
from bench.redemption import (  # noqa: E402  (sets Django up)
    PROGRAM,
    compute_seller,
    refuse_unless_bench_database,
)
from enterprises.models import (  # noqa: E402
    Department,
    Enterprise,
    Membership,
    Provider,
    Region,
)
from enterprises.services import department_ensure_all  # noqa: E402
from enterprises.uscc import make_uscc  # noqa: E402
from vouchers.demo.programs import (  # noqa: E402
    EFFECTIVE_FROM,
    demo_program_specs,
    load_demo_programs,
)
from vouchers.issuance import codes  # noqa: E402
from vouchers.issuance.selectors import quota_region  # noqa: E402
from vouchers.ledger import checks  # noqa: E402
from vouchers.ledger.selectors import funding_order  # noqa: E402
from vouchers.ledger.services import account, provider_account  # noqa: E402
from vouchers.models import (  # noqa: E402
    Application,
    LedgerAccount,
    LedgerTransfer,
    Notice,
    Payment,
    Program,
    Redemption,
    Statement,
    Voucher,
)
from vouchers.programs import services as programs  # noqa: E402
from vouchers.programs.selectors import program_version_at  # noqa: E402
from vouchers.settlement import services as settlement  # noqa: E402
from vouchers.settlement.periods import period_containing  # noqa: E402

K = LedgerAccount.Kind
T = LedgerTransfer.Kind
R = Redemption.Status
V = Voucher.Status
N = Notice.Status

QUOTA_PROGRAM = "BENCH-QUOTA-2026"
NAME_PREFIX = "账本基准企业"
NOTICE_PREFIX = "公示基准企业"
EVERY_QUOTA = 5  # every fifth voucher is on the quota program
CHUNK = 2000
BATCH = 5000
LIMIT_SECONDS = 30
SLOW_SECONDS = 5
SEED = 20261208
AVERAGE_FACE = Decimal("100000.00")
MAX_FACE = Decimal("190999.50")
FEN = Decimal("0.01")
# A county of each of Zhejiang's cities (enterprises/data/zhejiang_divisions.csv).
COUNTIES = {
    "330100": "330106",
    "330200": "330203",
    "330300": "330302",
    "330400": "330402",
    "330500": "330502",
    "330600": "330602",
    "330700": "330702",
    "330800": "330802",
    "330900": "330902",
    "331000": "331002",
    "331100": "331102",
}
NO_QUOTA = "331100"  # Lishui: no quota, its enterprises draw on the shared budget
HANGZHOU_COUNTIES = ("330102", "330105", "330106", "330108", "330110")
LABEL = {
    "voucher": Voucher._meta.label_lower,
    "redemption": Redemption._meta.label_lower,
    "notice": Notice._meta.label_lower,
}
# The checks check_ledger runs, in its order (read from its source, so a new
# check is timed without touching this script).
CHECKS: list[str] = re.findall(r"\*(_\w+)\(\)", inspect.getsource(checks.check_ledger))


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# -- people, providers, programs ---------------------------------------------------


def ensure_people() -> tuple:
    """The applicant who made the applications, and two program managers of
    the province (four eyes for the version change)."""
    users = get_user_model().objects
    applicant, _ = users.get_or_create(email="bench-ledger-applicant@example.com")
    department = Department.objects.get(region_id="330000")
    managers = []
    for n in (1, 2):
        user, _ = users.get_or_create(email=f"bench-ledger-manager{n}@example.com")
        Membership.objects.get_or_create(
            user=user, role=Role.PROGRAM_MANAGER, department=department
        )
        managers.append(user)
    return applicant, managers[0], managers[1]


@dataclass(frozen=True)
class Seller:
    pk: int
    uscc: str
    offering: int
    unit: str


def ensure_providers(count: int) -> list[Seller]:
    sellers = []
    for i in range(count):
        provider, offering = compute_seller(
            f"LP{i:06d}", f"账本基准算力{i:02d}有限公司"
        )
        sellers.append(Seller(provider.pk, provider.uscc, offering.pk, offering.unit))
    return sellers


def ensure_quota_program(vouchers: int, notices: int, managers: tuple) -> Program:
    """BENCH-QUOTA-2026 through the services, sized for ``vouchers``: the
    cities' quotas from 60% to 150% of what their vouchers need (the first
    ones fall back on the shared budget, the last keep some unused), the
    budget 1.4 times the need plus the notices."""
    found = Program.objects.filter(code=QUOTA_PROGRAM).first()
    if found is not None:
        return found
    first, second = managers
    need = AVERAGE_FACE * (vouchers // EVERY_QUOTA + 1)
    per_city = fen(need / len(COUNTIES))
    quotas = {
        city: fen(per_city * (Decimal("0.6") + Decimal("0.1") * i))
        for i, city in enumerate(c for c in sorted(COUNTIES) if c != NO_QUOTA)
    }
    budget = fen(need * Decimal("1.4") + MAX_FACE * notices * 2)
    spec = next(s for s in demo_program_specs() if s["code"] == PROGRAM)
    params = {
        **spec["params"],
        "budget": {"province": str(budget)},
        "quotas": {k: str(v) for k, v in quotas.items()},
        "quota_shared_pool": True,
        "public_notice_days": 5,
    }
    program = programs.program_create(
        code=QUOTA_PROGRAM,
        name_zh="账本基准算力券",
        name_en="Ledger benchmark compute voucher",
        kind="compute",
        region=Region.objects.get(code="330000"),
        params=params,
        actor=first,
        effective_from=EFFECTIVE_FROM,
    )
    programs.program_set_status(
        program=program, to_status=Program.Status.OPEN, actor=first
    )
    changed = dict(quotas)
    changed["330100"] = fen(quotas["330100"] * Decimal("1.25"))  # Hangzhou raised
    changed["330900"] = fen(quotas["330900"] * Decimal("0.75"))  # Zhoushan cut
    with mock.patch("vouchers.programs.tasks.program_change_impact.delay"):
        change = programs.program_change_propose(
            program=program,
            params={**params, "quotas": {k: str(v) for k, v in changed.items()}},
            actor=first,
            note="基准：调整杭州、舟山额度",
        )
    programs.program_change_approve(change=change, actor=second)
    programs.program_quota_move(
        program=program,
        from_region="330200",
        to_region="330300",
        amount=fen(per_city / 10),
        reason="基准：宁波未用额度调给温州",
        actor=first,
    )
    return program


def top_up_hangzhou(program: Program, need: Decimal) -> None:
    """Enough in the Hangzhou program's budget for ``need`` more (a ledger
    transfer from its funding source, as bench/audit_report.py does)."""
    [pool] = LedgerAccount.objects.filter(program=program, kind=K.BUDGET)
    if pool.balance >= need:
        return
    funding = LedgerAccount.objects.get(
        program=program, kind=K.FUNDING, funding_source=pool.funding_source
    )
    amount = fen(need - pool.balance + AVERAGE_FACE * 100)
    with transaction.atomic():
        LedgerTransfer.objects.create(
            debit=funding,
            credit=pool,
            amount=amount,
            kind=T.BUDGET_APPROPRIATED,
            key=f"bench-ledger-top-up:{timezone.now().timestamp()}",
            reference_type=Program._meta.label_lower,
            reference_id=str(program.pk),
        )
        LedgerAccount.objects.filter(pk=funding.pk).update(
            balance=F("balance") - amount
        )
        LedgerAccount.objects.filter(pk=pool.pk).update(balance=F("balance") + amount)


# -- the pools a voucher or a notice draws on --------------------------------------


class Pools:
    """The programs' budget, quota and reserved accounts with their balances,
    read at the start of a transaction, drawn on as the services do
    (ledger.services._draw), and written back as one update per account."""

    def __init__(self, programs_: Iterable[Program]):
        self.rows = {
            a.pk: a
            for a in LedgerAccount.objects.filter(
                program__in=list(programs_),
                kind__in=(K.BUDGET, K.QUOTA, K.RESERVED),
                voucher=None,
            )
        }
        self.balance = {pk: a.balance for pk, a in self.rows.items()}
        self.start = dict(self.balance)
        self.quotas = {p.pk: program_version_at(p).parsed().quotas for p in programs_}

    def order(self, program: Program, county: str) -> list[int]:
        """The pools a final approval of an enterprise of ``county`` draws
        on (issuance.selectors.draw_pools, the shared pool kept)."""
        rows = [a for a in self.rows.values() if a.program_id == program.pk]
        region = quota_region(self.quotas[program.pk], county)
        quota = [a for a in rows if a.kind == K.QUOTA and a.region_id == region]
        shared = [a for a in rows if a.kind == K.BUDGET]
        return [a.pk for a in funding_order(quota) + funding_order(shared)]

    def reserved(self, program: Program, pool: int) -> int:
        source = self.rows[pool].funding_source
        found = [
            a.pk
            for a in self.rows.values()
            if a.program_id == program.pk
            and a.kind == K.RESERVED
            and a.funding_source == source
        ]
        if not found:
            acc = account(program, K.RESERVED, source)
            self.rows[acc.pk] = acc
            self.balance[acc.pk] = self.start[acc.pk] = acc.balance
            return acc.pk
        return found[0]

    def draw(self, order: list[int], amount: Decimal) -> list[tuple[int, Decimal]]:
        taken, left = [], amount
        for pk in order:
            take = min(self.balance[pk], left)
            if take > 0:
                self.balance[pk] -= take
                taken.append((pk, take))
                left -= take
            if left <= 0:
                break
        if left > 0:
            raise RuntimeError(f"the pools {order} are {left} short: raise the budget")
        return taken

    def give(self, pk: int, amount: Decimal) -> None:
        self.balance[pk] += amount

    def save(self) -> None:
        for pk, balance in self.balance.items():
            if balance != self.start[pk]:
                LedgerAccount.objects.filter(pk=pk).update(
                    balance=F("balance") + (balance - self.start[pk])
                )


# -- vouchers and their charges ----------------------------------------------------


@dataclass
class ChargePlan:
    amount: Decimal
    status: str
    at: datetime
    decided_at: datetime | None
    closed_void: bool = False  # voided when its voucher closed (amount released)


@dataclass
class VoucherPlan:
    n: int
    program: Program
    county: str
    face: Decimal
    status: str
    seller: Seller
    issued_at: datetime
    expires_on: date
    closed_at: datetime | None
    charges: list[ChargePlan]
    draws: list[tuple[int, Decimal]] = field(default_factory=list)
    remaining: Decimal = Decimal("0")
    held: Decimal = Decimal("0")


def face_of(n: int) -> Decimal:
    return Decimal(10000 * (1 + (n * 7) % 19) + (n * 37) % 1000) + Decimal(
        "0.50" if n % 2 else "0.00"
    )


def charge_counts(vouchers: int, charges: int) -> list[int]:
    """``charges`` spread over ``vouchers``: the even share, moved in pairs
    (from none to twice the share per voucher), with a fixed seed."""
    base, extra = divmod(charges, vouchers)
    counts = [base + (1 if n < extra else 0) for n in range(vouchers)]
    rng = random.Random(SEED)
    for n in range(0, vouchers - 1, 2):
        move = rng.randint(-counts[n], counts[n + 1])
        counts[n] += move
        counts[n + 1] -= move
    return counts


def plan_voucher(
    n: int, count: int, program: Program, county: str, seller: Seller, now: datetime
) -> VoucherPlan:
    rng = random.Random(SEED + n)
    face = face_of(n)
    status = V.EXPIRED if n % 100 < 3 else V.REVOKED if n % 100 == 3 else V.ACTIVE
    if status == V.EXPIRED:
        issued_at = now - timedelta(days=380 + n % 20)
        closed_at: datetime | None = issued_at + timedelta(days=366)
    else:
        issued_at = now - timedelta(days=20 + (n * 13) % 300)
        closed_at = issued_at + (now - issued_at) / 2 if status == V.REVOKED else None
    end = closed_at or now
    spend = face if n % 10 == 0 else fen(face * Decimal(str(rng.uniform(0.3, 0.95))))
    weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
    amounts = [fen(spend * Decimal(str(w / sum(weights)))) for w in weights[:-1]]
    if count:
        amounts.append(spend - sum(amounts, Decimal("0")))
    if any(a <= 0 for a in amounts):
        raise SystemExit(f"voucher {n}: {count} charges are too many for {face} yuan")
    charges = []
    for j, amount in enumerate(amounts):
        at = issued_at + (end - issued_at) * (j + 1) / (count + 1)
        draw = rng.random()
        if draw < 0.85:
            charges.append(
                ChargePlan(amount, R.CONFIRMED, at, min(at + timedelta(days=3), end))
            )
        elif draw < 0.93:
            charges.append(
                ChargePlan(amount, R.VOIDED, at, min(at + timedelta(days=1), end))
            )
        elif draw < 0.98:
            if status == V.ACTIVE:
                at = now - timedelta(hours=j + 1)
                charges.append(ChargePlan(amount, R.PENDING, at, None))
            else:
                charges.append(ChargePlan(amount, R.VOIDED, at, end, closed_void=True))
        else:
            charges.append(ChargePlan(amount, R.DISPUTED, at, None))
    return VoucherPlan(
        n=n,
        program=program,
        county=county,
        face=face,
        status=status,
        seller=seller,
        issued_at=issued_at,
        expires_on=(issued_at + timedelta(days=365)).date(),
        closed_at=closed_at,
        charges=charges,
    )


class Moves:
    """Appends the transfers of one cause (a voucher, a charge, a notice) as
    ledger.services.transfer writes them: the key is the kind and what
    names the operation, the reference is the cause."""

    def __init__(self, into: list[LedgerTransfer], reference: str, pk: int):
        self.into, self.reference, self.pk = into, LABEL[reference], str(pk)

    def __call__(
        self, kind: str, debit: int, credit: int, amount: Decimal, name: object
    ) -> None:
        self.into.append(
            LedgerTransfer(
                debit_id=debit,
                credit_id=credit,
                amount=amount,
                kind=kind,
                key=f"{kind}:{name}",
                reference_type=self.reference,
                reference_id=self.pk,
            )
        )


class Releases:
    """What a closed voucher gives back, pool by pool
    (ledger.services.voucher_release): to the pools it was issued from, the
    last drawn first, each up to what it gave and has not had back."""

    def __init__(self, draws: list[tuple[int, Decimal]]):
        self.given: dict[int, Decimal] = {}
        for pool, amount in draws:
            self.given[pool] = self.given.get(pool, Decimal("0")) + amount

    def back(self, amount: Decimal) -> list[tuple[int, Decimal]]:
        moves, left = [], amount
        for pool in reversed(list(self.given)):
            back = min(self.given[pool], left)
            if back <= 0:
                continue
            self.given[pool] -= back
            moves.append((pool, back))
            left -= back
            if left <= 0:
                break
        assert left <= 0, "a release beyond what was issued"
        return moves


def make_vouchers(
    plans: list[VoucherPlan],
    pools: Pools,
    payable: dict[tuple[int, int], int],
    people: tuple,
) -> None:
    """One transaction's vouchers: enterprises, applications, vouchers, the
    notices of a program with one, accounts, charges and every transfer."""
    applicant, manager, _second = people
    for plan in plans:
        plan.draws = pools.draw(pools.order(plan.program, plan.county), plan.face)
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=make_uscc(p.county, f"K{p.n:07d}"),
                name=f"{NAME_PREFIX}{p.n:07d}有限公司",
                region_id=p.county,
                industry_code="I65",
                employees=45,
                revenue=Decimal("12000000.00"),
                total_assets=Decimal("5000000.00"),
                size_class="small",
            )
            for p in plans
        ]
    )
    apps = Application.objects.bulk_create(
        [
            Application(
                program=p.program,
                enterprise=e,
                created_by=applicant,
                status=Application.Status.APPROVED,
                number=f"BCL-{p.n:07d}",
                contract_number=f"BCL-{p.n:07d}",
                provider_id=p.seller.pk,
                offering_id=p.seller.offering,
                requested_subsidy=p.face,
                submitted_at=p.issued_at - timedelta(days=15),
                decided_at=p.issued_at,
                draft={},
            )
            for p, e in zip(plans, enterprises, strict=True)
        ]
    )
    vouchers = Voucher.objects.bulk_create(
        [
            Voucher(
                code=codes.generate(),
                application=a,
                enterprise=a.enterprise,
                program=p.program,
                face_value=p.face,
                issued_at=p.issued_at,
                expires_on=p.expires_on,
                status=p.status,
                closed_at=p.closed_at,
                closed_by=manager if p.status == V.REVOKED else None,
                close_reason="基准：撤销" if p.status == V.REVOKED else "",
            )
            for p, a in zip(plans, apps, strict=True)
        ]
    )
    noticed = {
        program.pk: program_version_at(program).parsed().public_notice_days > 0
        for program in {p.program for p in plans}
    }
    with_notice = [
        (p, a, v)
        for p, a, v in zip(plans, apps, vouchers, strict=True)
        if noticed[p.program.pk]
    ]
    notices = Notice.objects.bulk_create(
        [
            Notice(
                application=a,
                program=p.program,
                amount=p.face,
                starts_on=(p.issued_at - timedelta(days=8)).date(),
                ends_on=(p.issued_at - timedelta(days=1)).date(),
                status=N.ISSUED,
                approved_by=manager,
                closed_at=p.issued_at,
                voucher=v,
            )
            for p, a, v in with_notice
        ]
    )
    notice_of = {
        v.pk: notice for (_p, _a, v), notice in zip(with_notice, notices, strict=True)
    }

    # Balances as the services leave them: remaining, held, payable.
    for plan in plans:
        spent = sum(
            (c.amount for c in plan.charges if c.status != R.VOIDED), Decimal("0")
        )
        plan.held = sum(
            (c.amount for c in plan.charges if c.status in (R.PENDING, R.DISPUTED)),
            Decimal("0"),
        )
        plan.remaining = plan.face - spent if plan.status == V.ACTIVE else Decimal("0")
    accounts = LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(program=p.program, kind=kind, voucher=v, balance=balance)
            for p, v in zip(plans, vouchers, strict=True)
            for kind, balance in ((K.VOUCHER, p.remaining), (K.HELD, p.held))
        ]
    )
    own = {(a.voucher_id, a.kind): a.pk for a in accounts}
    charges = Redemption.objects.bulk_create(
        [
            Redemption(
                voucher=v,
                program=p.program,
                enterprise_id=v.enterprise_id,
                provider_id=p.seller.pk,
                offering_id=p.seller.offering,
                quantity=c.amount / 10,
                unit=p.seller.unit,
                unit_price=Decimal("10.0000"),
                list_price=Decimal("10.0000"),
                amount=c.amount,
                period_start=c.at.date(),
                period_end=c.at.date(),
                invoice_issuer=p.seller.uscc,
                invoice_number=f"BCL{p.n:07d}-{j:03d}",
                status=c.status,
                confirm_by=c.at + timedelta(days=7),
                decided_at=c.decided_at,
                dispute_reason="基准：金额有误" if c.status == R.DISPUTED else "",
            )
            for p, v in zip(plans, vouchers, strict=True)
            for j, c in enumerate(p.charges)
        ],
        batch_size=BATCH,
    )

    moves: list[LedgerTransfer] = []
    owed: dict[int, Decimal] = {}
    rows = iter(charges)
    for plan, voucher in zip(plans, vouchers, strict=True):
        remaining, held = own[(voucher.pk, K.VOUCHER)], own[(voucher.pk, K.HELD)]
        notice = notice_of.get(voucher.pk)
        if notice is not None:
            # Reserved while the notice ran, given back when it ended, then
            # issued from the same pools (notice.services._issue).
            add = Moves(moves, "notice", notice.pk)
            for pool, amount in plan.draws:
                into, name = pools.reserved(plan.program, pool), f"{notice.pk}:{pool}"
                add(T.NOTICE_RESERVED, pool, into, amount, name)
            for pool, amount in plan.draws:
                into, name = pools.reserved(plan.program, pool), f"{notice.pk}:{pool}"
                add(T.NOTICE_RELEASED, into, pool, amount, name)
        add = Moves(moves, "voucher", voucher.pk)
        for pool, amount in plan.draws:
            add(T.VOUCHER_ISSUED, pool, remaining, amount, f"{voucher.pk}:{pool}")
        payable_id = payable[(plan.program.pk, plan.seller.pk)]
        voided_at_close = []
        for c in plan.charges:
            row = next(rows)
            add = Moves(moves, "redemption", row.pk)
            add(T.CHARGE_HELD, remaining, held, c.amount, row.pk)
            if c.status == R.CONFIRMED:
                owed[payable_id] = owed.get(payable_id, Decimal("0")) + c.amount
                add(T.CHARGE_CONFIRMED, held, payable_id, c.amount, row.pk)
            elif c.closed_void:
                voided_at_close.append((c, row))
            elif c.status == R.VOIDED:
                add(T.CHARGE_VOIDED, held, remaining, c.amount, row.pk)
        if plan.status == V.ACTIVE:
            continue
        # lifecycle.services._close: the voucher closed first, so each
        # pending charge voided then releases its own amount
        # (redemption.services._void); then what is left goes.
        releases = Releases(plan.draws)
        left = plan.face
        for c in plan.charges:
            if c.status != R.VOIDED:
                left -= c.amount
        for c, row in voided_at_close:
            add = Moves(moves, "redemption", row.pk)
            add(T.CHARGE_VOIDED, held, remaining, c.amount, row.pk)
            for pool, back in releases.back(c.amount):
                pools.give(pool, back)
                suffix = f"{voucher.pk}:charge:{row.pk}:{pool}"
                add(T.VOUCHER_RELEASED, remaining, pool, back, suffix)
            left -= c.amount
        add = Moves(moves, "voucher", voucher.pk)
        for pool, back in releases.back(left):
            pools.give(pool, back)
            suffix = f"{voucher.pk}:{plan.status}:{pool}"
            add(T.VOUCHER_RELEASED, remaining, pool, back, suffix)
    LedgerTransfer.objects.bulk_create(moves, batch_size=BATCH)
    for pk, amount in owed.items():
        LedgerAccount.objects.filter(pk=pk).update(balance=F("balance") + amount)
    pools.save()


def ensure_vouchers(
    target: int,
    charges: int,
    hangzhou: Program,
    quota: Program,
    sellers: list[Seller],
    people: tuple,
) -> None:
    """``target`` vouchers with their charges, in transactions of CHUNK (a
    rerun goes on from the last one committed)."""
    have = Voucher.objects.filter(enterprise__name__startswith=NAME_PREFIX).count()
    if have >= target:
        return
    counts = charge_counts(target, charges)
    now = timezone.now()
    payable = {
        (p.pk, s.pk): provider_account(p, s.pk, K.PROVIDER_PAYABLE).pk
        for p in (hangzhou, quota)
        for s in sellers
    }
    cities = sorted(COUNTIES)

    def plan(n: int) -> VoucherPlan:
        seller = sellers[random.Random(SEED - n).randrange(len(sellers))]
        if n % EVERY_QUOTA == EVERY_QUOTA - 1:
            county = COUNTIES[cities[(n // EVERY_QUOTA) % len(cities)]]
            return plan_voucher(n, counts[n], quota, county, seller, now)
        county = HANGZHOU_COUNTIES[n % len(HANGZHOU_COUNTIES)]
        return plan_voucher(n, counts[n], hangzhou, county, seller, now)

    hangzhou_need = sum(
        (face_of(n) for n in range(have, target) if n % EVERY_QUOTA != EVERY_QUOTA - 1),
        Decimal("0"),
    )
    top_up_hangzhou(hangzhou, hangzhou_need)
    started = time.perf_counter()
    for first in range(have, target, CHUNK):
        plans = [plan(n) for n in range(first, min(first + CHUNK, target))]
        with transaction.atomic():
            make_vouchers(plans, Pools((hangzhou, quota)), payable, people)
        done = first + len(plans)
        if done % (CHUNK * 10) == 0 or done == target:
            print(f"  {done} vouchers ({time.perf_counter() - started:.0f} s)")


# -- notices still running, and rejected ---------------------------------------------


def ensure_open_notices(program: Program, running: int, people: tuple) -> None:
    """``running`` notices in public notice now, their amounts reserved, and
    a quarter as many rejected after an objection (reserved, then returned
    to the pools by notice_release); their applications in notice or
    rejected. One transaction."""
    target = running + running // 4
    have = Notice.objects.filter(
        application__enterprise__name__startswith=NOTICE_PREFIX
    ).count()
    if have >= target:
        return
    applicant, manager, _second = people
    today = timezone.localdate()
    cities = sorted(COUNTIES)
    # Every fifth one (n % 5 == 4) was rejected, until a quarter of the
    # running ones are.
    kinds = [
        N.REJECTED if n % 5 == 4 and n // 5 < running // 4 else N.IN_NOTICE
        for n in range(target)
    ]
    numbers = range(have, target)
    with transaction.atomic():
        pools = Pools([program])
        counties = [COUNTIES[cities[n % len(cities)]] for n in numbers]
        enterprises = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    uscc=make_uscc(county, f"M{n:07d}"),
                    name=f"{NOTICE_PREFIX}{n:07d}有限公司",
                    region_id=county,
                    industry_code="I65",
                    employees=30,
                    revenue=Decimal("8000000.00"),
                    total_assets=Decimal("3000000.00"),
                    size_class="small",
                )
                for n, county in zip(numbers, counties, strict=True)
            ]
        )
        apps = Application.objects.bulk_create(
            [
                Application(
                    program=program,
                    enterprise=e,
                    created_by=applicant,
                    status=Application.Status.REJECTED
                    if kinds[n] == N.REJECTED
                    else Application.Status.IN_NOTICE,
                    number=f"BCN-{n:07d}",
                    contract_number=f"BCN-{n:07d}",
                    requested_subsidy=face_of(n),
                    draft={},
                )
                for n, e in zip(numbers, enterprises, strict=True)
            ]
        )
        now = timezone.now()
        notices = Notice.objects.bulk_create(
            [
                Notice(
                    application=a,
                    program=program,
                    amount=face_of(n),
                    starts_on=today - timedelta(days=2),
                    ends_on=today + timedelta(days=5),
                    status=kinds[n],
                    approved_by=manager,
                    closed_at=now if kinds[n] == N.REJECTED else None,
                )
                for n, a in zip(numbers, apps, strict=True)
            ]
        )
        moves: list[LedgerTransfer] = []
        for n, county, notice in zip(numbers, counties, notices, strict=True):
            add = Moves(moves, "notice", notice.pk)
            draws = pools.draw(pools.order(program, county), notice.amount)
            for pool, amount in draws:
                into = pools.reserved(program, pool)
                pools.give(into, amount)
                add(T.NOTICE_RESERVED, pool, into, amount, f"{notice.pk}:{pool}")
            if kinds[n] != N.REJECTED:
                continue
            # An objection upheld: notice_release gives it back.
            for pool, amount in draws:
                into = pools.reserved(program, pool)
                pools.give(into, -amount)
                pools.give(pool, amount)
                add(T.NOTICE_RELEASED, into, pool, amount, f"{notice.pk}:{pool}")
        LedgerTransfer.objects.bulk_create(moves, batch_size=BATCH)
        pools.save()


# -- statements and their payment ----------------------------------------------------


def ensure_statements(programs_: Iterable[Program], people: tuple) -> None:
    """Every program's and provider's monthly statements of its confirmed
    charges (settlement.services.statement_build, month by month from the
    first charge), all but the last two months approved and paid by a
    program manager through the services."""
    _applicant, manager, _second = people
    today = timezone.localdate()
    for program in programs_:
        months = program_version_at(program).parsed().statement_months
        current, _end = period_containing(today, months)
        first = (
            Redemption.objects.filter(program=program, status=R.CONFIRMED)
            .order_by("decided_at")
            .values_list("decided_at", flat=True)
            .first()
        )
        if first is None:
            continue
        providers = Provider.objects.filter(
            pk__in=Redemption.objects.filter(program=program).values("provider_id")
        ).order_by("pk")
        periods = []
        start, end = period_containing(timezone.localdate(first), months)
        while start < current:
            periods.append((start, end))
            start, end = period_containing(end + timedelta(days=1), months)
        for provider in providers:
            for start, end in periods:
                settlement.statement_build(
                    program=program,
                    provider=provider,
                    period_start=start,
                    period_end=end,
                )
        to_pay = Statement.objects.filter(
            program=program,
            period_end__lt=periods[-2][0] if len(periods) > 1 else start,
        ).exclude(status=Statement.Status.PAID)
        for statement in to_pay.order_by("pk"):
            if statement.status == Statement.Status.OPEN:
                # The provider's reconciliation upload is skipped.
                Statement.objects.filter(pk=statement.pk).update(
                    status=Statement.Status.SUBMITTED, submitted_at=timezone.now()
                )
                statement.refresh_from_db()
            if statement.status == Statement.Status.SUBMITTED:
                statement = settlement.statement_approve(
                    statement=statement, user=manager
                )
            settlement.statement_pay(
                statement=statement,
                user=manager,
                reference=f"BENCH-LEDGER-{statement.pk}",
                paid_on=today,
                amount=statement.total,
            )


# -- the measurements ----------------------------------------------------------------


def timed(run: Callable[[], Iterable]) -> tuple[float, list]:
    started = time.perf_counter()
    found = list(run())
    return time.perf_counter() - started, found


def counts() -> dict[str, int]:
    return {
        "vouchers": Voucher.objects.count(),
        "accounts": LedgerAccount.objects.count(),
        "transfers": LedgerTransfer.objects.count(),
        "charges": Redemption.objects.count(),
        "notices": Notice.objects.count(),
        "running notices": Notice.objects.filter(status=N.IN_NOTICE).count(),
        "quota accounts": LedgerAccount.objects.filter(kind=K.QUOTA).count(),
        "statements": Statement.objects.count(),
        "payments": Payment.objects.count(),
    }


def corrupted_run() -> tuple[bool, float, list]:
    """Raise one active voucher's cached balance by 0.01 (rolled back) and
    look for exactly what follows from it."""
    with transaction.atomic():
        acc = (
            LedgerAccount.objects.filter(
                kind=K.VOUCHER,
                voucher__status=V.ACTIVE,
                balance__gt=0,
                balance__lt=F("voucher__face_value"),
            )
            .select_related("voucher")
            .order_by("pk")[LedgerAccount.objects.filter(kind=K.VOUCHER).count() // 2 :]
            .first()
        )
        assert acc is not None
        assert acc.voucher is not None
        voucher = acc.voucher
        LedgerAccount.objects.filter(pk=acc.pk).update(balance=F("balance") + FEN)
        seconds, found = timed(checks.check_ledger)
        transaction.set_rollback(True)
    wrong = fen(acc.balance + FEN)
    expected = [
        f"account {acc.pk} (voucher): cached balance {wrong} but transfers give "
        f"{fen(acc.balance)}",
        f"program {acc.program_id}: balances add up to 0.01, not 0 ",
        f"voucher {voucher.code}: face value {fen(voucher.face_value)} ≠ "
        f"remaining {wrong} + held ",
    ]
    texts = [str(v) for v in found]
    print(f"corrupted account {acc.pk} (voucher {voucher.code}): {len(texts)} found")
    for text in texts:
        print(f"  {text}")
    ok = len(texts) == len(expected) and all(
        sum(t.startswith(e) for t in texts) == 1 for e in expected
    )
    return ok, seconds, texts


def measure(repeat: int) -> tuple[list[float], dict[str, list[float]], list]:
    whole: list[float] = []
    each: dict[str, list[float]] = {name: [] for name in CHECKS}
    problems: list = []
    for _ in range(repeat):
        seconds, found = timed(checks.check_ledger)
        whole.append(seconds)
        problems = found
        for name in CHECKS:
            seconds, found = timed(getattr(checks, name))
            each[name].append(seconds)
    return whole, each, problems


def analyse() -> None:
    tables = [
        m._meta.db_table
        for m in (LedgerAccount, LedgerTransfer, Redemption, Voucher, Notice, Statement)
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vouchers", type=int, default=100_000)
    parser.add_argument("--charges", type=int, default=500_000)
    parser.add_argument("--notices", type=int, default=1_000)
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    name = refuse_unless_bench_database()
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    department_ensure_all()
    if not Program.objects.filter(code=PROGRAM).exists():
        load_demo_programs(actor=None)
    people = ensure_people()
    sellers = ensure_providers(args.providers)
    hangzhou = Program.objects.get(code=PROGRAM)
    quota = ensure_quota_program(args.vouchers, args.notices, people[1:])
    ensure_vouchers(args.vouchers, args.charges, hangzhou, quota, sellers, people)
    ensure_open_notices(quota, args.notices, people)
    ensure_statements((hangzhou, quota), people)
    analyse()
    rows = counts()
    print(
        f"database {name}: ready in {time.perf_counter() - started:.1f} s; "
        + ", ".join(f"{v:,} {k}" for k, v in rows.items())
    )

    whole, each, problems = measure(args.repeat)
    print("\n| check | median s | min | max |\n| --- | ---: | ---: | ---: |")
    for check, runs in each.items():
        print(
            f"| `{check}` | {statistics.median(runs):.2f} | {min(runs):.2f} | "
            f"{max(runs):.2f} |"
        )
    print(
        f"| **check_ledger()** | **{statistics.median(whole):.2f}** | "
        f"{min(whole):.2f} | {max(whole):.2f} |"
    )
    print(f"\nclean ledger: {len(problems)} problem(s)")
    for problem in problems[:20]:
        print(f"  {problem}")
    found, seconds, _texts = corrupted_run()
    print(
        f"corrupted ledger checked in {seconds:.2f} s: {'found exactly' if found else 'NOT found as expected'}"
    )
    slow = [c for c, runs in each.items() if statistics.median(runs) > SLOW_SECONDS]
    if slow:
        print(f"checks over {SLOW_SECONDS} s: {', '.join(slow)}")
    ok = statistics.median(whole) <= LIMIT_SECONDS and not problems and found
    print(
        "OK"
        if ok
        else f"FAIL: the target is 0 problems in ≤ {LIMIT_SECONDS} s and the fault found"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
