"""Mutation test of the chain: with the database's triggers switched off
(as someone with the table owner's rights could), edit, delete, insert and
swap events and links at random positions, 200 trials of each kind; the
check must find every one, and nothing on the untouched chain.

Each kind has variants from the clumsy to the careful: a careful forger
also rewrites the link of what they changed, renumbers positions after a
removal, or forges a correct link for an inserted event. What stays
undetectable by construction is a rewrite of every link from the change to
the head together with every checkpoint: that is what checkpoints kept
outside the system are for (`audit_verify --checkpoints`).
"""

import random
from datetime import timedelta

import pytest
from django.db import connection, transaction

from audits import actions
from audits.chain import canonical, services
from audits.chain.verify import chain_verify
from audits.models import AuditEvent, ChainLink
from audits.services import audit_event_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVENTS = 24
TRIALS = 200


@pytest.fixture
def chain():
    """EVENTS sealed events of varied content and a checkpoint at the head;
    the triggers off for the rest of the test's transaction."""
    users = [UserFactory(), UserFactory()]
    for i in range(EVENTS):
        with transaction.atomic():
            audit_event_record(
                action=[actions.APPLICATION_APPROVED, actions.CHARGE_HELD][i % 2],
                actor=users[i % 2] if i % 3 else None,
                object_type="vouchers.application",
                object_id=i,
                object_repr=f"申请 {i}",
                before={"status": "screened"} if i % 2 else None,
                after={"amount": f"{1000 + i}.00", "status": "approved"},
            )
    services.chain_checkpoint_take()
    assert chain_verify().ok
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    return users


def _trial(rng: random.Random, mutate) -> None:
    """Mutate in a savepoint, check, undo; the check must report a break."""
    with transaction.atomic():
        what = mutate(rng)
        report = chain_verify()
        assert report.brk is not None, f"not detected: {what}"
        transaction.set_rollback(True)
    assert chain_verify().ok  # undone


def _link(seq: int) -> ChainLink:
    return ChainLink.objects.get(seq=seq)


def _rehash(seq: int) -> None:
    """Rewrite the link at ``seq`` so it matches its event as it is now."""
    link = _link(seq)
    row = AuditEvent.objects.filter(pk=link.event_id).values_list(*canonical.FIELDS)
    digest = canonical.link_hash(
        link.algorithm, seq, link.prev_hash, canonical.content(row.get())
    )
    ChainLink.objects.filter(seq=seq).update(hash=digest)


