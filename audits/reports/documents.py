"""A report's files: the PDF (WeasyPrint, PDF/A-3b with the detail rows
attached as CSV) and the XLSX (the same figures and rows), in Chinese."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from config.formats import moment
from config.pdf import render_pdf

from ..models import Report
from . import charts
from .data import (
    CHARGE_COLUMNS,
    EnterpriseFigures,
    ProgramFigures,
    ProviderFigures,
    charge_rows,
)

PROGRAM_TEMPLATE = "audits/reports/pdf/program.html"
PROVIDER_TEMPLATE = "audits/reports/pdf/provider.html"
ENTERPRISE_TEMPLATE = "audits/reports/pdf/enterprise.html"


def digests(content: bytes) -> tuple[str, str]:
    """SHA-256 and SM3 (GB/T 32905) of a file, hex."""
    return hashlib.sha256(content).hexdigest(), hashlib.new("sm3", content).hexdigest()


def _pdf(
    report: Report,
    template: str,
    context: dict[str, Any],
    detail: bytes,
    detail_count: int,
    detail_total: Decimal,
) -> bytes:
    """The PDF of any kind: the frame's facts, the kind's sections, the
    detail rows attached as charges.csv."""
    from weasyprint import Attachment

    attachment = Attachment(
        string=detail,
        name="charges.csv",
        description=str(_("The charges the report covers (UTF-8 CSV)")),
        relationship="Data",
    )
    return render_pdf(
        template,
        {
            **context,
            "report": report,
            "detail_count": detail_count,
            "detail_total": detail_total,
            "printed_at": timezone.localtime(),
        },
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
    )


def program_pdf(
    report: Report,
    figures: ProgramFigures,
    detail: bytes,
    detail_count: int,
    detail_total: Decimal,
) -> bytes:
    with translation.override("zh-hans"):
        context = {
            "title": _("Program audit report"),
            "subtitle": f"{figures.program.name_zh}（{figures.program.code}）",
            "f": figures,
            "program": figures.program,
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
        }
        return _pdf(
            report, PROGRAM_TEMPLATE, context, detail, detail_count, detail_total
        )


def provider_pdf(
    report: Report,
    figures: ProviderFigures,
    detail: bytes,
    detail_count: int,
    detail_total: Decimal,
) -> bytes:
    with translation.override("zh-hans"):
        provider = figures.provider
        context = {
            "title": _("Provider reconciliation report"),
            "subtitle": f"{provider.name} · {figures.start} — {figures.end}",
            "f": figures,
            "chart_programs": charts.bars(
                [(r["program"], r["confirmed"]) for r in figures.by_program]
            ),
        }
        return _pdf(
            report, PROVIDER_TEMPLATE, context, detail, detail_count, detail_total
        )


def enterprise_pdf(
    report: Report,
    figures: EnterpriseFigures,
    detail: bytes,
    detail_count: int,
    detail_total: Decimal,
) -> bytes:
    with translation.override("zh-hans"):
        enterprise = figures.enterprise
        context = {
            "title": _("Enterprise dossier"),
            "subtitle": f"{enterprise.name}（{enterprise.uscc}）",
            "f": figures,
        }
        return _pdf(
            report, ENTERPRISE_TEMPLATE, context, detail, detail_count, detail_total
        )


def workbook() -> tuple[Workbook, Callable[..., None]]:
    book = Workbook(write_only=True)

    def sheet(title: str, header: list[str], rows: Iterable[Iterable[object]]):
        ws = book.create_sheet(str(title)[:31])
        ws.append([str(h) for h in header])
        for row in rows:
            ws.append([v if isinstance(v, Decimal | int) else str(v) for v in row])

    return book, sheet


def _detail_sheet(book: Workbook, charges: QuerySet) -> None:
    detail = book.create_sheet(str(pgettext("records", "Charges"))[:31])
    detail.append(list(CHARGE_COLUMNS))
    for row in charge_rows(charges):
        detail.append([*row[:9], Decimal(row[9]), *row[10:]])


def _summary(
    report: Report, subject: str, count: int, total: Decimal
) -> tuple[tuple[str, object], ...]:
    return (
        (_("Report number"), report.number),
        (_("Kind"), str(report.get_kind_display())),
        (_("Subject"), subject),
        (
            _("Generated"),
            moment(report.finished_at or timezone.now(), seconds=True),
        ),
        (_("Audit chain checkpoint"), f"{report.checkpoint_seq or '—'}"),
        (_("Head hash"), report.checkpoint_hash),
        (_("Detail fingerprint (SHA-256)"), report.fingerprint),
        (_("Charges"), count),
        (_("Charged (yuan)"), total),
    )


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def provider_xlsx(report: Report, figures: ProviderFigures, charges: QuerySet) -> bytes:
    book, sheet = workbook()
    with translation.override("zh-hans"):
        sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            _summary(
                report,
                f"{figures.provider.name} · {figures.start} — {figures.end}",
                figures.charge_count,
                figures.confirmed_total,
            ),
        )
        sheet(
            _("By program"),
            [
                _("Program"),
                _("Charges"),
                _("Confirmed (yuan)"),
                _("Held (yuan)"),
                _("Voided (yuan)"),
            ],
            [
                (r["program"], r["count"], r["confirmed"], r["held"], r["voided"])
                for r in figures.by_program
            ],
        )
        sheet(
            _("Statements"),
            [
                _("Statement"),
                _("Program"),
                _("Period"),
                _("Status"),
                _("Total (yuan)"),
                _("Matched"),
                _("Differences"),
                _("Paid (yuan)"),
            ],
            [
                (
                    s["number"],
                    s["program"],
                    s["period"],
                    str(s["status"]),
                    s["total"],
                    s["reconciliation"][0] if s["reconciliation"] else "—",
                    s["reconciliation"][1] if s["reconciliation"] else "—",
                    s["paid"],
                )
                for s in figures.statements
            ],
        )
        _detail_sheet(book, charges)
    return workbook_bytes(book)


def enterprise_xlsx(
    report: Report, figures: EnterpriseFigures, charges: QuerySet
) -> bytes:
    book, sheet = workbook()
    e = figures.enterprise
    with translation.override("zh-hans"):
        sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            _summary(
                report,
                f"{e.name}（{e.uscc}）",
                figures.charge_count,
                figures.charge_total,
            ),
        )
        sheet(
            pgettext("records", "Applications"),
            [
                _("Number"),
                _("Program"),
                _("Provider"),
                _("Contract number"),
                _("Status"),
                _("Subsidy requested (yuan)"),
            ],
            [
                (
                    a["number"],
                    a["program"],
                    a["provider"],
                    a["contract"],
                    str(a["status"]),
                    a["requested"] if a["requested"] is not None else "—",
                )
                for a in figures.applications
            ],
        )
        # Every rule result of every screening, its reason with the article
        # the program version cites for the rule (as on the PDF).
        sheet(
            _("Rule results"),
            [
                _("Number"),
                _("Screened at"),
                _("Version"),
                _("Rule"),
                _("Result"),
                _("Reason"),
            ],
            [
                (
                    a["number"],
                    moment(d["at"]),
                    d["version"],
                    r["title"],
                    r["outcome"],
                    r["reason"],
                )
                for a in figures.applications
                for d in a["decisions"]
                for r in d["rules"]
            ],
        )
        sheet(
            pgettext("records", "Vouchers"),
            [_("Voucher code"), _("Program"), _("Face value (yuan)"), _("Status")],
            [
                (v["code"], v["program"], v["face"], str(v["status"]))
                for v in figures.vouchers
            ],
        )
        _detail_sheet(book, charges)
    return workbook_bytes(book)


def program_sheets(sheet: Callable[..., None], figures: ProgramFigures) -> None:
    """The figure sheets of a program (the report's XLSX, the dashboard's)."""
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


def program_xlsx(report: Report, figures: ProgramFigures, charges: QuerySet) -> bytes:
    book, sheet = workbook()

    with translation.override("zh-hans"):
        sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            _summary(
                report,
                f"{figures.program.name_zh}（{figures.program.code}）",
                figures.charge_count,
                figures.charge_total,
            ),
        )
        program_sheets(sheet, figures)
        _detail_sheet(book, charges)
    return workbook_bytes(book)


__all__ = [
    "digests",
    "enterprise_pdf",
    "enterprise_xlsx",
    "program_pdf",
    "program_xlsx",
    "provider_pdf",
    "provider_xlsx",
]
