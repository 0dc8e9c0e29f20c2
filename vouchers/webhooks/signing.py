"""How a delivery is signed, and how a receiver checks it.

The signature is HMAC-SHA256, keyed with the endpoint's secret, over the
bytes ``<timestamp>.<body>``: the Unix time in seconds sent in
``X-Voucher-Timestamp``, a full stop, and the request body exactly as
received. It is sent as ``X-Voucher-Signature: v1=<hex digest>`` (the
``v1`` names the scheme, so a later one can be added beside it). A receiver
recomputes it, compares in constant time and refuses a timestamp more than
five minutes away from its clock (a replayed old delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Voucher-Signature`` header value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def verify(
    secret: str,
    header: str,
    timestamp: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when ``header`` signs ``body`` at ``timestamp`` with ``secret``
    and the timestamp is within ``tolerance`` seconds of ``now`` (what a
    receiver does; the tests and the docs use it)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    expected = signature(secret, sent, body)
    return any(
        hmac.compare_digest(expected, part.strip())
        for part in (header or "").split(",")
    )
