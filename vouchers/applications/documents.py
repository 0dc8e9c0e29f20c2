"""The application receipt (受理回执): a PDF of the latest submission, with
the application number's QR code."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from config.pdf import qr_svg_data_uri, render_pdf

from ..models import Application
from ..programs.labels import STAGE_LABELS
from ..programs.selectors import program_version_at

RECEIPT_TEMPLATE = "vouchers/pdf/receipt.html"


def receipt_context(application: Application) -> dict[str, Any]:
    version = application.program_version or program_version_at(application.program)
    stages = version.parsed().review_stages
    return {
        "application": application,
        "enterprise": application.enterprise,
        "program": application.program,
        "provider": application.provider,
        "status": application.get_status_display(),
        "stages": [str(STAGE_LABELS.get(s, s)) for s in stages],
        "qr": qr_svg_data_uri(application.number or ""),
        "printed_at": timezone.now(),
    }


def receipt_pdf(application: Application) -> bytes:
    return render_pdf(RECEIPT_TEMPLATE, receipt_context(application))
