"""The sealer and checkpoints: the chain's own bookkeeping.

Business transactions never touch the chain. ``audit_event_record`` inserts
the event and a ``PendingSeal`` row in the business transaction; the sealer,
one at a time (a transaction-level advisory lock on PostgreSQL), takes the
committed ones it finds, oldest id first, links them after the head and
deletes their pending rows. Writers wait on nothing of the sealer's: it reads
committed rows and inserts into tables only it writes.

Sealing and scheduled checkpoints write no audit event: an event per seal
would leave the chain never at rest. Their tables record when and by whom
instead, and are append-only like the events. What a person asks for (a
checkpoint, a check, a download) is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User

from .. import actions
from ..models import (
    ChainCheckpoint,
    ChainLink,
    ChainVerification,
    PendingSeal,
)
from ..services import SYSTEM_LABEL, audit_event_record
from . import canonical, reading, verify

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the sealer ("audi" in ASCII). Documented
# with the lock order in docs/architecture.md.
SEALER_LOCK_KEY = 0x61756469
SEAL_BATCH = 5000


@dataclass(frozen=True)
class SealResult:
    sealed: int
    busy: bool = False  # another sealer held the chain; it seals these


def _take_sealer_lock() -> bool:
    if connection.vendor != "postgresql":
        # SQLite runs one writing transaction at a time; a second sealer
        # that read the same head fails on the position's primary key.
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def chain_head() -> tuple[int, str]:
    """The last link's position and hash; (0, the genesis hash) when empty."""
    head = ChainLink.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head is not None else (0, canonical.GENESIS)


@transaction.atomic
def _seal_batch(batch_size: int) -> int | None:
    if not _take_sealer_lock():
        return None
    ids = list(
        PendingSeal.objects.order_by("event_id").values_list("event_id", flat=True)[
            :batch_size
        ]
    )
    if not ids:
        return 0
    seq, prev = chain_head()
    algorithm = settings.AUDIT_CHAIN_ALGORITHM
    now = timezone.now()
    links = []
    contents = reading.event_contents(ids)
    for event_id in sorted(contents):
        seq += 1
        digest = canonical.link_hash(algorithm, seq, prev, contents[event_id])
        links.append(
            ChainLink(
                seq=seq,
                event_id=event_id,
                algorithm=algorithm,
                prev_hash=prev,
                hash=digest,
                sealed_at=now,
            )
        )
        prev = digest
    ChainLink.objects.bulk_create(links, batch_size=1000)
    PendingSeal.objects.filter(event_id__in=ids).delete()
    return len(ids)


def chain_seal(*, batch_size: int = SEAL_BATCH) -> SealResult:
    """Link every committed event waiting to be sealed; batch by batch, each
    its own transaction. Safe to run at any time and from anywhere (beat,
    the auditor's page, ``audit_seal``): a second sealer returns at once."""
    sealed = 0
    while True:
        try:
            count = _seal_batch(batch_size)
        except IntegrityError:
            # SQLite: another sealer linked the same positions first.
            count = None
        if count is None:
            return SealResult(sealed=sealed, busy=True)
        sealed += count
        if count < batch_size:
            return SealResult(sealed=sealed)


def seal_quietly() -> None:
    """``audit_event_record`` queues this after the commit when
    AUDIT_SEAL_ON_COMMIT is on (the demo)."""
    try:
        chain_seal()
    except Exception:  # the change is committed; beat or the page seals later
        log.exception("sealing after commit failed")


def chain_checkpoint_take(*, actor: User | None = None) -> ChainCheckpoint | None:
    """Record the chain's head now (after sealing what waits). Idempotent:
    None when the head has not moved since the last checkpoint."""
    chain_seal()
    label = actor.email if actor is not None else SYSTEM_LABEL
    return _checkpoint_at_head(label)


