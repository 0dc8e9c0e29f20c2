"""A report's files: the PDF (WeasyPrint, PDF/A-3b with the detail rows
attached as CSV) and the XLSX (the same figures and rows), in Chinese."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from config.pdf import render_pdf

from ..models import Report
from . import charts
from .data import CHARGE_COLUMNS, ProgramFigures, charge_rows

PDF_TEMPLATE = "audits/reports/pdf/program.html"


def digests(content: bytes) -> tuple[str, str]:
    """SHA-256 and SM3 (GB/T 32905) of a file, hex."""
    return hashlib.sha256(content).hexdigest(), hashlib.new("sm3", content).hexdigest()


def program_pdf(
    report: Report,
    figures: ProgramFigures,
    detail: bytes,
    detail_count: int,
    detail_total: Decimal,
) -> bytes:
    from weasyprint import Attachment

    with translation.override("zh-hans"):
        context = {
            "report": report,
            "f": figures,
            "program": figures.program,
            "detail_count": detail_count,
            "detail_total": detail_total,
            "chart_budget": charts.bars(
                [
                    (_("Appropriated"), figures.budget_total.get("appropriated", 0)),
                    (_("Issued to vouchers"), figures.budget_total.get("issued", 0)),
                    (_("Released back"), figures.budget_total.get("released", 0)),
                    (_("Remaining"), figures.budget_total.get("remaining", 0)),
                ]
            ),
            "chart_monthly": charts.columns(figures.monthly),
            "chart_city": charts.bars(
                [(city, total) for city, _n, total in figures.applications_by_city]
            ),
            "printed_at": timezone.localtime(),
        }
        attachment = Attachment(
            string=detail,
            name="charges.csv",
            description=str(_("Every charge of the program (UTF-8 CSV)")),
            relationship="Data",
        )
        return render_pdf(
            PDF_TEMPLATE,
            context,
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
        )


def program_xlsx(report: Report, figures: ProgramFigures) -> bytes:
    book = Workbook(write_only=True)

    def sheet(title: str, header: list[str], rows: Iterable[Iterable[object]]):
        ws = book.create_sheet(str(title)[:31])
        ws.append([str(h) for h in header])
        for row in rows:
            ws.append([v if isinstance(v, Decimal | int) else str(v) for v in row])

    with translation.override("zh-hans"):
        sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            [
                (_("Report number"), report.number),
                (_("Program"), f"{figures.program.name_zh}（{figures.program.code}）"),
                (
                    _("Generated"),
                    timezone.localtime(report.finished_at or timezone.now()).strftime(
                        "%Y-%m-%d %H:%M:%S"
                    ),
                ),
                (_("Audit chain checkpoint"), f"{report.checkpoint_seq or '—'}"),
                (_("Head hash"), report.checkpoint_hash),
                (_("Detail fingerprint (SHA-256)"), report.fingerprint),
                (_("Charges"), figures.charge_count),
                (_("Charged (yuan)"), figures.charge_total),
            ],
        )
        sheet(
            _("Budget"),
            [
                _("Funding source"),
                _("Appropriated"),
                _("Issued to vouchers"),
                _("Released back"),
                _("Remaining"),
            ],
            [
                (
                    r["source"],
                    r["appropriated"],
                    r["issued"],
                    r["released"],
                    r["remaining"],
                )
                for r in figures.budget
            ],
        )
        sheet(
            pgettext("records", "Applications"),
            [
                _("Status"),
                pgettext("records", "Applications"),
                _("Subsidy requested (yuan)"),
            ],
            figures.applications_by_status,
        )
        sheet(
            _("By city"),
            [
                _("City"),
                pgettext("records", "Applications"),
                _("Subsidy requested (yuan)"),
            ],
            figures.applications_by_city,
        )
        sheet(
            _("By provider"),
            [
                _("Provider"),
                _("Charges"),
                _("Confirmed (yuan)"),
                _("Held (yuan)"),
                _("Voided (yuan)"),
            ],
            [
                (r["provider"], r["count"], r["confirmed"], r["held"], r["voided"])
                for r in figures.charges_by_provider
            ],
        )
        sheet(
            _("Statements"),
            [
                _("Statement"),
                _("Provider"),
                _("Period"),
                _("Status"),
                _("Total (yuan)"),
                _("Paid (yuan)"),
            ],
            [
                (
                    s["number"],
                    s["provider"],
                    s["period"],
                    str(s["status"]),
                    s["total"],
                    s["paid"],
                )
                for s in figures.statements
            ],
        )
        detail = book.create_sheet(str(pgettext("records", "Charges"))[:31])
        detail.append(list(CHARGE_COLUMNS))
        for row in charge_rows(figures.program):
            detail.append([*row[:9], Decimal(row[9]), *row[10:]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["digests", "program_pdf", "program_xlsx"]
