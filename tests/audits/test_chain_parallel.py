"""Chaining never makes writers wait: two business transactions record
events and commit in parallel while the sealer is in the middle of sealing
(real PostgreSQL, separate connections)."""

import threading

import pytest
from django.db import connection, transaction

from audits import actions
from audits.chain import services
from audits.chain.verify import chain_verify
from audits.models import ChainLink, PendingSeal
from audits.services import audit_event_record

# serialized_rollback like every transactional test here: the flush after
# it then leaves the tables empty for the next one to restore.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 10  # seconds; a lock wait would hit it


def _record(label: str) -> None:
    with transaction.atomic():
        audit_event_record(action=actions.USER_CREATED, actor_label=label)


def test_two_business_transactions_commit_while_the_sealer_runs(monkeypatch):
    # given: events waiting, and a sealer stopped inside its transaction
    # after it linked them (its advisory lock and new rows not committed)
    for i in range(3):
        _record(f"before-{i}")
    sealing, release = threading.Event(), threading.Event()
    bulk_create = ChainLink.objects.bulk_create

    def paused_bulk_create(*args, **kwargs):
        created = bulk_create(*args, **kwargs)
        sealing.set()
        assert release.wait(WAIT)
        return created

    monkeypatch.setattr(ChainLink.objects, "bulk_create", paused_bulk_create)
    results: dict[str, object] = {}

    def seal():
        try:
            results["seal"] = services.chain_seal()
        finally:
            connection.close()

    sealer = threading.Thread(target=seal)
    sealer.start()
    assert sealing.wait(WAIT)

    # when: two writers, each waiting inside its open transaction for the
    # other to be inside its own, then committing
    both_inside = threading.Barrier(2, timeout=WAIT)
    committed: list[str] = []

    def write(label: str):
        try:
            with transaction.atomic():
                audit_event_record(action=actions.USER_CREATED, actor_label=label)
                both_inside.wait()
            committed.append(label)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(n,)) for n in ("w1", "w2")]
    for w in writers:
        w.start()
    for w in writers:
        w.join(WAIT)

    # then: both committed while the sealer still held its transaction open
    assert sorted(committed) == ["w1", "w2"]
    assert sealer.is_alive()
    release.set()
    sealer.join(WAIT)
    assert results["seal"].sealed == 3
    # the two later events wait for the next run, which links them
    assert PendingSeal.objects.count() == 2
    monkeypatch.undo()
    assert services.chain_seal().sealed == 2
    assert chain_verify().ok
    assert ChainLink.objects.count() == 5
