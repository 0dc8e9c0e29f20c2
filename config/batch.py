"""Scheduled passes over many items (expire the vouchers due, confirm the
charges whose window passed, send the reminders, build the statements):
one item that fails is logged and skipped, and the pass goes on to the
next.

Each item runs in its own transaction (a savepoint when the caller holds
one), so a failure rolls back that item's changes and its audit events
and nothing else; the next run tries it again. The failure is logged at
ERROR with its traceback and the item, and the pass ends with one ERROR
line counting them, which is what an operator's alerting watches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db import transaction

logger = logging.getLogger("vouchers.batch")

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class Pass(Generic[Item, Result]):
    """What one pass did: the results of the items that went through, and
    the items that failed."""

    name: str
    results: list[Result] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)


def each(
    name: str, items: Iterable[Item], step: Callable[[Item], Result]
) -> Pass[Item, Result]:
    """Run ``step`` on every item, each in its own transaction; an item
    whose step raises is logged and skipped. ``name`` names the pass in
    the log."""
    done: Pass[Item, Result] = Pass(name)
    for item in items:
        try:
            with transaction.atomic():
                done.results.append(step(item))
        except Exception:
            logger.exception("%s: item %r failed and was skipped", name, item)
            done.failed.append(item)
    if done.failed:
        logger.error(
            "%s: %d item(s) failed and were skipped (the next run tries them again): %s",
            name,
            len(done.failed),
            ", ".join(repr(item) for item in done.failed),
        )
    return done
