"""The cases of the event-coverage test (tests/audits/test_event_coverage.py).

Each module here holds ``CASES``: a dict from ``"<module>:<function>"`` (the
dotted module of a service and the function's name; add ``#<variant>`` for a
second case of one function) to a zero-argument function that makes what
the call needs, through factories and services, and returns a ``Case``.
The factory runs inside the test's database; the ``call`` runs after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    """A service call on objects made for it, the audit events it must write
    (action → how many), and a snapshot of what it changes, compared after a
    call that failed once its last event was written: the change must be
    gone with the events. ``swallows``: the service catches a failure of one
    item and goes on (a batch), so the failed call returns instead of
    raising; the item must still be left unchanged and unrecorded."""

    call: Callable[[], object]
    expected: Counter
    state: Callable[[], object]
    swallows: bool = False


__all__ = ["Case"]
