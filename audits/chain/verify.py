"""The chain check: recompute every link from the events as they are now.

Walks the links in position order in keyset chunks and, for each, checks
that the position follows the last, that the algorithm is known, that the
previous hash is the last link's hash, that the event still exists, and
that its content hashes to the stored hash; where a checkpoint names the
position, that its hash is the chain's. Over the whole chain it also checks
that no checkpoint lies past the head (a cut tail) and that every event is
either sealed or waiting to be (a removed queue row). The first break is
reported; nothing is written here.

A range check (``first`` > 1) trusts the link before ``first``. Long
chains are checked in parallel parts (``chain_verify``).
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models import Exists, Max, Min, OuterRef
from django.utils.translation import gettext as _

from ..models import AuditEvent, ChainCheckpoint, ChainLink, PendingSeal
from . import canonical, reading

log = logging.getLogger(__name__)

CHUNK = 10_000
PARALLEL_FROM = 200_000  # links; below it one process is as quick

# Reason codes of a break (stored in ChainVerification.break_reason).
MISSING_POSITION = "missing_position"
UNKNOWN_ALGORITHM = "unknown_algorithm"
LINK_BROKEN = "link_broken"
EVENT_MISSING = "event_missing"
CONTENT_CHANGED = "content_changed"
CHECKPOINT_MISMATCH = "checkpoint_mismatch"
CHAIN_SHORTENED = "chain_shortened"
UNSEALED_ORPHAN = "unsealed_orphan"


@dataclass(frozen=True)
class Break:
    reason: str
    seq: int | None = None
    event_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "event_id": self.event_id, **self.detail}


@dataclass(frozen=True)
class Report:
    first_seq: int
    last_seq: int  # the last position checked (first - 1 when none)
    checked: int
    head_hash: str
    brk: Break | None
    pending: int
    oldest_pending_at: datetime | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.brk is None


def describe(reason: str, detail: dict[str, Any]) -> str:
    """The break in words, in the active language."""
    seq, event_id = detail.get("seq"), detail.get("event_id")
    messages = {
        MISSING_POSITION: _(
            "Position %(seq)s is missing: the next link found is at %(found)s "
            "(links were removed or renumbered)."
        ),
        UNKNOWN_ALGORITHM: _(
            "Position %(seq)s names the algorithm “%(found)s”, which this "
            "system does not know."
        ),
        LINK_BROKEN: _(
            "Position %(seq)s does not follow position %(before)s: its previous "
            "hash is not that link's hash (a link was inserted, removed or "
            "rewritten before it)."
        ),
        EVENT_MISSING: _(
            "Position %(seq)s names event #%(event_id)s, which no longer exists."
        ),
        CONTENT_CHANGED: _(
            "Event #%(event_id)s at position %(seq)s is not what was sealed: its "
            "content no longer gives the stored hash."
        ),
        CHECKPOINT_MISMATCH: _(
            "The checkpoint at position %(seq)s says %(expected)s; the chain "
            "there says %(found)s."
        ),
        CHAIN_SHORTENED: _(
            "A checkpoint names position %(seq)s, but the chain ends at "
            "%(found)s: links after it were removed."
        ),
        UNSEALED_ORPHAN: _(
            "Event #%(event_id)s is neither in the chain nor waiting to be sealed."
        ),
    }
    values = {
        "seq": seq,
        "event_id": event_id,
        "before": (seq or 1) - 1,
        "found": detail.get("found", ""),
        "expected": detail.get("expected", ""),
    }
    return messages.get(reason, reason) % values


def read_checkpoints(lines: Iterable[str]) -> dict[int, str]:
    """Checkpoints from a downloaded file (``position,algorithm,head_hash,...``
    with a header line), as {position: hash}. Raises ValueError naming the
    line that does not parse."""
    wanted: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        cells = [c.strip() for c in line.strip().split(",")]
        if not cells[0] or cells[0] == "position":
            continue
        try:
            seq, digest = int(cells[0]), cells[2].lower()
        except (ValueError, IndexError):
            raise ValueError(
                _("Line %(number)s is not “position,algorithm,head_hash,…”.")
                % {"number": number}
            ) from None
        if seq < 1 or not digest or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(
                _("Line %(number)s has no valid position and hash.")
                % {"number": number}
            )
        wanted[seq] = digest
    return wanted


def chain_verify(
    *,
    first: int = 1,
    last: int | None = None,
    checkpoints: dict[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
    jobs: int | None = None,
) -> Report:
    """Check links ``first``..``last`` (the whole chain by default) against
    the events, the stored checkpoints and ``checkpoints`` (a copy kept
    outside the system, {position: hash}).

    Over PARALLEL_FROM links or more, outside a transaction, the positions
    are split into ``jobs`` (AUDIT_VERIFY_JOBS) consecutive parts checked by
    as many processes; each part trusts the link before it, which the part
    before checks, so together they check exactly what one pass would.
    """
    started = time.monotonic()
    outside = dict(checkpoints or {})
    jobs = settings.AUDIT_VERIFY_JOBS if jobs is None else jobs
    parts = _parts(first, last, jobs)
    if len(parts) > 1:
        try:
            brk, checked, seq_at, prev = _run_parts(parts, outside, chunk, progress)
        except (BrokenProcessPool, OSError, AssertionError):
            # no child processes here (a daemonic worker, a process limit):
            # the same check in this process, only slower
            log.warning("chain check in parts failed to start; checking in one")
            parts = [(first, last)]
    if len(parts) == 1:
        brk, checked, seq_at, prev = _check_range(first, last, outside, chunk, progress)
    head = ChainCheckpoint.objects.filter(seq__gte=first)
    if last is not None:
        head = head.filter(seq__lte=last)
    if brk is None:
        brk = _check_past_head(
            seq_at, last, dict(head.values_list("seq", "hash")), outside
        )
    if brk is None and first == 1 and last is None:
        brk = _check_orphans()
    oldest = PendingSeal.objects.aggregate(at=Min("event__occurred_at"))["at"]
    return Report(
        first_seq=first,
        last_seq=seq_at,
        checked=checked,
        head_hash=prev if checked else "",
        brk=brk,
        pending=PendingSeal.objects.count(),
        oldest_pending_at=oldest,
        seconds=time.monotonic() - started,
    )


Outcome = tuple["Break | None", int, int, str]  # break, checked, last seq, its hash


def _check_range(
    first: int,
    last: int | None,
    outside: dict[int, str],
    chunk: int,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Positions ``first``..``last`` (to the head when None), trusting the
    link before ``first``."""
    wanted = ChainCheckpoint.objects.filter(seq__gte=first)
    if last is not None:
        wanted = wanted.filter(seq__lte=last)
    stored = dict(wanted.values_list("seq", "hash"))
    prev = canonical.GENESIS
    if first > 1:
        before = ChainLink.objects.filter(seq=first - 1).values_list("hash", flat=True)
        prev = before.first() or ""
        if not prev:
            return (
                Break(MISSING_POSITION, first - 1, detail={"found": "—"}),
                0,
                first - 1,
                "",
            )
    return _walk(first - 1, last, prev, chunk, progress, stored, outside)


