"""Benchmark: re-screening the register against each demo program.

Run by hand, never in the test suite, against a scratch database whose name
contains "bench" (the script refuses any other)::

    createdb -h 127.0.0.1 -U postgres voucher_bench
    DJANGO_SETTINGS_MODULE=config.settings.test \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucher_bench \\
        .venv/bin/python bench/rescreen.py --enterprises 10000
    dropdb -h 127.0.0.1 -U postgres voucher_bench

It migrates the database, adds benchmark enterprises until there are
``--enterprises`` of them (fictional, spread over Zhejiang's counties and a
range of industries and sizes, with investment declarations, shareholders and
about 1% on the dishonesty list; written with bulk_create, not the services,
so there is no audit trail), loads the demo programs if missing, then times
``rescreen_enterprises`` for each program without and with recording the
decisions. It prints enterprises per second, seconds, queries per batch and
the peak memory of re-screening.

Memory: each case (a program, with or without recording) runs in a fresh
process of this script (``--measure``), which only re-screens, so its peak
RSS (VmHWM; not ru_maxrss, which a process started by another inherits) is
re-screening's own: Django and the imports (about 67 MB) included, the setup
(migrations, creating the enterprises) and the other cases not. Between recorded runs the decisions are
deleted with one ``DELETE`` statement, not ``QuerySet.delete()``, which loads
every decision first (see ``clear_decisions``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from enterprises.models import (  # noqa: E402
    DishonestEntity,
    Enterprise,
    InvestmentDeclaration,
    Region,
    Shareholder,
)
from enterprises.pii import hash_id_number, mask_id_number  # noqa: E402
from enterprises.services.register import classify_enterprise  # noqa: E402
from enterprises.uscc import make_uscc  # noqa: E402
from vouchers.demo.programs import load_demo_programs  # noqa: E402
from vouchers.eligibility.rescreen import (  # noqa: E402
    SUBJECT_TYPE,
    rescreen_enterprises,
)
from vouchers.models import EligibilityDecision, Program, ProgramVersion  # noqa: E402

NAME_PREFIX = "基准测试企业"  # benchmark enterprises are found by this name prefix
BENCH_USER = "bench-declarations@example.com"
PROGRAMS = ("HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026")
CHUNK = 1000
D = Decimal

# GB/T 4754 industry, weight, yuan of revenue per employee (median).
INDUSTRIES = [
    ("I65", 18, 450_000),
    ("I64", 6, 600_000),
    ("C39", 8, 900_000),
    ("C35", 10, 700_000),
    ("C38", 8, 800_000),
    ("C26", 4, 1_500_000),
    ("C17", 5, 500_000),
    ("F51", 9, 3_000_000),
    ("F52", 7, 1_200_000),
    ("G54", 4, 600_000),
    ("H62", 4, 200_000),
    ("M73", 6, 400_000),
    ("L72", 5, 500_000),
    ("E48", 3, 800_000),
    ("A01", 2, 300_000),
    ("K7020", 1, 150_000),
]


def refuse_unless_bench_database() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        sys.exit(
            f"bench/rescreen.py: refusing to run against database {name!r}: "
            'use a scratch database whose name contains "bench".'
        )
    return name


def _money(value: float) -> Decimal:
    return D(int(value)).quantize(D("0.01"))


def _declarations(rng: random.Random) -> dict[int, tuple[Decimal, Decimal]]:
    """2018–2023 IT and AI investment; about one in ten above the benchmark."""
    scale = 2_000_000 if rng.random() < 0.1 else 300_000
    out = {}
    for year in range(2018, 2024):
        it = _money(rng.uniform(0.4, 1.6) * scale)
        out[year] = (it, _money(int(it) * rng.uniform(0.2, 0.7)))
    return out


def _enterprise(n: int, rng: random.Random, counties: list[str]) -> Enterprise:
    code, _weight, per_head = rng.choices(
        INDUSTRIES, weights=[w for _c, w, _r in INDUSTRIES]
    )[0]
    division = rng.choice(counties)
    employees = max(1, min(20_000, int(rng.lognormvariate(3.2, 1.3))))
    revenue = employees * per_head * rng.lognormvariate(0, 0.6)
    enterprise = Enterprise(
        uscc=make_uscc(division, f"BN{n:06d}"),
        name=f"{NAME_PREFIX}{n:06d}有限公司",
        legal_representative=f"法人{n % 9973}",
        registered_address=f"测试路{n}号",
        region_id=division,
        # About 1% without an industry: their size cannot be worked out.
        industry_code="" if rng.random() < 0.01 else code,
        established_on=date(1995, 1, 1) + timedelta(days=rng.randrange(10_000)),
        contact_phone=f"0571-{80000000 + n}",
        fiscal_year=2025,
        employees=employees,
        revenue=_money(revenue),
        total_assets=_money(revenue * rng.uniform(0.3, 2.5)),
    )
    classify_enterprise(enterprise)
    return enterprise


def create_register(target: int, seed: int = 2026) -> int:
    """Benchmark enterprises up to ``target``; returns how many were added."""
    have = Enterprise.objects.filter(name__startswith=NAME_PREFIX).count()
    if have >= target:
        return 0
    user, _ = get_user_model().objects.get_or_create(
        email=BENCH_USER, defaults={"full_name": "基准测试（系统）"}
    )
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True)
    )
    for start in range(have + 1, target + 1, CHUNK):
        numbers = range(start, min(start + CHUNK, target + 1))
        rng = random.Random(seed * 1_000_003 + start)
        with transaction.atomic():
            made = Enterprise.objects.bulk_create(
                [_enterprise(n, rng, counties) for n in numbers]
            )
            declarations, holders, listed = [], [], []
            for enterprise in made:
                if rng.random() < 0.4:
                    declarations += [
                        InvestmentDeclaration(
                            enterprise=enterprise,
                            year=year,
                            it_amount=it,
                            ai_amount=ai,
                            declared_by=user,
                        )
                        for year, (it, ai) in _declarations(rng).items()
                    ]
                for k in range(rng.choice((0, 0, 1, 1, 2, 3))):
                    person = f"33010619800101{(enterprise.pk * 7 + k) % 10_000:04d}"
                    holders.append(
                        Shareholder(
                            enterprise=enterprise,
                            name=f"股东{(enterprise.pk * 7 + k) % 5000}",
                            id_number_hash=hash_id_number(person),
                            id_number_masked=mask_id_number(person),
                        )
                    )
                roll = rng.random()
                if roll < 0.01:
                    listed_on = date(2019, 1, 1) + timedelta(days=rng.randrange(2500))
                    removed = listed_on + timedelta(days=365) if roll < 0.005 else None
                    listed.append(
                        DishonestEntity(
                            uscc=enterprise.uscc,
                            name=enterprise.name,
                            listed_on=listed_on,
                            removed_on=removed,
                            authority="基准测试",
                        )
                    )
            InvestmentDeclaration.objects.bulk_create(declarations)
            Shareholder.objects.bulk_create(holders)
            DishonestEntity.objects.bulk_create(listed)
    return target - have


class QueryCounter:
    """connection.execute_wrapper: counts the queries sent."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def vacuum(table: str = "") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"VACUUM ANALYZE {connection.ops.quote_name(table)}"
            if table
            else "VACUUM ANALYZE"
        )


