"""A provider's own records of a statement period, read from its CSV or XLSX
file: one row per invoice (invoice number, voucher code, amount, date).

The whole file is read or refused: a file with any bad row is refused with
every bad row named (up to ``MAX_ERRORS``), so the reconciliation report is
never built from half a file. The header row names the columns in Chinese
or English, in any order; columns other than these four are ignored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from config.exceptions import ApplicationError

from .. import error_codes
from ..issuance import codes

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS = 10

# Column → the header names it is known by (compared without spaces, case
# and underscores).
COLUMNS = {
    "invoice_number": ("invoicenumber", "invoice", "发票号码", "发票号"),
    "voucher_code": ("vouchercode", "voucher", "券码", "券号", "算力券编号"),
    "amount": ("amount", "金额", "金额元", "金额(元)", "金额（元）"),
    "date": ("date", "日期", "开票日期", "使用日期"),
}
REQUIRED = ("invoice_number", "amount")


@dataclass(frozen=True)
class Record:
    line: int
    invoice_number: str
    voucher_code: str
    amount: Decimal
    date: date | None


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, field="file", code=error_codes.RECORDS_FILE)


def _header_key(cell: object) -> str:
    return str(cell or "").strip().lower().replace(" ", "").replace("_", "")


def _rows_csv(content: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text))]
    raise _refuse(_("The file is not text in UTF-8 or GB18030."))


def _rows_xlsx(content: bytes) -> list[list[object]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a bad file
        raise _refuse(_("The file could not be read as an XLSX workbook.")) from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _amount(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    text = str(raw if raw is not None else "").strip().replace(",", "")
    text = text.removesuffix("元").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        return None
    return value.quantize(Decimal("0.01"))


class NotADate(Exception):
    pass


def _date(raw: object) -> date | None:
    """The date, or None for an empty cell; NotADate for anything else."""
    if raw is None or str(raw).strip() == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a day, not a moment
        except ValueError:
            continue
    raise NotADate(text)


def records_read(file_name: str, content: bytes) -> list[Record]:
    """The file's records, or ApplicationError naming what is wrong."""
    if len(content) > MAX_BYTES:
        raise _refuse(_("The file is larger than 5 MB."))
    name = (file_name or "").lower()
    if name.endswith(".xlsx"):
        rows = _rows_xlsx(content)
    elif name.endswith(".csv"):
        rows = _rows_csv(content)
    else:
        raise _refuse(_("Upload a CSV or XLSX file."))
    rows = [r for r in rows if any(str(c or "").strip() for c in r)]
    if not rows:
        raise _refuse(_("The file is empty."))
    header = [_header_key(c) for c in rows[0]]
    where: dict[str, int] = {}
    for column, names in COLUMNS.items():
        keys = {_header_key(n) for n in names}
        for i, name in enumerate(header):
            if name in keys:
                where[column] = i
                break
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise _refuse(
            _(
                "The first row must name the columns; missing: %(columns)s. "
                "Use 发票号码, 券码, 金额 and 日期 (or invoice_number, voucher_code, "
                "amount and date)."
            )
            % {"columns": "、".join(missing)}
        )
    if len(rows) - 1 > MAX_ROWS:
        raise _refuse(
            _("The file has more than %(n)s rows; split it by month.")
            % {"n": f"{MAX_ROWS:,}"}
        )

    def cell(row: list[object], column: str) -> object:
        i = where.get(column)
        return row[i] if i is not None and i < len(row) else None

    records: list[Record] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        invoice = str(cell(row, "invoice_number") or "").strip()
        raw_code = str(cell(row, "voucher_code") or "").strip()
        amount = _amount(cell(row, "amount"))
        problems = []
        try:
            day = _date(cell(row, "date"))
        except NotADate:
            day = None
            problems.append(_("the date is not a date (use 2026-03-31)"))
        if not invoice:
            problems.append(_("no invoice number"))
        elif len(invoice) > 40:
            problems.append(_("the invoice number is longer than 40 characters"))
        elif invoice in seen:
            problems.append(
                _("invoice %(number)s is also on line %(line)d")
                % {"number": invoice, "line": seen[invoice]}
            )
        if raw_code and not codes.is_valid(raw_code):
            problems.append(_("the voucher code is not a valid code"))
        if amount is None:
            problems.append(_("the amount is not a positive amount in yuan and fen"))
        if problems:
            errors.append(
                _("Line %(line)d: %(problems)s.")
                % {"line": n, "problems": "；".join(str(p) for p in problems)}
            )
            if len(errors) >= MAX_ERRORS:
                break
            continue
        seen[invoice] = n
        assert amount is not None
        records.append(
            Record(
                line=n,
                invoice_number=invoice,
                voucher_code=codes.format_code(raw_code) if raw_code else "",
                amount=amount,
                date=day,
            )
        )
    if errors:
        raise _refuse(
            _("Nothing was read; correct the file and upload it again. %(errors)s")
            % {"errors": " ".join(errors)}
        )
    return records


__all__ = ["Record", "records_read"]
