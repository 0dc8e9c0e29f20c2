"""Reading events as canonical bytes, for the sealer and the check alike,
so both hash exactly the same thing. On PostgreSQL one SQL query per chunk
(``canonical.POSTGRES_COLUMNS``); elsewhere (the SQLite demo) the ORM."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, transaction

from ..models import AuditEvent, ChainLink
from . import canonical

# (position, algorithm, previous hash, hash, event id, event bytes or None
# when the event is gone)
LinkRow = tuple[int, str, str, str, int, bytes | None]

_LINKS_SQL = (
    "SELECT l.seq, l.algorithm, l.prev_hash, l.hash, l.event_id, "  # noqa: S608
    f"{canonical.POSTGRES_COLUMNS} FROM audits_chainlink l "
    "LEFT JOIN audits_auditevent e ON e.id = l.event_id "
    "WHERE l.seq > %s {upto} ORDER BY l.seq LIMIT %s"
)


def event_contents(ids: Sequence[int]) -> dict[int, bytes]:
    """The canonical bytes of the events ``ids`` that exist, by id."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                # constant SQL: the column list is code, the ids parameters
                f"SELECT {canonical.POSTGRES_COLUMNS} FROM audits_auditevent e "  # noqa: S608
                "WHERE e.id = ANY(%s)",
                [list(ids)],
            )
            return {row[0]: canonical.content_from_text(row) for row in cursor}
    rows = AuditEvent.objects.filter(pk__in=ids).values_list(*canonical.FIELDS)
    return {row[0]: canonical.content(row) for row in rows}


def _postgres_rows(seq: int, last: int | None, limit: int) -> list[tuple]:
    upto = "AND l.seq <= %s" if last is not None else ""
    params = [seq, *([last] if last is not None else []), limit]
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner, not seeing the LIMIT's effect, would gather this
        # chunk with parallel workers, which take the CPUs the hashing
        # needs: 28 s instead of 15 s for a million links on two CPUs.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(_LINKS_SQL.format(upto=upto), params)
        return cursor.fetchall()


def _postgres_links(rows: list[tuple]) -> list[LinkRow]:
    return [
        (*row[:5], None if row[5] is None else canonical.content_from_text(row[5:]))
        for row in rows
    ]


def links_after(seq: int, last: int | None, limit: int) -> list[LinkRow]:
    """Up to ``limit`` links after position ``seq`` (to ``last``), in order,
    each with its event's canonical bytes."""
    if connection.vendor == "postgresql":
        return _postgres_links(_postgres_rows(seq, last, limit))
    links = ChainLink.objects.filter(seq__gt=seq).order_by("seq")
    if last is not None:
        links = links.filter(seq__lte=last)
    batch = list(
        links.values_list("seq", "algorithm", "prev_hash", "hash", "event_id")[:limit]
    )
    contents = event_contents([link[4] for link in batch])
    return [(*link, contents.get(link[4])) for link in batch]


def _close_connection() -> None:
    connection.close()  # of the thread it runs in


def iter_links(
    seq: int, last: int | None, chunk: int
) -> Generator[list[LinkRow], None, None]:
    """The links after ``seq`` chunk by chunk. Outside a transaction on
    PostgreSQL, a second thread (its own connection) reads the next chunk
    while this one is hashed; links are append-only, so reading them in two
    snapshots is safe. Inside a transaction (the tests) it reads in turn,
    seeing what the transaction sees."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        while batch := links_after(seq, last, chunk):
            yield batch
            seq = batch[-1][0]
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-verify")
    try:
        pending: Future[list[tuple]] | None
        pending = pool.submit(_postgres_rows, seq, last, chunk)
        while rows := pending.result():
            pending = pool.submit(_postgres_rows, rows[-1][0], last, chunk)
            yield _postgres_links(rows)
        pending = None
    finally:
        if pending is not None:
            pending.cancel()
        pool.submit(_close_connection).result()  # the thread's own
        pool.shutdown()
