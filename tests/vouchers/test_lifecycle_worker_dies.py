"""A worker killed (SIGKILL) in the middle of the nightly expiry: the
vouchers it finished stay expired, the one it was on is untouched (its
transaction never committed), the ledger holds, and the next run finishes
the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories.redemption import charge_setup
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import voucher_balance
from vouchers.lifecycle import services as life
from vouchers.models import LedgerTransfer, Voucher

# The worker is another process: it sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]

# Runs the nightly task and kills itself with SIGKILL when the second
# voucher, already marked expired inside its transaction, is about to
# release its balance: nothing of that transaction may survive.
WORKER = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from vouchers.lifecycle import services as life
    release, calls = life.voucher_release, []
    def dying(**kwargs):
        calls.append(kwargs["voucher"].pk)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return release(**kwargs)
    life.voucher_release = dying
    life.vouchers_expire_due()
    """
)


def _database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] or "postgres"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def test_a_killed_expiry_worker_leaves_every_voucher_done_or_untouched(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    vouchers = [charge_setup().voucher for _ in range(3)]
    Voucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    transfers = LedgerTransfer.objects.count()

    worker = subprocess.run(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert worker.returncode == -signal.SIGKILL, worker.stderr
    statuses = [Voucher.objects.get(pk=v.pk).status for v in vouchers]
    assert statuses == ["expired", "active", "active"]
    assert voucher_balance(vouchers[0]) == 0
    assert voucher_balance(vouchers[1]) == vouchers[1].face_value
    assert LedgerTransfer.objects.count() == transfers + 1  # the first's release
    assert check_ledger() == []

    # the next night finishes the rest
    assert life.vouchers_expire_due() == 2
    assert {
        v.status for v in Voucher.objects.filter(pk__in=[x.pk for x in vouchers])
    } == {"expired"}
    assert check_ledger() == []