def _status_mb(key: str) -> float | None:
    """A memory line of /proc/self/status (Linux), in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """This process's peak RSS. VmHWM where there is one: ru_maxrss is kept
    across execve, so in a process started by this script it would start at
    the parent's peak (the setup's)."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    """This process's resident memory now (0 where /proc is missing)."""
    return _status_mb("VmRSS") or 0.0


def clear_decisions(program: Program) -> None:
    """Delete the program's re-screening decisions in one statement.

    ``QuerySet.delete()`` cannot do that here: ``Application.screening``
    protects decisions, so Django's collector first loads every decision
    (facts and result JSON decoded, about 20 kB of Python objects each) to
    look for applications. That took this process to 475 MB for 10,000
    decisions and 3.7 GB for 100,000, and ru_maxrss reported it as
    re-screening's peak. PostgreSQL's foreign key still refuses to delete a
    decision an application points to.
    """
    decisions = connection.ops.quote_name(EligibilityDecision._meta.db_table)
    versions = connection.ops.quote_name(ProgramVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {decisions} WHERE subject_type = %s AND "
            f"program_version_id IN (SELECT id FROM {versions} WHERE program_id = %s)",
            [SUBJECT_TYPE, program.pk],
        )


def measure(program: Program, *, record: bool, batch_size: int, repeat: int) -> dict:
    empty = QueryCounter()
    with connection.execute_wrapper(empty):
        rescreen_enterprises(
            program=program,
            enterprises=Enterprise.objects.filter(pk__lt=0),
            record=record,
        )
    runs = []
    for _ in range(repeat):
        if record:
            # Each recorded run starts from the same table: no decisions of
            # this program, dead rows vacuumed.
            clear_decisions(program)
            vacuum(EligibilityDecision._meta.db_table)
        if not runs:
            start_mb = rss_mb()
        counter = QueryCounter()
        cpu = time.process_time()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            summary = rescreen_enterprises(
                program=program, batch_size=batch_size, record=record
            )
        seconds = time.perf_counter() - started
        # Only the counts: a summary kept per run would hold its eligible_ids
        # (about 98,000 ints at 100,000 enterprises, 3.4 MB of objects that
        # pin 12-16 MB of the allocator's memory) into the next run's peak.
        counts = (summary.total, summary.eligible, summary.batches)
        del summary
        runs.append((seconds, counts, counter.count, time.process_time() - cpu))
    seconds = statistics.median(r[0] for r in runs)
    _s, (total, eligible, batches), queries, _cpu = runs[-1]
    return {
        "program": program.code,
        "record": record,
        "total": total,
        "eligible": eligible,
        "seconds": seconds,
        # This process's CPU time (Python side; PostgreSQL's is not counted).
        "cpu": statistics.median(r[3] for r in runs),
        "rate": total / seconds,
        "batches": batches,
        "queries": queries,
        # The run's constant part (the version, the region, and the last,
        # empty read of enterprises) is what an empty register costs.
        "per_batch": (queries - empty.count) / batches if batches else 0,
        "constant": empty.count,
        # This process only re-screens (see measure_in_a_fresh_process).
        "start_mb": start_mb,
        "peak_mb": peak_mb(),
        "load": os.getloadavg()[0],
    }