def _checkpoint_at_head(label: str) -> ChainCheckpoint | None:
    seq, head_hash = chain_head()
    if seq == 0 or ChainCheckpoint.objects.filter(seq=seq).exists():
        return None
    algorithm = ChainLink.objects.values_list("algorithm", flat=True).get(seq=seq)
    try:
        with transaction.atomic():
            return ChainCheckpoint.objects.create(
                seq=seq,
                hash=head_hash,
                algorithm=algorithm,
                taken_at=timezone.now(),
                taken_by_label=label[:254],
            )
    except IntegrityError:  # taken at the same moment by another run
        return None


def chain_checkpoint_request(*, actor: User) -> ChainCheckpoint | None:
    """A person asks for a checkpoint now (the auditor's page): taken as by
    the schedule, and the request audited in the checkpoint's transaction.
    None when the head has not moved."""
    chain_seal()
    with transaction.atomic():
        checkpoint = _checkpoint_at_head(actor.email)
        audit_event_record(
            action=actions.AUDIT_CHECKPOINT_TAKEN,
            actor=actor,
            object_type="audits.chaincheckpoint",
            object_id=checkpoint.seq if checkpoint else "",
            after={"seq": checkpoint.seq, "hash": checkpoint.hash}
            if checkpoint
            else None,
        )
    return checkpoint


@transaction.atomic
def chain_checkpoints_exported(*, actor: User, count: int) -> None:
    """The checkpoints were downloaded (an export): audited."""
    audit_event_record(
        action=actions.AUDIT_CHECKPOINTS_EXPORTED,
        actor=actor,
        object_type="audits.chaincheckpoint",
        after={"count": count},
    )


@transaction.atomic
def chain_verification_request(
    *, actor: User | None = None, first: int = 1, last: int | None = None
) -> ChainVerification:
    """Queue a check of positions ``first``..``last`` (the whole chain by
    default); a worker runs it after this commits (``chain_verification_run``).
    """
    if first < 1 or (last is not None and last < first):
        raise ValueError("first must be ≥ 1 and last ≥ first")
    label = actor.email if actor is not None else SYSTEM_LABEL
    verification = ChainVerification.objects.create(
        requested_by_label=label[:254], first_seq=first, last_seq=last
    )
    audit_event_record(
        action=actions.AUDIT_CHAIN_VERIFICATION_REQUESTED,
        actor=actor,
        target=verification,
        after={"first": first, "last": last},
    )
    from .tasks import chain_verification_run as task

    transaction.on_commit(lambda: task.delay(verification.pk))
    return verification


def chain_verification_run(verification_id: int) -> ChainVerification:
    """Run a queued check and store what it found. The record is updated as
    the check goes (links checked so far), each update its own commit."""
    verification = ChainVerification.objects.get(pk=verification_id)
    if verification.status != ChainVerification.Status.RUNNING:
        return verification  # ran already (a redelivered task)
    chain_seal()

    def progress(checked: int) -> None:
        ChainVerification.objects.filter(pk=verification_id).update(checked=checked)

    try:
        report = verify.chain_verify(
            first=verification.first_seq,
            last=verification.last_seq,
            progress=progress,
        )
    except Exception:
        ChainVerification.objects.filter(pk=verification_id).update(
            status=ChainVerification.Status.FAILED, finished_at=timezone.now()
        )
        raise
    return record_report(verification, report)


def record_report(
    verification: ChainVerification, report: verify.Report
) -> ChainVerification:
    verification.status = (
        ChainVerification.Status.INTACT
        if report.ok
        else ChainVerification.Status.BROKEN
    )
    verification.finished_at = timezone.now()
    verification.checked = report.checked
    verification.last_seq = report.last_seq
    verification.head_hash = report.head_hash
    verification.pending = report.pending
    verification.seconds = report.seconds
    if report.brk is not None:
        verification.break_seq = report.brk.seq
        verification.break_reason = report.brk.reason
        verification.break_detail = report.brk.as_dict()
    verification.save()
    return verification
