"""Where one charge's time goes, in one process without concurrency: 300
charges through the provider API (`POST /api/v1/redemptions/`) and 300
posts to the bare one-row endpoint, through Django's test client on the
benchmark's server settings, each timed (wall and CPU per request), the
statements of one charge listed, and a cProfile of the charges (the top
functions by cumulative and own time).

This is the single-request cost behind bench/redemption.py's distinct/bare
ratio: under load the ratio cannot be better than bare cost / charge cost.

    createdb -h 127.0.0.1 -U postgres voucher_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucher_bench \\
        .venv/bin/python bench/charge_profile.py [--charges 300] [--profile]
    dropdb -h 127.0.0.1 -U postgres voucher_bench
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.serve.settings"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redemption as bench
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from enterprises.services import department_ensure_all
from vouchers.demo.programs import load_demo_programs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charges", type=int, default=300)
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile's top functions"
    )
    args = parser.parse_args()
    name = bench.refuse_unless_bench_database()
    call_command("migrate", verbosity=0)
    department_ensure_all()
    if not bench.Program.objects.filter(code=bench.PROGRAM).exists():
        load_demo_programs(actor=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare "
            "(id bigserial PRIMARY KEY, provider_id bigint, body text)"
        )
    _provider, offering = bench.ensure_provider()
    vouchers = bench.ensure_vouchers(max(300, args.charges))
    settings.ALLOWED_HOSTS.append("testserver")
    client = Client()

    def post(path: str, i: int, key: str | None) -> None:
        code, holder = vouchers[i % len(vouchers)]
        extra = {
            "HTTP_AUTHORIZATION": f"Bearer {bench.KEY}",
            "HTTP_ACCEPT_LANGUAGE": "en",
        }
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        response = client.post(
            path,
            bench.charge_body(code, holder, offering.pk),
            content_type="application/json",
            **extra,
        )
        assert response.status_code == 201, response.content

    def charge(i: int) -> None:
        post("/api/v1/redemptions/", i, str(uuid.uuid4()))

    def bare(i: int) -> None:
        post("/bench/bare/", i, None)

    print(f"database {name}, {args.charges} requests each, after 20 warm-up requests")
    costs = {}
    for run in (charge, bare):
        for i in range(20):
            run(i)
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(args.charges):
            run(i)
        costs[run.__name__] = (
            (time.perf_counter() - wall) / args.charges * 1000,
            (time.process_time() - cpu) / args.charges * 1000,
        )
        print(
            f"{run.__name__:>6}: {costs[run.__name__][0]:.1f} ms wall, "
            f"{costs[run.__name__][1]:.1f} ms CPU (this process) per request"
        )
    print(f"bare / charge, wall: {costs['bare'][0] / costs['charge'][0]:.2f}")
    with CaptureQueriesContext(connection) as queries:
        charge(0)
    print(f"one charge: {len(queries.captured_queries)} statements")
    for q in queries.captured_queries:
        print("   ", q["sql"][:110])
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for i in range(args.charges):
            charge(i)
        profile.disable()
        for order, count in (("cumulative", 45), ("tottime", 20)):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(count)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