def measure_in_a_fresh_process(code: str, *, record: bool, args) -> dict:
    """``measure`` in a new process of this script, so that its peak memory
    is re-screening's alone."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure",
        code,
        "--batch-size",
        str(args.batch_size),
        "--repeat",
        str(args.repeat),
    ] + (["--record"] if record else [])
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per case (the median is shown)"
    )
    parser.add_argument(
        "--measure",
        metavar="PROGRAM",
        help="only time this program (no setup) and print the figures as JSON; "
        "the script runs itself so for each case",
    )
    parser.add_argument(
        "--record", action="store_true", help="with --measure: record the decisions"
    )
    args = parser.parse_args(argv)

    database = refuse_unless_bench_database()
    if args.measure:
        program = Program.objects.select_related("region").get(code=args.measure)
        r = measure(
            program, record=args.record, batch_size=args.batch_size, repeat=args.repeat
        )
        print(json.dumps(r))
        return 0
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    added = create_register(args.enterprises)
    if added:
        vacuum()
        print(
            f"added {added} benchmark enterprises in {time.perf_counter() - started:.1f} s"
        )
    load_demo_programs(actor=None)
    enterprises = Enterprise.objects.count()
    print(
        f"database {database}: {enterprises} enterprises, "
        f"{InvestmentDeclaration.objects.count()} declarations, "
        f"{Shareholder.objects.count()} shareholders, "
        f"{DishonestEntity.objects.count()} dishonesty entries"
    )
    print(
        f"batch size {args.batch_size}, median of {args.repeat} runs, each case in "
        f"a fresh process; peak RSS of the setup (not counted below) "
        f"{peak_mb():.0f} MB; load average "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg())
    )
    header = (
        f"{'program':<18} {'record':<6} {'enterprises':>11} {'eligible':>8} "
        f"{'seconds':>8} {'per second':>10} {'batches':>7} {'queries/batch':>13} "
        f"{'+const':>6} {'start MB':>8} {'peak MB':>7} {'cpu s':>6} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for code in PROGRAMS:
        for record in (False, True):
            r = measure_in_a_fresh_process(code, record=record, args=args)
            results.append(r)
            print(
                f"{r['program']:<18} {'yes' if record else 'no':<6} {r['total']:>11} "
                f"{r['eligible']:>8} {r['seconds']:>8.2f} {r['rate']:>10.0f} "
                f"{r['batches']:>7} {r['per_batch']:>13g} {r['constant']:>6} "
                f"{r['start_mb']:>8.0f} {r['peak_mb']:>7.0f} {r['cpu']:>6.2f} "
                f"{r['load']:>5.1f}",
                flush=True,
            )
    slowest = min(r["rate"] for r in results)
    print(
        "peak MB: the whole re-screening process (Django and imports included); "
        "start MB: its RSS before the first timed run; load: 1-minute load "
        "average after the case"
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    print(f"slowest: {slowest:.0f} enterprises/s (target: 500 or more)")
    return 0 if slowest >= 500 else 1


if __name__ == "__main__":
    sys.exit(main())
