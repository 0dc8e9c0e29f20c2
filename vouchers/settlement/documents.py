"""A statement as the department files it: XLSX (openpyxl) and PDF
(WeasyPrint, A4, Chinese), both from the same rows, whatever the language of
the page that asked for them."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from config.formats import moment
from config.money import yuan
from config.pdf import render_pdf

from ..models import Statement
from .selectors import latest_reconciliation, statement_lines

PDF_TEMPLATE = "vouchers/pdf/statement.html"


def _columns() -> list[str]:
    return [
        _("No."),
        _("Confirmed"),
        _("Voucher code"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("Offering"),
        _("Quantity"),
        _("Unit"),
        _("Unit price (yuan)"),
        _("Amount (yuan)"),
        _("Invoice number"),
    ]


def _rows(statement: Statement) -> list[list[object]]:
    return [
        [
            n,
            moment(c.decided_at),
            c.voucher.code,
            c.enterprise.name,
            c.enterprise.uscc,
            c.offering.name,
            c.quantity.normalize(),
            c.unit_label,
            c.unit_price.normalize(),
            c.amount,
            c.invoice_number,
        ]
        for n, c in enumerate(statement_lines(statement), start=1)
    ]


def statement_xlsx(statement: Statement) -> bytes:
    with translation.override("zh-hans"):
        book = Workbook()
        sheet = book.active
        sheet.title = statement.number[:31]
        facts = [
            (_("Statement"), statement.number),
            (_("Program"), f"{statement.program.name_zh}（{statement.program.code}）"),
            (_("Provider"), f"{statement.provider.name}（{statement.provider.uscc}）"),
            (_("Period"), f"{statement.period_start} — {statement.period_end}"),
            (_("Status"), statement.get_status_display()),
            (_("Charges"), statement.charge_count),
            (_("Total (yuan)"), statement.total),
        ]
        for label, value in facts:
            sheet.append([label, value])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append([])
        sheet.append(_columns())
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in _rows(statement):
            sheet.append(row)
        for row in sheet.iter_rows(min_row=header_row + 1):
            for cell in row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
        sheet.cell(row=len(facts), column=2).number_format = "#,##0.00"
        for letter, width in zip(
            "ABCDEFGHIJK", (6, 17, 22, 30, 22, 24, 10, 10, 14, 16, 22), strict=True
        ):
            sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _unit_price(price: Decimal) -> str:
    """At least two places, more when the price has them: 9.80, 0.0125."""
    exponent = price.as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return f"{price:,.{places}f}"


def statement_pdf(statement: Statement, *, request=None) -> bytes:
    with translation.override("zh-hans"):
        payment = getattr(statement, "payment", None)
        return render_pdf(
            PDF_TEMPLATE,
            {
                "statement": statement,
                "columns": _columns(),
                "rows": [
                    [*row[:8], _unit_price(row[8]), yuan(row[9]), row[10]]
                    for row in _rows(statement)
                ],
                "total": yuan(statement.total),
                "reconciliation": latest_reconciliation(statement),
                "payment": payment,
                "payment_amount": yuan(payment.amount) if payment else "",
                "printed_at": timezone.localtime(),
            },
            request=request,
        )


__all__ = ["statement_pdf", "statement_xlsx"]
