"""Benchmark: sealing and checking the audit chain over many events.

Run by hand, never in the test suite, against a scratch database whose name
contains "bench" (the script refuses any other)::

    createdb -h 127.0.0.1 -U postgres voucher_bench_audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucher_bench_audit \\
        .venv/bin/python bench/audit_chain.py --events 1000000
    dropdb -h 127.0.0.1 -U postgres voucher_bench_audit

It migrates the database and, until there are ``--events`` events, inserts
synthetic ones in SQL (generate_series: application, charge and login
events with Chinese object texts, before/after values and client
addresses, each with its row waiting to be sealed), then times
``chain_seal`` over all that wait, takes a checkpoint, and times
``audit_verify``'s check of the whole chain in a fresh process, printing
its wall time and peak memory. Exits 1 when the check takes more than 30 s
or finds a break.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from audits.chain import services  # noqa: E402
from audits.chain.verify import chain_verify  # noqa: E402
from audits.models import AuditEvent, ChainLink, PendingSeal  # noqa: E402

VERIFY_LIMIT_SECONDS = 30.0
INSERT_BATCH = 200_000


def refuse_unless_bench_database() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        sys.exit(
            f"bench/audit_chain.py: refusing to run against database {name!r}: "
            'use a scratch database whose name contains "bench".'
        )
    return name


INSERT_EVENTS = """
INSERT INTO audits_auditevent (occurred_at, actor_id, actor_label, action,
    object_type, object_id, object_repr, before, after, request_id, client_ip)
SELECT now() - make_interval(secs => (%(total)s - n)),
       NULL,
       'clerk' || (n %% 997) || '@example.com',
       (ARRAY['application.submitted', 'application.approved', 'charge.held',
              'charge.confirmed', 'user.logged_in'])[1 + n %% 5],
       (ARRAY['vouchers.application', 'vouchers.application', 'vouchers.redemption',
              'vouchers.redemption', 'accounts.user'])[1 + n %% 5],
       (n %% 50000)::text,
       '杭州示例科技有限公司第' || (n %% 50000) || '号申请',
       CASE WHEN n %% 5 = 4 THEN NULL
            ELSE jsonb_build_object('status', 'submitted') END,
       jsonb_build_object('status', 'approved',
                          'amount', ((n %% 90000) + 0.5)::numeric(12, 2)::text),
       md5(n::text),
       ('10.' || (n %% 250) || '.' || (n / 250 %% 250) || '.7')::inet
FROM generate_series(%(start)s, %(stop)s) AS n
"""


def add_events(target: int) -> int:
    have = AuditEvent.objects.count()
    made = 0
    while have + made < target:
        start = have + made + 1
        stop = min(target, start + INSERT_BATCH - 1)
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT_EVENTS + " RETURNING id",
                {"start": start, "stop": stop, "total": target},
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "INSERT INTO audits_pendingseal (event_id) SELECT unnest(%s::bigint[])",
                [ids],
            )
        made += len(ids)
        print(f"  events {have + made:,} of {target:,}", flush=True)
    return made


def verify_in_child() -> dict:
    """The whole-chain check in a fresh process: its report, wall time and
    peak memory (the child's maxrss, in KiB on Linux)."""
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, __file__, "--verify-only"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout
    wall = time.monotonic() - started
    report = json.loads(out.strip().splitlines()[-1])
    report["wall_seconds"] = wall
    report["child_peak_mib"] = (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    return report


def verify_only() -> int:
    report = chain_verify()
    print(
        json.dumps(
            {
                "ok": report.ok,
                "checked": report.checked,
                "seconds": report.seconds,
                "head": report.head_hash,
                "break": report.brk.as_dict() if report.brk else None,
                "reason": report.brk.reason if report.brk else None,
            }
        )
    )
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--verify-only", action="store_true")
    args = parser.parse_args()
    refuse_unless_bench_database()
    if args.verify_only:
        return verify_only()

    call_command("migrate", verbosity=0)
    print(f"PostgreSQL: {connection.cursor().connection.info.server_version}")
    started = time.monotonic()
    made = add_events(args.events)
    if made:
        print(f"inserted {made:,} events in {time.monotonic() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audits_auditevent; ANALYZE audits_pendingseal")

    waiting = PendingSeal.objects.count()
    started = time.monotonic()
    sealed = services.chain_seal().sealed
    seconds = time.monotonic() - started
    if sealed:
        print(
            f"sealed {sealed:,} of {waiting:,} waiting in {seconds:.1f} s "
            f"({sealed / seconds:,.0f} events/s)"
        )
    services.chain_checkpoint_take()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audits_chainlink")
    links = ChainLink.objects.count()

    report = verify_in_child()
    print(
        f"audit_verify over {report['checked']:,} links (of {links:,}): "
        f"{report['seconds']:.1f} s in the check, {report['wall_seconds']:.1f} s "
        f"wall with start-up, peak {report['child_peak_mib']:.0f} MiB; "
        f"{'intact' if report['ok'] else 'BROKEN: ' + str(report['reason'])}"
    )
    if not report["ok"] or report["seconds"] > VERIFY_LIMIT_SECONDS:
        print(
            f"FAIL: the check must be intact and take at most {VERIFY_LIMIT_SECONDS:.0f} s"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
