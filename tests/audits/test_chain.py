"""The tamper-evident chain: what a link's hash covers, the sealer, the
database refusing changes, checkpoints, the check and its command."""

import hashlib
import json
from datetime import UTC

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import Error, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import actions
from audits.chain import canonical, services
from audits.chain.verify import (
    CHAIN_SHORTENED,
    CHECKPOINT_MISMATCH,
    UNSEALED_ORPHAN,
    chain_verify,
    describe,
    read_checkpoints,
)
from audits.context import RequestContext, reset_context, set_context
from audits.models import (
    AuditEvent,
    ChainCheckpoint,
    ChainLink,
    ChainVerification,
    PendingSeal,
)
from audits.services import audit_event_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _record(n=1, **kwargs):
    kwargs.setdefault("action", actions.USER_CREATED)
    kwargs.setdefault("actor_label", "someone@example.com")
    events = []
    for _ in range(n):
        with transaction.atomic():
            events.append(audit_event_record(**kwargs))
    return events


def test_sm3_is_the_standard_one():
    # GB/T 32905-2016, appendix A.1: SM3("abc").
    assert hashlib.new("sm3", b"abc").hexdigest() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_every_event_waits_to_be_sealed_until_the_sealer_links_it():
    # given
    events = _record(3)
    assert PendingSeal.objects.count() == 3
    assert not ChainLink.objects.exists()

    # when
    result = services.chain_seal()

    # then
    assert result.sealed == 3
    assert not result.busy
    assert not PendingSeal.objects.exists()
    links = list(ChainLink.objects.order_by("seq"))
    assert [link.seq for link in links] == [1, 2, 3]
    assert [link.event_id for link in links] == [e.pk for e in events]
    assert links[0].prev_hash == canonical.GENESIS
    assert links[1].prev_hash == links[0].hash
    assert links[2].prev_hash == links[1].hash
    assert {link.algorithm for link in links} == {"sm3"}


