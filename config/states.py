"""State maps: for each status, the statuses it may move to.

Every model with a lifecycle (programs, applications, vouchers, providers)
declares one ``StateMap`` next to its services; a service checks the move
with ``StateMap.move`` before it saves, so a refused move says, in the
user's language, which status the object has and which it cannot take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise

from .exceptions import ApplicationError

# The error code of every refused move.
TRANSITION = "transition"


@dataclass(frozen=True)
class StateMap:
    """``transitions[a]`` is the set of statuses a ``status == a`` object may
    take next; a status missing from the map or mapped to nothing is final.
    ``refusal`` is the (lazily translated) message of a refused move, with
    ``%(from)s`` and ``%(to)s`` for the two labels."""

    statuses: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str]]
    refusal: str | Promise

    def __post_init__(self) -> None:
        known = set(self.statuses.values)
        for source, targets in self.transitions.items():
            unknown = ({source} | set(targets)) - known
            if unknown:
                raise ValueError(f"unknown statuses in the map: {sorted(unknown)}")

    def next_statuses(self, status: str) -> frozenset[str]:
        return self.transitions.get(status, frozenset())

    def allows(self, from_status: str, to_status: str) -> bool:
        return to_status in self.next_statuses(from_status)

    def check(self, from_status: str, to_status: str) -> None:
        """Raise ``ApplicationError`` (code ``transition``) unless the move
        is allowed."""
        if self.allows(from_status, to_status):
            return
        raise ApplicationError(
            self.refusal
            % {"from": self._label(from_status), "to": self._label(to_status)},
            code=TRANSITION,
        )

    def move(self, obj: models.Model, to_status: str, *, field: str = "status") -> str:
        """Check the move, set ``obj.<field>`` (not saved) and return the
        status it had before."""
        before = getattr(obj, field)
        self.check(before, to_status)
        setattr(obj, field, to_status)
        return before

    def _label(self, status: str) -> str:
        if status in self.statuses.values:
            return str(self.statuses(status).label)
        return status