def _parts(first: int, last: int | None, jobs: int) -> list[tuple[int, int | None]]:
    """The ranges to check in parallel; one range (this process) when the
    chain is short, ``jobs`` is 1, or a transaction is open (other
    connections would not see what it sees)."""
    if jobs <= 1 or connection.in_atomic_block:
        return [(first, last)]
    end = last
    if end is None:
        end = ChainLink.objects.aggregate(m=Max("seq"))["m"] or 0
    size = end - first + 1
    if size < PARALLEL_FROM:
        return [(first, last)]
    step = -(-size // jobs)
    bounds = [(a, min(a + step - 1, end)) for a in range(first, end + 1, step)]
    # the last part runs to the head as it is then (and to ``last`` if given)
    return [*bounds[:-1], (bounds[-1][0], last)]


def _check_part(
    part: tuple[int, int | None], outside: dict[int, str], chunk: int
) -> Outcome:
    connection.close()  # this process's own connection, opened on first use
    try:
        return _check_range(part[0], part[1], outside, chunk)
    finally:
        connection.close()


def _run_parts(
    parts: list[tuple[int, int | None]],
    outside: dict[int, str],
    chunk: int,
    progress: Callable[[int], None] | None,
) -> Outcome:
    connections.close_all()  # a forked child must not share a connection
    context = multiprocessing.get_context("fork")
    checked = 0
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=context) as pool:
        futures = [pool.submit(_check_part, part, outside, chunk) for part in parts]
        outcome: Outcome = (None, 0, parts[0][0] - 1, "")
        for future in futures:  # in position order: the first break wins
            brk, part_checked, seq_at, prev = future.result()
            checked += part_checked
            outcome = (brk, checked, seq_at, prev)
            if progress is not None:
                progress(checked)
            if brk is not None:
                for rest in futures:
                    rest.cancel()
                break
    return outcome