def test_a_link_hash_is_the_documented_bytes_hashed_with_sm3():
    # given: an event with Chinese text, values and an actor
    actor = UserFactory(email="auditor@example.com")
    (event,) = _record(
        action=actions.APPLICATION_APPROVED,
        actor=actor,
        actor_label=None,
        object_type="vouchers.application",
        object_id=7,
        object_repr="申请 7",
        before={"status": "screened"},
        after={"status": "approved", "amount": "90000.00"},
    )
    services.chain_seal()
    link = ChainLink.objects.get(event=event)
    event.refresh_from_db()

    # when: the hash computed by hand from docs/architecture.md's definition
    content = json.dumps(
        {
            "action": "application.approved",
            "actor_id": actor.pk,
            "actor_label": "auditor@example.com",
            "after": {"amount": "90000.00", "status": "approved"},
            "before": {"status": "screened"},
            "client_ip": None,
            "id": event.pk,
            "object_id": "7",
            "object_repr": "申请 7",
            "object_type": "vouchers.application",
            "occurred_at": event.occurred_at.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"
            ),
            "request_id": "",
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    head = f"audit-chain/1\nsm3\n1\n{'0' * 64}\n"
    expected = hashlib.new("sm3", (head + content).encode()).hexdigest()

    # then
    assert link.hash == expected


def test_events_of_a_rolled_back_change_leave_nothing_to_seal():
    # when
    def change_that_fails():
        with transaction.atomic():
            audit_event_record(action=actions.USER_CREATED, actor_label="x")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()

    # then
    assert not AuditEvent.objects.exists()
    assert not PendingSeal.objects.exists()
    assert services.chain_seal().sealed == 0


def test_sealing_continues_the_chain_batch_after_batch():
    # given
    _record(5)
    services.chain_seal(batch_size=2)
    _record(2)

    # when
    services.chain_seal(batch_size=2)

    # then
    assert list(ChainLink.objects.values_list("seq", flat=True)) == list(range(1, 8))
    report = chain_verify()
    assert report.ok
    assert report.checked == 7
    assert report.head_hash == ChainLink.objects.get(seq=7).hash


def test_a_second_sealer_returns_at_once_while_one_holds_the_chain():
    # given: the sealer's lock taken by this transaction's "other" sealer
    _record(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [services.SEALER_LOCK_KEY])
    try:
        # when: sealing from another connection
        from threading import Thread

        results = []

        def seal():
            try:
                results.append(services.chain_seal())
            finally:
                connection.close()

        thread = Thread(target=seal)
        thread.start()
        thread.join(10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [services.SEALER_LOCK_KEY])

    # then: it did not wait (the event it cannot see is not its concern)
    assert not thread.is_alive()
    assert results
    assert results[0].busy


# -- the database refuses changes --------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audits_chainlink SET hash = 'x'",
        "DELETE FROM audits_chainlink",
        "UPDATE audits_chaincheckpoint SET hash = 'x'",
        "DELETE FROM audits_chaincheckpoint",
        "UPDATE audits_auditevent SET action = 'x'",
        "DELETE FROM audits_auditevent",
        "TRUNCATE audits_auditevent CASCADE",
        "TRUNCATE audits_chainlink",
        "TRUNCATE audits_chaincheckpoint",
    ],
)
def test_the_database_refuses_to_change_the_chain(sql):
    # given
    _record(2)
    services.chain_checkpoint_take()

    with connection.cursor() as cursor:
        # (the test's own foreign-key checks are due at its end; TRUNCATE
        # would refuse for them before the trigger had its say)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    # when / then
    with (
        pytest.raises(Error, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert ChainLink.objects.count() == 2
    assert AuditEvent.objects.count() == 2
    assert ChainCheckpoint.objects.count() == 1


# -- checkpoints ---------------------------------------------------------------------


def test_a_checkpoint_records_the_head_once():
    # given
    _record(3)

    # when
    first = services.chain_checkpoint_take()
    again = services.chain_checkpoint_take()

    # then: sealed first, then the head; nothing new, no second checkpoint
    assert first is not None
    assert first.seq == 3
    assert first.hash == ChainLink.objects.get(seq=3).hash
    assert first.algorithm == "sm3"
    assert first.taken_by_label == "system"
    assert again is None
    assert ChainCheckpoint.objects.count() == 1


def test_no_checkpoint_of_an_empty_chain():
    assert services.chain_checkpoint_take() is None


# -- the check ------------------------------------------------------------------------


def test_an_untouched_chain_is_intact():
    # given
    _record(12)
    services.chain_checkpoint_take()

    # when
    report = chain_verify(chunk=5)

    # then
    assert report.ok
    assert (report.checked, report.first_seq, report.last_seq) == (12, 1, 12)
    assert report.pending == 0
    assert report.oldest_pending_at is None


def test_a_range_check_trusts_the_link_before_it():
    # given
    _record(10)
    services.chain_seal()

    # when
    report = chain_verify(first=4, last=8)

    # then
    assert report.ok
    assert report.checked == 5
    assert report.last_seq == 8
    assert report.head_hash == ChainLink.objects.get(seq=8).hash


def test_events_waiting_are_counted_not_broken():
    # given
    _record(2)
    services.chain_seal()
    _record(1)

    # when
    report = chain_verify()

    # then
    assert report.ok
    assert report.checked == 2
    assert report.pending == 1
    assert report.oldest_pending_at is not None


def _without_triggers():
    """Disable the append-only triggers for this test's transaction (as an
    attacker with the table owner's rights could)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def test_a_removed_queue_row_is_an_event_left_out():
    # given
    (event,) = _record(1)
    _without_triggers()
    PendingSeal.objects.filter(event=event).delete()

    # when
    report = chain_verify()

    # then
    assert report.brk is not None
    assert report.brk.reason == UNSEALED_ORPHAN
    assert report.brk.event_id == event.pk


def test_a_cut_tail_is_found_by_the_checkpoint():
    # given: checkpoint at 5, then the last two links and events removed
    events = _record(5)
    services.chain_checkpoint_take()
    _without_triggers()
    ChainLink.objects.filter(seq__gte=4).delete()
    AuditEvent.objects.filter(pk__in=[e.pk for e in events[3:]]).delete()

    # when
    report = chain_verify()

    # then
    assert report.brk is not None
    assert report.brk.reason == CHAIN_SHORTENED
    assert report.brk.seq == 5
    assert report.checked == 3


def test_a_checkpoint_kept_outside_must_match():
    # given
    _record(4)
    services.chain_seal()
    wrong = {2: "f" * 64}

    # when
    report = chain_verify(checkpoints=wrong)

    # then
    assert report.brk is not None
    assert report.brk.reason == CHECKPOINT_MISMATCH
    assert report.brk.seq == 2
    assert "f" * 64 in describe(report.brk.reason, report.brk.as_dict())


def test_a_checkpoints_file_reads_back_and_names_a_bad_line():
    lines = ["position,algorithm,head_hash,taken_at", f"3,sm3,{'A' * 64},2026-12-07"]
    assert read_checkpoints(lines) == {3: "a" * 64}
    with pytest.raises(ValueError, match="2"):
        read_checkpoints(["position,algorithm,head_hash", "x,sm3,abc"])
    with pytest.raises(ValueError, match="2"):
        read_checkpoints(["position,algorithm,head_hash", "3,sm3,not-hex"])


# -- the command ----------------------------------------------------------------------


def test_audit_verify_says_intact_with_the_count_and_head(capsys):
    # given
    _record(3)

    # when
    call_command("audit_verify")

    # then: it sealed first, then checked
    out = capsys.readouterr().out
    head = ChainLink.objects.get(seq=3).hash
    assert "3" in out
    assert head in out
    verification = ChainVerification.objects.get()
    assert verification.status == ChainVerification.Status.INTACT
    assert verification.checked == 3
    assert verification.head_hash == head


def test_audit_verify_fails_on_a_break_and_names_it(capsys):
    # given
    (event, _second) = _record(2)
    services.chain_seal()
    _without_triggers()
    AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone else")

    # when / then
    with pytest.raises(CommandError):
        call_command("audit_verify")
    err = capsys.readouterr().err
    assert f"#{event.pk}" in err
    assert ChainVerification.objects.get().status == ChainVerification.Status.BROKEN


def test_audit_verify_compares_a_checkpoints_file(tmp_path):
    # given
    _record(2)
    services.chain_seal()
    kept = tmp_path / "checkpoints.csv"
    kept.write_text(f"position,algorithm,head_hash\n2,sm3,{'0' * 64}\n")

    # when / then
    with pytest.raises(CommandError):
        call_command("audit_verify", checkpoints=kept)


def test_audit_verify_refuses_a_bad_range_or_file(tmp_path):
    with pytest.raises(CommandError, match="--from"):
        call_command("audit_verify", first=0)
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command("audit_verify", checkpoints=tmp_path / "missing.csv")


# -- the canonical bytes --------------------------------------------------------------

_text = st.text(max_size=30)
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    event_id=st.integers(1, 10**15),
    occurred_at=st.datetimes(timezones=st.just(UTC)),
    actor_id=st.none() | st.integers(1, 10**9),
    texts=st.lists(_text, min_size=6, max_size=6),
    before=st.none() | st.dictionaries(_text, _json_values, max_size=4),
    after=st.none() | st.dictionaries(_text, _json_values, max_size=4),
    client_ip=st.none() | st.sampled_from(["127.0.0.1", "::1", "10.2.3.4"]),
)
def test_the_bytes_are_sorted_compact_json_of_the_fields(
    event_id, occurred_at, actor_id, texts, before, after, client_ip
):
    label, action, otype, oid, orepr, rid = texts
    row = (event_id, occurred_at, actor_id, label, action, otype, oid, orepr)
    row += (before, after, rid, client_ip)
    at = occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    reference = json.dumps(
        {**dict(zip(canonical.FIELDS, row, strict=True)), "occurred_at": at},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()

    assert canonical.content(row) == reference
    as_text = (*row[:1], at, *row[2:8], json.dumps(before), json.dumps(after))
    as_text += row[10:]
    if before is None:
        as_text = (*as_text[:8], None, *as_text[9:])
    if after is None:
        as_text = (*as_text[:9], None, *as_text[10:])
    assert canonical.content_from_text(as_text) == reference


def test_postgres_and_the_orm_read_the_same_bytes():
    # given: events with every kind of value, two with a client address
    actor = UserFactory()
    token = set_context(RequestContext(request_id="r-1", client_ip="10.1.0.7"))
    _record(after={"ipv4": True})
    set_context(RequestContext(request_id="r-2", client_ip="2001:db8::1"))
    _record(after={"ipv6": True})
    reset_context(token)
    _record(
        action=actions.CHARGE_HELD,
        actor=actor,
        actor_label=None,
        object_repr='引号 " 与 \\ 反斜杠\n换行',
        before=None,
        after={"z": [1, 2.5, None, True], "a": {"嵌套": "值"}},
    )
    _record(after={"amount": "0.01"}, before={"": ""})
    ids = list(AuditEvent.objects.values_list("id", flat=True))

    # when
    from audits.chain import reading

    by_sql = reading.event_contents(ids)
    by_orm = {
        row[0]: canonical.content(row)
        for row in AuditEvent.objects.values_list(*canonical.FIELDS)
    }

    # then
    assert by_sql == by_orm
