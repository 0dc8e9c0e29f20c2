"""Benchmark: charges through the provider API, served by gunicorn, driven
by a load generator on the same machine in the same run.

Run by hand, never in the test suite, against a scratch database whose name
contains "bench" (the script refuses any other)::

    createdb -h 127.0.0.1 -U postgres voucher_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucher_bench \\
        .venv/bin/python bench/redemption.py --vouchers 2000
    dropdb -h 127.0.0.1 -U postgres voucher_bench

Set-up (once per database): migrate, the departments and the demo programs,
one approved compute provider with an offering at 10.00 yuan per card-hour
and an API key, and ``--vouchers`` vouchers of 50,000.00 yuan on the
Hangzhou compute program (which deducts at the provider), each with its own
enterprise and approved application, funded from the program's budget by
ledger transfers (bulk inserts, not the services: the ledger is exact, the
audit trail of issuance is not written). ``check_ledger`` is timed on it.

Then gunicorn (``bench.serve.settings``: the test profile, the site's URLs
plus ``POST /bench/bare/``, a DRF endpoint with the same key authentication
and throttle that inserts one row) and four runs of ``--seconds`` each:

1. distinct: ``--clients`` (50) clients, each charging its own vouchers
   (1 card-hour, a fresh Idempotency-Key and invoice each time);
2. bare: the same clients posting to the bare endpoint;
3. hot: 32 clients charging one voucher (0.01 yuan each), next to pgbench's
   rate for one row updated by 32 clients;
4. paced (``--paced-interval``, default 1 s): the distinct charges again,
   each client sending one a second (50 charges a second from 50 clients),
   for the latency a charge sees under 50 concurrent clients at a rate the
   machine sustains. In the closed loops the p95 cannot be under the mean,
   clients / throughput (Little's law), so there it measures throughput.

It prints requests per second, p50/p95/p99 latency and the statuses of each
run, the distinct/bare ratio, and checks after the hot run that the voucher
did not go below zero and that the ledger holds. Exits 1 when the p95 of
the paced run is 100 ms or more, the ratio is under 0.5, any request got a
5xx or no answer, or the ledger does not hold.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
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
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.roles import Role  # noqa: E402
from enterprises.models import Enterprise, Membership, Offering, Provider  # noqa: E402
from enterprises.services import department_ensure_all  # noqa: E402
from enterprises.uscc import make_uscc  # noqa: E402
from vouchers.demo.programs import load_demo_programs  # noqa: E402
from vouchers.issuance import codes  # noqa: E402
from vouchers.ledger.checks import check_ledger  # noqa: E402
from vouchers.ledger.selectors import budget_accounts, voucher_balance  # noqa: E402
from vouchers.models import (  # noqa: E402
    Application,
    LedgerAccount,
    LedgerTransfer,
    Program,
    ProviderApiKey,
    Voucher,
)
from vouchers.provider_api.services import digest  # noqa: E402

PROGRAM = "HZ-COMPUTE-2026"
FACE = Decimal("50000.00")
NAME_PREFIX = "核销基准企业"
KEY_PREFIX = "be4c4be4"
KEY = f"vpk_{KEY_PREFIX}_bench-only-key"
PORT = 8765
CHUNK = 1000
K = LedgerAccount.Kind
T = LedgerTransfer.Kind


def refuse_unless_bench_database() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        sys.exit(
            f"bench/redemption.py: refusing to run against database {name!r}: "
            'use a scratch database whose name contains "bench".'
        )
    return name


# -- data -------------------------------------------------------------------------


def compute_seller(serial: str, name: str) -> tuple[Provider, Offering]:
    """An approved compute provider (credit code from ``serial``) with one
    GPU card-hour offering at 10 yuan; made once."""
    provider, _created = Provider.objects.get_or_create(
        uscc=make_uscc("330108", serial),
        defaults={
            "name": name,
            "status": Provider.Status.APPROVED,
            "offers_compute": True,
            "facility": Provider.Facility.DOMESTIC,
        },
    )
    offering, _ = Offering.objects.get_or_create(
        provider=provider,
        name="基准 GPU 卡时",
        defaults={
            "kind": Offering.Kind.COMPUTE,
            "unit": Offering.Unit.GPU_CARD_HOUR,
            "list_price": Decimal("10.0000"),
        },
    )
    return provider, offering


def ensure_provider() -> tuple[Provider, Offering]:
    provider, offering = compute_seller("BENCH001", "核销基准算力有限公司")
    user, _ = get_user_model().objects.get_or_create(email="bench-provider@example.com")
    Membership.objects.get_or_create(
        user=user, role=Role.PROVIDER_STAFF, provider=provider
    )
    ProviderApiKey.objects.get_or_create(
        prefix=KEY_PREFIX,
        defaults={
            "provider": provider,
            "name": "bench",
            "digest": digest(KEY),
            "created_by": user,
        },
    )
    return provider, offering


def ensure_vouchers(target: int) -> list[tuple[str, str]]:
    """(code, credit code) of ``target`` vouchers of FACE on PROGRAM."""
    program = Program.objects.get(code=PROGRAM)
    user, _ = get_user_model().objects.get_or_create(
        email="bench-applicant@example.com"
    )
    have = Voucher.objects.filter(enterprise__name__startswith=NAME_PREFIX).count()
    now = timezone.now()
    for first in range(have + 1, target + 1, CHUNK):
        numbers = range(first, min(first + CHUNK, target + 1))
        with transaction.atomic():
            enterprises = Enterprise.objects.bulk_create(
                [
                    Enterprise(
                        uscc=make_uscc("330106", f"BR{n:06d}"),
                        name=f"{NAME_PREFIX}{n:06d}有限公司",
                        region_id="330106",
                        industry_code="I65",
                        employees=45,
                        revenue=Decimal("12000000.00"),
                        total_assets=Decimal("5000000.00"),
                        size_class="small",
                    )
                    for n in numbers
                ]
            )
            apps = Application.objects.bulk_create(
                [
                    Application(
                        program=program,
                        enterprise=e,
                        created_by=user,
                        status=Application.Status.APPROVED,
                        number=f"BR-{n:07d}",
                        contract_number=f"BR-{n:07d}",
                        draft={},
                    )
                    for n, e in zip(numbers, enterprises, strict=True)
                ]
            )
            vouchers = Voucher.objects.bulk_create(
                [
                    Voucher(
                        code=codes.generate(),
                        application=a,
                        enterprise=a.enterprise,
                        program=program,
                        face_value=FACE,
                        issued_at=now - timedelta(days=1),
                        expires_on=(now + timedelta(days=365)).date(),
                    )
                    for a in apps
                ]
            )
            accounts = LedgerAccount.objects.bulk_create(
                [
                    LedgerAccount(program=program, kind=kind, voucher=v)
                    for v in vouchers
                    for kind in (K.VOUCHER, K.HELD)
                ]
            )
            [pool] = [
                p for p in budget_accounts(program) if p.balance >= FACE * len(vouchers)
            ][:1]
            LedgerTransfer.objects.bulk_create(
                [
                    LedgerTransfer(
                        debit=pool,
                        credit=acc,
                        amount=FACE,
                        kind=T.VOUCHER_ISSUED,
                        key=f"{T.VOUCHER_ISSUED}:{acc.voucher_id}:{pool.pk}",
                        reference_type="vouchers.voucher",
                        reference_id=str(acc.voucher_id),
                    )
                    for acc in accounts
                    if acc.kind == K.VOUCHER
                ]
            )
            LedgerAccount.objects.filter(pk=pool.pk).update(
                balance=F("balance") - FACE * len(vouchers)
            )
            LedgerAccount.objects.filter(kind=K.VOUCHER, voucher__in=vouchers).update(
                balance=FACE
            )
    return list(
        Voucher.objects.filter(enterprise__name__startswith=NAME_PREFIX)
        .order_by("pk")
        .values_list("code", "enterprise__uscc")[:target]
    )


# -- the server and the load ---------------------------------------------------------


def start_gunicorn(
    workers: int, threads: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "bench.serve.settings"}
    env |= extra_env or {}
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    sys.exit("gunicorn did not start")


class Run:
    def __init__(self, name: str):
        self.name = name
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.elapsed = 0.0

    def add(self, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<9} {self.rate():8.1f} req/s   p50 {self.pct(50):6.1f} ms   "
            f"p95 {self.pct(95):6.1f} ms   p99 {self.pct(99):6.1f} ms   "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


def drive(
    run: Run, clients: int, seconds: float, make_request, interval: float = 0.0
) -> Run:
    """``clients`` threads, each on its own keep-alive connection, sending
    ``make_request(client, n) -> (path, body)`` until the time is up: one
    after the other (a closed loop), or with ``interval``, each client one
    request every ``interval`` seconds (spread over the first interval),
    measured from when it was sent."""
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        barrier.wait()
        n = 0
        first = time.monotonic() + interval * i / clients
        while time.monotonic() < stop:
            if interval:
                wait = first + n * interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            path, body, headers = make_request(i, n)
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                status = 0
            run.add(status, time.perf_counter() - started)
            n += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    run.elapsed = time.monotonic() - started
    return run


def headers(key: str | None = None) -> dict[str, str]:
    h = {
        "Authorization": f"Bearer {KEY}",
        "Content-Type": "application/json",
        "Accept-Language": "en",
    }
    if key:
        h["Idempotency-Key"] = key
    return h


def charge_body(code: str, holder: str, offering: int, price: str = "10.00") -> bytes:
    today = timezone.localdate().isoformat()
    return json.dumps(
        {
            "voucher_code": code,
            "credit_code": holder,
            "offering": offering,
            "quantity": "1",
            "unit_price": price,
            "period_start": today,
            "period_end": today,
            "invoice_number": f"B-{secrets.token_hex(8)}",
        }
    ).encode()


def pgbench_hot_row(clients: int, seconds: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_hot (id int PRIMARY KEY, n bigint NOT NULL)"
        )
        cursor.execute("INSERT INTO bench_hot VALUES (1, 0) ON CONFLICT DO NOTHING")
    db = settings.DATABASES["default"]
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("UPDATE bench_hot SET n = n + 1 WHERE id = 1;\n")
    out = subprocess.run(
        [
            "pgbench",
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-f",
            script.name,
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tps = [line for line in out.splitlines() if line.startswith("tps")]
    return float(tps[0].split("=")[1].split()[0])


def _seal_every_second(stop: threading.Event, sealed: list[int]) -> None:
    from audits.chain.services import chain_seal

    while not stop.wait(1.0):
        sealed[0] += chain_seal().sealed
    connection.close()


def chain_compare(args, distinct) -> float:
    """Distinct charges without the audit chain (no queue rows, no sealer),
    then with it and a sealer running every second (beat runs it every 10),
    ``--chain-rounds`` times in turn; the ratio of the mean rates."""
    from audits.chain.services import chain_seal
    from audits.models import PendingSeal

    rates: dict[str, list[float]] = {"without": [], "with": []}
    for round_no in range(1, args.chain_rounds + 1):
        for mode in ("without", "with"):
            env = {"BENCH_AUDIT_CHAIN": "off" if mode == "without" else "on"}
            server = start_gunicorn(args.workers, args.threads, env)
            stop = threading.Event()
            sealed = [0]

            sealer = threading.Thread(target=_seal_every_second, args=(stop, sealed))
            try:
                drive(Run("warm-up"), args.clients, 3, distinct)
                if mode == "with":
                    sealer.start()
                run = drive(
                    Run(f"distinct, {mode} chain"), args.clients, args.seconds, distinct
                )
            finally:
                stop.set()
                if sealer.is_alive():
                    sealer.join(60)
                server.terminate()
                server.wait(timeout=30)
            rates[mode].append(run.rate())
            extra = f", {sealed[0]:,} events sealed" if mode == "with" else ""
            print(f"  round {round_no}: {run.line()}{extra}", flush=True)
    left = PendingSeal.objects.count()
    print(f"  events waiting after the runs: {left:,} (sealed next)")
    chain_seal()
    without = sum(rates["without"]) / len(rates["without"])
    with_chain = sum(rates["with"]) / len(rates["with"])
    return with_chain / without if without else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vouchers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--paced-interval",
        type=float,
        default=1.0,
        help="seconds between charges of each client in the paced run "
        "(50 clients, one charge a second each: 50 charges a second); 0 skips it",
    )
    parser.add_argument(
        "--chain-rounds",
        type=int,
        default=0,
        help="rounds of distinct charges without, then with the audit chain "
        "and its sealer (every second); 0 skips them",
    )
    args = parser.parse_args()
    name = refuse_unless_bench_database()

    call_command("migrate", verbosity=0)
    department_ensure_all()
    if not Program.objects.filter(code=PROGRAM).exists():
        load_demo_programs(actor=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare "
            "(id bigserial PRIMARY KEY, provider_id bigint, body text)"
        )
    _provider, offering = ensure_provider()
    started = time.perf_counter()
    vouchers = ensure_vouchers(args.vouchers)
    print(
        f"database {name}: {len(vouchers)} vouchers ready in {time.perf_counter() - started:.1f} s"
    )
    counts = (
        Voucher.objects.count(),
        LedgerAccount.objects.count(),
        LedgerTransfer.objects.count(),
    )
    started = time.perf_counter()
    problems = check_ledger()
    print(
        f"check_ledger: {len(problems)} problem(s) in {time.perf_counter() - started:.2f} s "
        f"({counts[0]} vouchers, {counts[1]} accounts, {counts[2]} transfers)"
    )
    connection.close()

    server = start_gunicorn(args.workers, args.threads)
    try:
        per_client = max(1, len(vouchers) // args.clients)

        def distinct(i: int, n: int):
            code, holder = vouchers[(i * per_client + n % per_client) % len(vouchers)]
            return (
                "/api/v1/redemptions/",
                charge_body(code, holder, offering.pk),
                headers(str(uuid.uuid4())),
            )

        def bare(i: int, n: int):
            code, holder = vouchers[(i * per_client + n % per_client) % len(vouchers)]
            return "/bench/bare/", charge_body(code, holder, offering.pk), headers()

        hot_code, hot_holder = vouchers[-1]

        def hot(i: int, n: int):
            body = json.loads(charge_body(hot_code, hot_holder, offering.pk))
            body |= {"quantity": "0.001", "unit_price": "10.00"}  # 0.01 yuan
            return (
                "/api/v1/redemptions/",
                json.dumps(body).encode(),
                headers(str(uuid.uuid4())),
            )

        drive(Run("warm-up"), args.clients, 3, distinct)
        runs = [
            drive(Run("distinct"), args.clients, args.seconds, distinct),
            drive(Run("bare"), args.clients, args.seconds, bare),
            drive(Run("hot"), 32, args.seconds, hot),
        ]
        if args.paced_interval:
            runs.append(
                drive(
                    Run("paced"),
                    args.clients,
                    args.seconds,
                    distinct,
                    interval=args.paced_interval,
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    chain_ratio = None
    if args.chain_rounds:
        chain_ratio = chain_compare(args, distinct)
    tps = pgbench_hot_row(32, int(args.seconds))
    print(
        f"gunicorn {args.workers} workers × {args.threads} threads (gthread), "
        f"{args.clients} clients, {args.seconds:.0f} s a run, {os.cpu_count()} CPUs"
    )
    for run in runs:
        print("  " + run.line())
    distinct_run, bare_run = runs[0], runs[1]
    ratio = distinct_run.rate() / bare_run.rate() if bare_run.rate() else 0.0
    print(f"  distinct / bare = {ratio:.2f}")
    if chain_ratio is not None:
        print(f"  with the audit chain and its sealer / without = {chain_ratio:.2f}")
    print(f"  pgbench, one row updated by 32 clients: {tps:.0f} tps")
    hot_voucher = Voucher.objects.get(code=hot_code)
    balance = voucher_balance(hot_voucher)
    held = hot_voucher.redemptions.count()
    print(f"  hot voucher: {held} charges held, balance {balance} (never below zero)")
    started = time.perf_counter()
    problems = check_ledger()
    print(
        f"  check_ledger after the runs: {len(problems)} problem(s) in {time.perf_counter() - started:.2f} s"
    )
    failed = (
        (chain_ratio is not None and chain_ratio < 0.9)
        or (args.paced_interval and runs[-1].pct(95) >= 100)
        or ratio < 0.5
        or balance < 0
        or problems
        or any(s >= 500 or s == 0 for r in runs for s in r.statuses)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
