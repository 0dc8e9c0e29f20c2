"""A listing as XLSX: the same columns as the page, in Chinese, every row
that matches (up to MAX_ROWS)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone, translation
from openpyxl import Workbook

from config.formats import moment

from .listings import Listing

MAX_ROWS = 100_000


def listing_xlsx(listing: Listing, rows: QuerySet) -> tuple[bytes, int]:
    """The workbook's bytes and how many rows it holds."""
    book = Workbook(write_only=True)
    with translation.override("zh-hans"):
        sheet = book.create_sheet(str(listing.title)[:31])
        sheet.append([str(c.title) for c in listing.columns])
        count = 0
        for obj in rows[:MAX_ROWS].iterator(chunk_size=2000):
            sheet.append([_cell(c.value(obj)) for c in listing.columns])
            count += 1
        sheet.append([])
        sheet.append(
            [
                str(translation.gettext("Generated")),
                moment(timezone.now(), seconds=True),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def _cell(value: object) -> object:
    if isinstance(value, Decimal | int | float) or value is None:
        return value
    return str(value)


__all__ = ["MAX_ROWS", "listing_xlsx"]
