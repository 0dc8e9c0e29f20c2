"""How lists and labels read in the active language: 存储、网络、安全 and
企业规模：小型 in Chinese (the enumeration comma, the full-width colon),
"storage, network" and "Size class: small" in English. Templates use them
as ``|join_list`` and ``{% colon %}`` (enterprises.templatetags
.register_tags). Dates and times written from Python (confirmation pages,
PDFs, exports, reasons) are ``day``, ``moment`` and ``period``: ISO dates,
local time to the minute, as templates write them with ``|date:"Y-m-d"``
and ``|date:"Y-m-d H:i"``. Amounts and rates are config.money.yuan /
percent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone, translation


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def join_list(items: Iterable[object]) -> str:
    separator = ", " if _english() else "、"
    return separator.join(str(item) for item in items)


def colon() -> str:
    """Between a label and its value: the full-width colon in Chinese."""
    return ": " if _english() else "："


def day(value: date | datetime | None) -> str:
    """2026-12-07; a time is first put in the site's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def moment(value: datetime | None, *, seconds: bool = False) -> str:
    """2026-12-07 15:25 in the site's time zone (with seconds if asked)."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    )


def period(start: date, end: date) -> str:
    """Both days of a period, as the pages write it: 2026-12-01 — 2026-12-31."""
    return f"{day(start)} — {day(end)}"
