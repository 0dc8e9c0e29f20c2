"""A long chain is checked in parallel parts (separate processes, each its
own connection); together they find what one pass finds. Transactional:
the parts must see committed data."""

import pytest
from django.db import connection, transaction

from audits import actions
from audits.chain import services, verify
from audits.chain.verify import (
    CONTENT_CHANGED,
    LINK_BROKEN,
    MISSING_POSITION,
    chain_verify,
)
from audits.models import AuditEvent, ChainLink
from audits.services import audit_event_record

# serialized_rollback like every transactional test here: the flush after
# it then leaves the tables empty for the next one to restore.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EVENTS = 30


@pytest.fixture
def chain(monkeypatch):
    monkeypatch.setattr(verify, "PARALLEL_FROM", 10)
    for i in range(EVENTS):
        with transaction.atomic():
            audit_event_record(action=actions.USER_CREATED, actor_label=f"u{i}")
    services.chain_seal()


def _tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = origin")


def test_the_parts_cover_the_chain_once(chain):
    assert verify._parts(1, None, 3) == [(1, 10), (11, 20), (21, None)]
    report = chain_verify(jobs=3, chunk=4)
    assert report.ok
    assert report.checked == EVENTS
    assert report.head_hash == ChainLink.objects.get(seq=EVENTS).hash


def test_a_change_in_a_later_part_is_found_at_its_position(chain):
    # given
    event_id = ChainLink.objects.get(seq=17).event_id
    _tamper(
        "UPDATE audits_auditevent SET actor_label = 'forged' WHERE id = %s", [event_id]
    )

    # when
    report = chain_verify(jobs=3)

    # then: the parts before it passed, and it is the one named
    assert report.brk is not None
    assert report.brk.reason == CONTENT_CHANGED
    assert report.brk.seq == 17
    assert report.checked == 16


def test_a_link_removed_at_a_part_boundary_is_found(chain):
    # given: position 10 is the first part's last
    event_id = ChainLink.objects.get(seq=10).event_id
    _tamper("DELETE FROM audits_chainlink WHERE seq = 10", [])
    _tamper("DELETE FROM audits_auditevent WHERE id = %s", [event_id])

    # when
    report = chain_verify(jobs=3)

    # then
    assert report.brk is not None
    assert report.brk.reason == MISSING_POSITION
    assert report.brk.seq == 10


def test_a_rewritten_link_at_a_part_start_is_found(chain):
    # given: the second part's first link claims another predecessor
    _tamper("UPDATE audits_chainlink SET prev_hash = %s WHERE seq = 11", ["0" * 64])

    # when
    report = chain_verify(jobs=3)

    # then
    assert report.brk is not None
    assert report.brk.reason == LINK_BROKEN
    assert report.brk.seq == 11
    assert AuditEvent.objects.count() == EVENTS
