"""Benchmark: a program report (PDF with the charges attached, XLSX) for a
program of ``--applications`` applications and ``--charges`` charges.

Run by hand against a scratch database whose name contains "bench"::

    createdb -h 127.0.0.1 -U postgres voucher_bench_report
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucher_bench_report \\
        .venv/bin/python bench/audit_report.py --applications 10000 --charges 50000
    dropdb -h 127.0.0.1 -U postgres voucher_bench_report

Set-up (once per database, bulk inserts as in bench/redemption.py): the
demo programs, one provider, ``--applications`` approved applications of
the Hangzhou compute program each with a voucher of 50,000.00 yuan (the
budget topped up by a ledger transfer when it is short), and ``--charges``
confirmed charges spread over the vouchers and the last twelve months
(rows only: the report reads them, the ledger of charges is not written).

Then the report is asked for and built in a child process (as a worker
would build it), and the script prints the build's seconds and the child's
peak memory (max RSS). Exits 1 above 60 s or 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.redemption import (  # noqa: E402  (sets Django up)
    FACE,
    NAME_PREFIX,
    PROGRAM,
    ensure_provider,
    ensure_vouchers,
    refuse_unless_bench_database,
)
from enterprises.services import department_ensure_all  # noqa: E402
from vouchers.demo.programs import load_demo_programs  # noqa: E402
from vouchers.ledger.selectors import budget_accounts  # noqa: E402
from vouchers.models import (  # noqa: E402
    LedgerAccount,
    LedgerTransfer,
    Program,
    Redemption,
    Voucher,
)

LIMIT_SECONDS = 60
LIMIT_BYTES = 1024**3
CHUNK = 5000


def top_up_budget(program: Program, vouchers: int) -> None:
    """Enough in one budget pool for the vouchers still to make."""
    have = Voucher.objects.filter(enterprise__name__startswith=NAME_PREFIX).count()
    need = FACE * max(vouchers - have, 0) + FACE * 1000
    pool = budget_accounts(program)[0]
    if pool.balance >= need:
        return
    funding = LedgerAccount.objects.get(
        program=program,
        kind=LedgerAccount.Kind.FUNDING,
        funding_source=pool.funding_source,
    )
    amount = need - pool.balance
    with transaction.atomic():
        LedgerTransfer.objects.create(
            debit=funding,
            credit=pool,
            amount=amount,
            kind=LedgerTransfer.Kind.BUDGET_APPROPRIATED,
            key=f"bench-top-up:{timezone.now().timestamp()}",
        )
        LedgerAccount.objects.filter(pk=funding.pk).update(
            balance=F("balance") - amount
        )
        LedgerAccount.objects.filter(pk=pool.pk).update(balance=F("balance") + amount)


def ensure_charges(program: Program, target: int) -> int:
    provider, offering = ensure_provider()
    have = Redemption.objects.filter(program=program).count()
    vouchers = list(
        Voucher.objects.filter(
            program=program, enterprise__name__startswith=NAME_PREFIX
        )
        .order_by("pk")
        .values_list("pk", "enterprise_id")
    )
    now = timezone.now()
    for first in range(have, target, CHUNK):
        rows = []
        for n in range(first, min(first + CHUNK, target)):
            voucher_id, enterprise_id = vouchers[n % len(vouchers)]
            when = now - timedelta(days=(n * 7) % 360)
            rows.append(
                Redemption(
                    voucher_id=voucher_id,
                    program=program,
                    enterprise_id=enterprise_id,
                    provider=provider,
                    offering=offering,
                    quantity=Decimal("10"),
                    unit="GPU卡时",
                    unit_price=Decimal("10.0000"),
                    list_price=Decimal("10.0000"),
                    amount=Decimal("100.00"),
                    period_start=when.date(),
                    period_end=when.date(),
                    invoice_issuer=provider.uscc,
                    invoice_number=f"BENCH-RPT-{n:08d}",
                    status=Redemption.Status.CONFIRMED,
                    confirm_by=when,
                    decided_at=when,
                )
            )
        created = Redemption.objects.bulk_create(rows)
        Redemption.objects.filter(pk__in=[r.pk for r in created]).update(
            created_at=F("decided_at")
        )
    return Redemption.objects.filter(program=program).count()


def build_in_this_process() -> None:
    """The child: ask for the report and build it, as a worker would."""
    from unittest import mock

    from audits.models import Report
    from audits.reports import services

    program = Program.objects.get(code=PROGRAM)
    with mock.patch("audits.reports.tasks.report_build.delay"):
        report = services.report_request(kind="program", program=program, actor=None)
    started = time.perf_counter()
    report = services.report_build(report.pk)
    seconds = time.perf_counter() - started
    assert report.status == Report.Status.DONE, report.status
    print(
        f"report {report.number}: built in {seconds:.1f} s, "
        f"PDF {report.pdf.size / 1e6:.1f} MB, XLSX {report.xlsx.size / 1e6:.1f} MB"
    )
    print(f"seconds={seconds:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--charges", type=int, default=50_000)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    name = refuse_unless_bench_database()
    if args.build:
        build_in_this_process()
        return 0

    call_command("migrate", verbosity=0)
    department_ensure_all()
    if not Program.objects.filter(code=PROGRAM).exists():
        load_demo_programs(actor=None)
    program = Program.objects.get(code=PROGRAM)
    started = time.perf_counter()
    top_up_budget(program, args.applications)
    vouchers = len(ensure_vouchers(args.applications))
    charges = ensure_charges(program, args.charges)
    print(
        f"database {name}: {vouchers} applications with vouchers, {charges} charges "
        f"ready in {time.perf_counter() - started:.1f} s"
    )

    with tempfile.TemporaryDirectory() as media:
        child = subprocess.run(
            [sys.executable, __file__, "--build"],
            env={**os.environ, "DJANGO_MEDIA_ROOT": media},
            capture_output=True,
            text=True,
        )
    print(child.stdout.strip())
    if child.returncode:
        print(child.stderr[-3000:])
        return 1
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    seconds = float(child.stdout.rsplit("seconds=", 1)[1])
    print(f"peak memory of the build: {peak / 2**20:.0f} MiB")
    ok = seconds <= LIMIT_SECONDS and peak <= LIMIT_BYTES
    print("OK" if ok else f"FAIL: targets are ≤ {LIMIT_SECONDS} s and ≤ 1 GiB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
