"""What the report pages show: reads only."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from ..models import Report


def report_list() -> QuerySet[Report]:
    return Report.objects.select_related("program").order_by("-requested_at", "-id")


@dataclass(frozen=True)
class Verification:
    """What the verify page found: the report (None: no such number), and
    which of its files the upload is ("pdf", "xlsx", or "" for neither)."""

    report: Report | None
    matches: str
    sha256: str
    sm3: str


def report_verify(number: str, upload: UploadedFile) -> Verification:
    sha256, sm3 = hashlib.sha256(), hashlib.new("sm3")
    for chunk in upload.chunks():
        sha256.update(chunk)
        sm3.update(chunk)
    digest, digest_sm3 = sha256.hexdigest(), sm3.hexdigest()
    report = Report.objects.filter(number=number, status=Report.Status.DONE).first()
    matches = ""
    if report is not None:
        if (digest, digest_sm3) == (report.pdf_sha256, report.pdf_sm3):
            matches = "pdf"
        elif (digest, digest_sm3) == (report.xlsx_sha256, report.xlsx_sm3):
            matches = "xlsx"
    return Verification(report, matches, digest, digest_sm3)
