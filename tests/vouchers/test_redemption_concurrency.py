"""Charges racing on one voucher, on real PostgreSQL connections: the
voucher's lock makes the outcome what a one-by-one run would give.

Transactional (the worker threads, each on its own connection, must see the
committed voucher); see test_concurrency.py for why serialized_rollback.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections
from django.db.models import Sum
from rest_framework.test import APIClient

from config.exceptions import ApplicationError
from tests.factories.redemption import charge_setup
from vouchers import error_codes
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import voucher_balance, voucher_held
from vouchers.models import LedgerTransfer, Redemption
from vouchers.provider_api.services import api_key_create
from vouchers.redemption import services as svc

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHARGES = 200
WORKERS = 32  # connections at once (PostgreSQL allows 100 by default)
FACE = Decimal("200000.00")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_two_hundred_concurrent_charges_never_overdraw_one_voucher(media):
    # given: a voucher of 200,000 and 200 charges of 1,000-3,000 yuan each
    # (about twice the face value in all)
    setup = charge_setup()
    rng = random.Random(20261205)
    charges = [
        setup.charge(quantity=Decimal(rng.randint(80, 240))) for _ in range(CHARGES)
    ]
    barrier = threading.Barrier(WORKERS)
    started = threading.local()

    def run(charge):
        try:
            if not getattr(started, "yes", False):
                started.yes = True
                barrier.wait(timeout=30)  # the first charges land together
            try:
                r = svc.redemption_charge(
                    provider=setup.provider, charge=charge, actor=setup.staff
                )
            except ApplicationError as exc:
                return ("refused", exc.code, charge)
            return ("held", r.amount, charge)
        except Exception as exc:  # a deadlock, an IntegrityError: a 500
            return ("error", repr(exc), charge)
        finally:
            connections.close_all()

    # when
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(run, charges))

    # then: no error, every refusal an overdraft refused by its code
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    kinds = Counter(o[0] for o in outcomes)
    assert {o[1] for o in outcomes if o[0] == "refused"} <= {
        error_codes.INSUFFICIENT_BALANCE
    }
    assert kinds["held"] > 0, kinds
    assert kinds["refused"] > 0, kinds
    held = sum((o[1] for o in outcomes if o[0] == "held"), Decimal("0.00"))
    remaining = voucher_balance(setup.voucher)
    assert remaining >= 0
    assert held == FACE - remaining
    assert voucher_held(setup.voucher) == held
    # each accepted charge wrote exactly its row and its one transfer
    assert Redemption.objects.count() == kinds["held"]
    assert (
        LedgerTransfer.objects.filter(kind="charge_held").aggregate(s=Sum("amount"))[
            "s"
        ]
        == held
    )
    assert LedgerTransfer.objects.filter(kind="charge_held").count() == kinds["held"]
    # a refused charge was refused only because it no longer fitted
    smallest_refused = min(
        o[2].quantity * o[2].unit_price for o in outcomes if o[0] == "refused"
    )
    assert smallest_refused > remaining
    assert check_ledger() == []


def test_one_charge_retried_concurrently_with_one_idempotency_key_has_one_effect(media):
    # given: a provider's billing system sends the same charge 16 times at once
    setup = charge_setup()
    _row, key = api_key_create(
        provider=setup.provider, user=setup.staff, name="billing"
    )
    c = setup.charge()
    data = {
        "voucher_code": c.voucher_code,
        "credit_code": c.credit_code,
        "offering": c.offering_id,
        "quantity": "100",
        "unit_price": "12.50",
        "period_start": c.period_start.isoformat(),
        "period_end": c.period_end.isoformat(),
        "invoice_number": c.invoice_number,
    }
    barrier = threading.Barrier(16)

    def send(_i):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            barrier.wait(timeout=30)
            response = client.post(
                "/api/v1/redemptions/", data, format="json", HTTP_IDEMPOTENCY_KEY="once"
            )
            return response.status_code, response.content
        except Exception as exc:
            return "error", repr(exc)
        finally:
            connections.close_all()

    # when
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(send, range(16)))

    # then: one charge; every answer the first one or "still in flight"
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert {status for status, _body in outcomes} <= {201, 409}
    created = {body for status, body in outcomes if status == 201}
    assert len(created) == 1
    assert Redemption.objects.count() == 1
    assert LedgerTransfer.objects.filter(kind="charge_held").count() == 1
    # and a later retry replays the first answer
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    again = client.post(
        "/api/v1/redemptions/", data, format="json", HTTP_IDEMPOTENCY_KEY="once"
    )
    assert (again.status_code, again.content) == (201, created.pop())
    assert check_ledger() == []
