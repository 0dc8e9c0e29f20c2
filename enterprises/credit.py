"""Credit look-back arithmetic, shared by the register (credit status) and
the eligibility rule "credit", so both read the dishonesty list the same way."""

from __future__ import annotations

from datetime import date

DEFAULT_LOOKBACK_YEARS = 3


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def on_list(listed_on: date, removed_on: date | None, day: date) -> bool:
    """On the list that day: listed by then and not yet removed."""
    return listed_on <= day and (removed_on is None or removed_on > day)


def on_list_within(
    listed_on: date, removed_on: date | None, day: date, years: int
) -> bool:
    """On the list at any time in the ``years`` before ``day`` (or on it)."""
    return listed_on <= day and (
        removed_on is None or removed_on > years_before(day, years)
    )