def _walk(
    seq_at: int,
    last: int | None,
    prev: str,
    chunk: int,
    progress: Callable[[int], None] | None,
    *checkpoints: dict[int, str],
) -> tuple[Break | None, int, int, str]:
    """Check the links after ``seq_at`` in order: the first break, how many
    passed, the last position and hash that passed."""
    checked = 0
    chunks = reading.iter_links(seq_at, last, chunk)
    try:
        for batch in chunks:
            for seq, algorithm, prev_hash, digest, event_id, event in batch:
                link = (prev_hash, digest, event_id)
                brk = _check_link(seq, seq_at + 1, algorithm, prev, link, event)
                brk = brk or _check_checkpoint(seq, digest, *checkpoints)
                if brk is not None:
                    return brk, checked, seq_at, prev
                checked += 1
                seq_at, prev = seq, digest
            if progress is not None:
                progress(checked)
    finally:
        chunks.close()
    return None, checked, seq_at, prev


def _check_link(
    seq: int,
    expected: int,
    algorithm: str,
    prev: str,
    link: tuple[str, str, int],
    event: bytes | None,
) -> Break | None:
    prev_hash, digest, event_id = link
    if seq != expected:
        return Break(MISSING_POSITION, expected, detail={"found": seq})
    if algorithm not in canonical.ALGORITHMS:
        return Break(UNKNOWN_ALGORITHM, seq, event_id, {"found": algorithm})
    if prev_hash != prev:
        return Break(LINK_BROKEN, seq, event_id)
    if event is None:
        return Break(EVENT_MISSING, seq, event_id)
    if canonical.link_hash(algorithm, seq, prev, event) != digest:
        return Break(CONTENT_CHANGED, seq, event_id)
    return None


def _check_checkpoint(seq: int, digest: str, *sources: dict[int, str]) -> Break | None:
    for source in sources:
        expected = source.get(seq)
        if expected is not None and expected != digest:
            return Break(
                CHECKPOINT_MISMATCH, seq, detail={"expected": expected, "found": digest}
            )
    return None


def _check_past_head(
    head: int, last: int | None, *sources: dict[int, str]
) -> Break | None:
    beyond = [
        seq
        for source in sources
        for seq in source
        if seq > head and (last is None or seq <= last)
    ]
    if beyond:
        return Break(CHAIN_SHORTENED, min(beyond), detail={"found": head})
    return None


def _check_orphans() -> Break | None:
    """The first event neither linked nor waiting (two anti-joins; the
    NOT IN Django writes for ``exclude(pk__in=…)`` can be planned as a scan
    per row, an hour for a million events)."""
    linked = ChainLink.objects.filter(event_id=OuterRef("pk"))
    waiting = PendingSeal.objects.filter(event_id=OuterRef("pk"))
    orphan = AuditEvent.objects.filter(~Exists(linked), ~Exists(waiting)).aggregate(
        first=Min("id")
    )["first"]
    return Break(UNSEALED_ORPHAN, event_id=orphan) if orphan is not None else None
