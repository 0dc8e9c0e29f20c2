"""Working days in mainland China: weekends, public holidays and the
weekend days worked in their place (调休), from config/data/workdays_cn.yaml
(the State Council's yearly notice). Periods counted in working days, such
as a program's public notice (公示), use it.

A year the file does not list falls back to Monday–Friday less the
fixed-date statutory holidays (元旦, 劳动节 1–2 May, 国庆节 1–3 October):
the lunar holidays cannot be guessed, so a program manager whose program
has a public notice is told on the program's page (``calendar_gaps``) until
that year's notice is added, and opening a notice that runs into such a
year is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("data") / "workdays_cn.yaml"
# Statutory holidays on fixed dates (全国年节及纪念日放假办法, as amended 2024).
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]


def _days(entry: object) -> list[date]:
    """A date, or a range written ``YYYY-MM-DD..YYYY-MM-DD`` (both included)."""
    if isinstance(entry, date):
        return [entry]
    first, _dots, last = str(entry).partition("..")
    start, end = date.fromisoformat(first), date.fromisoformat(last or first)
    if end < start:
        raise ValueError(f"{DATA.name}: range {entry} ends before it starts")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@cache
def calendar() -> Calendar:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8")) or {}
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year, entry in data.items():
        for kind, into in (("holidays", holidays), ("workdays", workdays)):
            for item in entry.get(kind) or ():
                days = _days(item)
                if any(d.year != int(year) for d in days):
                    raise ValueError(f"{DATA.name}: {item} is not in {year}")
                into.update(days)
    if holidays & workdays:
        raise ValueError(f"{DATA.name}: a day is both a holiday and a working day")
    return Calendar(frozenset(holidays), frozenset(workdays), frozenset(map(int, data)))


def is_working_day(day: date) -> bool:
    cal = calendar()
    if day.year not in cal.years:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
    if day in cal.workdays:
        return True
    return day.weekday() < 5 and day not in cal.holidays


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_from(start: date, count: int) -> date:
    """The last day of a period of ``count`` working days that begins on
    ``start`` (or on the first working day after it)."""
    if count < 1:
        raise ValueError("a period counts at least one working day")
    day = next_working_day(start)
    for _n in range(count - 1):
        day = next_working_day(day + timedelta(days=1))
    return day


def missing_years(*years: int) -> list[int]:
    """Those of ``years`` the calendar does not list."""
    return sorted(set(years) - calendar().years)


def calendar_gaps(today: date) -> list[int]:
    """The years a notice opened now may need that the calendar lacks: this
    one, and from December the next (its notice comes out in November)."""
    return missing_years(today.year, *([today.year + 1] if today.month == 12 else []))
