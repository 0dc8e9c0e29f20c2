"""What a link's hash covers, byte for byte (docs/architecture.md, "The
tamper-evident chain"). Never change the meaning of ``FORMAT`` "audit-chain/1":
a new serialisation gets a new format name, recorded per link like the
algorithm, so old links stay verifiable.

A link's hash is the algorithm's hex digest of the UTF-8 bytes of::

    audit-chain/1 LF <algorithm> LF <position> LF <previous hash> LF <content>

where <previous hash> is the hash of the link before (64 zeros for position 1)
and <content> is the event as one JSON object: the keys of ``FIELDS``,
sorted, no blanks (``,`` and ``:``), non-ASCII characters as themselves,
``occurred_at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, ids as numbers,
absent values as ``null``, and ``before``/``after`` as stored (their keys
sorted too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

c_make_encoder: Any
try:
    from _json import make_encoder as c_make_encoder
except ImportError:  # pragma: no cover - CPython always has it
    c_make_encoder = None

FORMAT = "audit-chain/1"
GENESIS = "0" * 64

# The event's columns, in the order selectors and the sealer read them.
FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "client_ip",
)


def _sm3() -> Any:
    return hashlib.new("sm3")


# Every algorithm a link may name. Add, never remove: old links name theirs.
ALGORITHMS: dict[str, Callable[[], Any]] = {
    "sm3": _sm3,
    "sha256": hashlib.sha256,
}


def _refuse(value: Any) -> Any:
    raise TypeError(f"not JSON: {value!r}")


# The C encoder itself, built once: JSONEncoder.encode builds it anew on
# every call, which costs more than the encoding. Same output either way.
_c_encoder = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _refuse, encode_basestring, None, ":", ",", True, False, False
    )
)
_py_encoder = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def _json(value: Any) -> str:
    if _c_encoder is None:  # a Python without the C accelerator
        return _py_encoder.encode(value)
    return "".join(_c_encoder(value, 0))


def algorithm_available(name: str) -> bool:
    """Whether this Python's hashlib computes ``name`` (SM3 comes from OpenSSL)."""
    if name not in ALGORITHMS:
        return False
    try:
        ALGORITHMS[name]()
    except ValueError:
        return False
    return True


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The keys in sorted order, each with its JSON form (``FIELDS`` sorted).
_TEMPLATE = (
    '{"action":%s,"actor_id":%s,"actor_label":%s,"after":%s,"before":%s,'
    '"client_ip":%s,"id":%d,"object_id":%s,"object_repr":%s,"object_type":%s,'
    '"occurred_at":"%s","request_id":%s}'
)


def build(
    event_id: int,
    occurred_at: str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before: Any,
    after: Any,
    request_id: str,
    client_ip: str | None,
) -> bytes:
    """The canonical bytes: ``occurred_at`` already in its UTC text form,
    ``before`` and ``after`` as Python values."""
    return (
        _TEMPLATE
        % (
            encode_basestring(action),
            "null" if actor_id is None else int(actor_id),
            encode_basestring(actor_label),
            _json(after),
            _json(before),
            "null" if client_ip is None else encode_basestring(client_ip),
            event_id,
            encode_basestring(object_id),
            encode_basestring(object_repr),
            encode_basestring(object_type),
            occurred_at,
            encode_basestring(request_id),
        )
    ).encode()


def content(row: Sequence[Any]) -> bytes:
    """The canonical bytes of one event, from its values in ``FIELDS`` order
    as the ORM reads them."""
    (eid, at, actor, label, action, otype, oid, orepr, before, after, rid, ip) = row
    return build(
        eid,
        utc_text(at),
        actor,
        label,
        action,
        otype,
        oid,
        orepr,
        before,
        after,
        rid,
        ip,
    )


# json.loads without its wrapper and whitespace pass: the database's JSON
# text never starts or ends with blanks, and it is one value.
_scan: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(text: str) -> Any:
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        return json.loads(text)  # anything unusual: the full parser decides
    return value


def content_from_text(row: Sequence[Any]) -> bytes:
    """The same bytes from ``POSTGRES_COLUMNS``: the time already formatted
    by the database, ``before`` and ``after`` as JSON text."""
    (eid, at, actor, label, action, otype, oid, orepr, before, after, rid, ip) = row
    return build(
        eid,
        at,
        actor,
        label,
        action,
        otype,
        oid,
        orepr,
        None if before is None else _loads(before),
        None if after is None else _loads(after),
        rid,
        ip,
    )


# The event's columns as PostgreSQL gives them to ``content_from_text`` (the
# time formatted in SQL: parsing and formatting it in Python costs more than
# hashing). ``e`` is audits_auditevent. abbrev(inet) is inet's output form,
# as the ORM reads it ("10.1.0.7"; a cast to text would add "/32").
POSTGRES_COLUMNS = """e.id,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    e.actor_id, e.actor_label, e.action, e.object_type, e.object_id,
    e.object_repr, e.before::text, e.after::text, e.request_id,
    abbrev(e.client_ip)"""


def link_hash(algorithm: str, seq: int, prev_hash: str, event: bytes) -> str:
    digest = ALGORITHMS[algorithm]()
    digest.update(f"{FORMAT}\n{algorithm}\n{seq}\n{prev_hash}\n".encode())
    digest.update(event)
    return digest.hexdigest()
