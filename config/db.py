"""What a database error says, the same way on PostgreSQL and on SQLite."""

from __future__ import annotations

from django.db import IntegrityError


def violates(exc: IntegrityError, constraint: str, *, columns: tuple[str, ...]) -> bool:
    """Whether ``exc`` is the violation of the unique constraint (or index)
    named ``constraint`` over ``columns``. PostgreSQL names the constraint;
    SQLite names only the table's columns ("UNIQUE constraint failed:
    t.a, t.b"), so the columns are compared there."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:
        return diag.constraint_name == constraint
    message = str(exc)
    if not message.startswith("UNIQUE constraint failed: "):
        return False
    failed = message.removeprefix("UNIQUE constraint failed: ").split(", ")
    return tuple(name.rsplit(".", 1)[-1] for name in failed) == columns
