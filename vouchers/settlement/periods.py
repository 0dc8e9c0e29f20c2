"""Statement periods: ``months`` long (a divisor of 12), the first starting
on 1 January, so a quarter is January–March, April–June and so on."""

from __future__ import annotations

import calendar
from datetime import date


def period_containing(day: date, months: int) -> tuple[date, date]:
    """The first and last day of the period that holds ``day``."""
    if months < 1 or 12 % months:
        raise ValueError(f"a statement period divides the year, not {months} months")
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    return (
        date(day.year, first_month, 1),
        date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def period_before(day: date, months: int) -> tuple[date, date]:
    """The last period that ended before the one holding ``day``."""
    start, _end = period_containing(day, months)
    previous_day = date.fromordinal(start.toordinal() - 1)
    return period_containing(previous_day, months)


__all__ = ["period_before", "period_containing"]