def _shift(after: int, by: int) -> None:
    """Renumber the links after position ``after`` by ``by`` (±1)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audits_chainlink SET seq = -seq WHERE seq > %s", [after])
        cursor.execute(
            "UPDATE audits_chainlink SET seq = -seq + %s WHERE seq < 0", [by]
        )


def _edit(rng: random.Random) -> str:
    seq = rng.randint(1, EVENTS)
    link = _link(seq)
    event = AuditEvent.objects.get(pk=link.event_id)
    variant = rng.choice(["event", "event+link", "link"])
    if variant == "link":
        column = rng.choice(["hash", "prev_hash", "algorithm"])
        new = {"hash": "a" * 64, "prev_hash": "b" * 64, "algorithm": "md5"}[column]
        ChainLink.objects.filter(seq=seq).update(**{column: new})
        return f"link {seq} {column}"
    column = rng.choice(
        [
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
            "client_ip",
            "occurred_at",
            "actor_id",
        ]
    )
    current = getattr(event, column)
    changes = {
        "actor_label": lambda v: v + "x",
        "action": lambda v: actions.VOUCHER_ISSUED,
        "object_type": lambda v: "vouchers.voucher",
        "object_id": lambda v: v + "0",
        "object_repr": lambda v: v + "改",
        "before": lambda v: {"status": "draft"},
        "after": lambda v: {"amount": "99999.00", "status": "approved"},
        "request_id": lambda v: "forged",
        "client_ip": lambda v: "10.9.9.9",
        "occurred_at": lambda v: v + timedelta(microseconds=1),
        "actor_id": lambda v: None if v else UserFactory().pk,
    }
    new = changes[column](current)
    assert new != current
    AuditEvent.objects.filter(pk=event.pk).update(**{column: new})
    if variant == "event+link":
        _rehash(seq)
    return f"event at {seq} {column} ({variant})"


def _delete(rng: random.Random) -> str:
    seq = rng.randint(1, EVENTS)
    link = _link(seq)
    variant = rng.choice(["event", "event+link", "event+link renumbered"])
    if variant != "event":
        ChainLink.objects.filter(seq=seq).delete()
    AuditEvent.objects.filter(pk=link.event_id).delete()
    if variant == "event+link renumbered":
        _shift(seq, -1)
    return f"{variant} at {seq}"


def _insert(rng: random.Random) -> str:
    seq = rng.randint(1, EVENTS)
    variant = rng.choice(["event only", "event with a forged link"])
    with transaction.atomic():
        forged = AuditEvent.objects.create(
            actor_label="forger@example.com",
            action=actions.VOUCHER_ISSUED,
            object_type="vouchers.voucher",
            object_id="999",
        )
    if variant == "event only":
        return f"{variant} #{forged.pk}"
    _shift(seq - 1, +1)
    prev = _link(seq - 1).hash if seq > 1 else canonical.GENESIS
    row = AuditEvent.objects.filter(pk=forged.pk).values_list(*canonical.FIELDS)
    digest = canonical.link_hash("sm3", seq, prev, canonical.content(row.get()))
    ChainLink.objects.create(
        seq=seq,
        event=forged,
        algorithm="sm3",
        prev_hash=prev,
        hash=digest,
        sealed_at=_link(seq + 1).sealed_at,
    )
    return f"{variant} at {seq}"


def _swap(rng: random.Random) -> str:
    p, q = rng.sample(range(1, EVENTS + 1), 2)
    a, b = _link(p), _link(q)
    variant = rng.choice(["contents", "links' events", "positions"])
    if variant == "contents":
        columns = [f for f in canonical.FIELDS if f != "id"]
        rows = AuditEvent.objects.filter(pk__in=[a.event_id, b.event_id])
        values = {r["id"]: r for r in rows.values("id", *columns)}
        for mine, theirs in ((a.event_id, b.event_id), (b.event_id, a.event_id)):
            AuditEvent.objects.filter(pk=mine).update(
                **{c: values[theirs][c] for c in columns}
            )
        if values[a.event_id] == {**values[b.event_id], "id": a.event_id}:
            return _swap(rng)  # identical content: no change to find
    elif variant == "links' events":
        # one event per link is a unique constraint: step through a spare
        with transaction.atomic():
            spare = AuditEvent.objects.create(actor_label="spare", action="x")
        ChainLink.objects.filter(seq=p).update(event=spare)
        ChainLink.objects.filter(seq=q).update(event_id=a.event_id)
        ChainLink.objects.filter(seq=p).update(event_id=b.event_id)
        AuditEvent.objects.filter(pk=spare.pk).delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audits_chainlink SET seq = CASE seq "
                "WHEN %s THEN -1 ELSE -2 END WHERE seq IN (%s, %s)",
                [p, p, q],
            )
            cursor.execute(
                "UPDATE audits_chainlink SET seq = CASE seq "
                "WHEN -1 THEN %s ELSE %s END WHERE seq < 0",
                [q, p],
            )
    return f"{variant} {p}↔{q}"


@pytest.mark.parametrize(
    "mutate", [_edit, _delete, _insert, _swap], ids=["edit", "delete", "insert", "swap"]
)
def test_every_tampering_is_found(chain, mutate):
    rng = random.Random(f"chain-{mutate.__name__}")
    for _ in range(TRIALS):
        _trial(rng, mutate)


def test_nothing_is_reported_on_the_untouched_chain(chain):
    report = chain_verify(chunk=7)
    assert report.ok
    assert report.checked == EVENTS
