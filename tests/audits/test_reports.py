"""Program reports: built in the background with progress, read back from
the PDF (pdftotext) and its attached CSV (pdfdetach) and from the XLSX,
figures equal to the database; the digests stored; the public verify page
accepts the file and refuses a one-byte change; a second report is a new
number that leaves the first untouched."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent, Report
from audits.reports import services
from tests.factories import make_role_user
from tests.factories.redemption import charge_setup
from vouchers.models import Application, Redemption
from vouchers.redemption import services as redemption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def auditor():
    return make_role_user(Role.AUDITOR, region="330000")


@pytest.fixture
def program_with_charges():
    setup = charge_setup()
    first = setup.hold()  # 1,250.00
    setup.hold(quantity=Decimal("40"))  # 500.00, stays pending
    redemption.redemption_confirm(redemption=first, user=setup.applicant)
    return setup.voucher.program


def build(program, actor, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(kind="program", program=program, actor=actor)
    report.refresh_from_db()
    return report


def pdf_text(path: str) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout


def attached_csv(path: str, into: Path) -> list[dict[str, str]]:
    target = into / "attached.csv"
    subprocess.run(
        ["pdfdetach", "-save", "1", "-o", str(target), path],
        check=True,
        capture_output=True,
    )
    return list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))


def test_a_program_report_holds_the_figures_of_the_database(
    program_with_charges, auditor, media, django_capture_on_commit_callbacks
):
    # when
    report = build(program_with_charges, auditor, django_capture_on_commit_callbacks)

    # then: built, with its chain checkpoint and digests
    assert report.status == Report.Status.DONE
    assert report.progress == 100
    assert report.number.startswith("AR-")
    assert report.checkpoint_seq
    assert report.checkpoint_hash
    pdf = Path(report.pdf.path).read_bytes()
    assert report.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert report.pdf_sm3 == hashlib.new("sm3", pdf).hexdigest()
    xlsx = Path(report.xlsx.path).read_bytes()
    assert report.xlsx_sha256 == hashlib.sha256(xlsx).hexdigest()
    assert AuditEvent.objects.filter(
        action=actions.REPORT_GENERATED, object_id=str(report.pk)
    ).exists()

    # the PDF, in Chinese, with the key figures
    text = pdf_text(report.pdf.path)
    for heading in (
        "项目审计报告",
        "一、项目参数及版本",
        "二、预算执行",
        "五、兑付",
        "八、异常标记",
    ):
        assert heading in text
    assert report.number in text
    assert f"第 {report.checkpoint_seq} 位" in text
    assert "第 1 页，共" in text
    applications = Application.objects.filter(program=program_with_charges).count()
    assert applications == 1
    assert "1,250.00" in text  # confirmed
    assert "500.00" in text  # held
    meta = subprocess.run(
        ["pdfinfo", "-meta", report.pdf.path], capture_output=True, text=True
    ).stdout
    assert 'pdfaid:part="3"' in meta  # PDF/A-3b: files may be attached
    assert 'pdfaid:conformance="B"' in meta

    # the attached CSV: every charge, summing to the database's total
    rows = attached_csv(report.pdf.path, media)
    charges = Redemption.objects.filter(program=program_with_charges)
    assert len(rows) == charges.count() == 2
    assert (
        sum(Decimal(r["amount"]) for r in rows)
        == charges.aggregate(t=Sum("amount"))["t"]
    )
    detail = (media / "attached.csv").read_bytes()
    assert hashlib.sha256(detail).hexdigest() == report.fingerprint

    # the XLSX: the same rows
    book = load_workbook(io.BytesIO(xlsx))
    assert "概要" in book.sheetnames
    sheet = book["扣费"]
    amounts = [r[9] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(Decimal(str(a)) for a in amounts) == Decimal("1750.00")


def test_a_second_report_is_a_new_number_and_leaves_the_first(
    program_with_charges, auditor, django_capture_on_commit_callbacks
):
    first = build(program_with_charges, auditor, django_capture_on_commit_callbacks)
    first_pdf = Path(first.pdf.path).read_bytes()

    second = build(program_with_charges, auditor, django_capture_on_commit_callbacks)

    assert second.number != first.number
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    first.refresh_from_db()
    assert Path(first.pdf.path).read_bytes() == first_pdf
    assert first.pdf_sha256 == hashlib.sha256(first_pdf).hexdigest()


def test_a_failed_build_is_marked_and_writes_nothing(
    program_with_charges, auditor, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr("audits.reports.documents.program_pdf", broken)

    report = build(program_with_charges, auditor, django_capture_on_commit_callbacks)

    assert report.status == Report.Status.FAILED
    assert not report.pdf
    assert not AuditEvent.objects.filter(action=actions.REPORT_GENERATED).exists()


def test_only_managers_and_auditors_ask_for_reports(program_with_charges):
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        services.report_request(
            kind="program",
            program=program_with_charges,
            actor=make_role_user(Role.REVIEWER, region="330106"),
        )
    assert not Report.objects.exists()


# -- the pages ------------------------------------------------------------------------


def test_an_auditor_asks_watches_and_downloads(
    client, program_with_charges, auditor, django_capture_on_commit_callbacks
):
    client.sign_in(auditor, language="zh-hans")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audits:report-request"),
            {"kind": "program", "program": program_with_charges.pk},
        )

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:report-detail", args=[report.number])
    page = client.get(response["Location"]).content.decode()
    assert "已生成" in page
    assert report.pdf_sm3 in page
    download = client.get(
        reverse("audits:report-download", args=[report.number, "pdf"])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:5] == b"%PDF-"
    assert AuditEvent.objects.filter(
        action=actions.REPORT_DOWNLOADED, actor=auditor
    ).exists()


def test_a_queued_report_shows_its_progress_and_refreshes(
    client, program_with_charges, auditor
):
    client.sign_in(auditor, language="zh-hans")
    report = services.report_request(
        kind="program", program=program_with_charges, actor=auditor
    )  # the test's transaction never commits: the build never starts
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, progress=45
    )

    page = client.get(reverse("audits:report-detail", args=[report.number]))

    content = page.content.decode()
    assert 'http-equiv="refresh"' in content
    assert 'value="45"' in content
    assert "下载" not in content.split("<main", 1)[1].split("</main>")[0]


def test_the_request_form_needs_a_program(client, auditor):
    client.sign_in(auditor, language="zh-hans")

    response = client.post(
        reverse("audits:report-request"), {"kind": "program", "program": ""}
    )

    assert response.status_code == 400
    assert not Report.objects.exists()


# -- the public verify page ----------------------------------------------------------


def verify(client, number: str, content: bytes, name: str = "report.pdf"):
    return client.post(
        reverse("report-verify"),
        {"number": number, "file": SimpleUploadedFile(name, content)},
    )


@pytest.fixture
def built(program_with_charges, auditor, django_capture_on_commit_callbacks):
    return build(program_with_charges, auditor, django_capture_on_commit_callbacks)


def test_anyone_verifies_the_issued_file(client, built):
    pdf = Path(built.pdf.path).read_bytes()
    xlsx = Path(built.xlsx.path).read_bytes()

    as_pdf = verify(client, built.number.lower(), pdf)
    as_xlsx = verify(client, built.number, xlsx, "report.xlsx")

    assert as_pdf.status_code == 200
    assert 'data-testid="verified"' in as_pdf.content.decode()
    assert as_pdf.context["result"].matches == "pdf"
    assert as_xlsx.context["result"].matches == "xlsx"


def test_a_one_byte_change_is_refused(client, built):
    pdf = bytearray(Path(built.pdf.path).read_bytes())
    pdf[len(pdf) // 2] ^= 0x01

    response = verify(client, built.number, bytes(pdf))

    content = response.content.decode()
    assert 'data-testid="not-verified"' in content
    assert "已被改动" in content


def test_an_unknown_number_is_said_so(client, built):
    response = verify(client, "AR-2026-999998", Path(built.pdf.path).read_bytes())

    assert "系统未签发过该编号的报告" in response.content.decode()


def test_the_verify_page_limits_each_client(client, built, settings):
    from django.core.cache import cache

    cache.clear()
    for _ in range(30):
        assert verify(client, built.number, b"x").status_code == 200
    assert verify(client, built.number, b"x").status_code == 429
    cache.clear()


# -- the signature ---------------------------------------------------------------------


def test_the_pdf_is_signed_with_the_configured_key_and_the_signature_holds(built):
    from asn1crypto import pem, x509
    from django.conf import settings
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with open(settings.AUDIT_REPORT_SIGNING_CERT, "rb") as f:
        root = x509.Certificate.load(pem.unarmor(f.read())[2])
    with open(built.pdf.path, "rb") as f:
        reader = PdfFileReader(f)
        (signature,) = reader.embedded_signatures
        status = validate_pdf_signature(
            signature, ValidationContext(trust_roots=[root])
        )

    assert status.intact
    assert status.valid
    assert status.trusted
    assert "演示证书" in built.signer
    # the signature covers the whole file as issued (nothing appended after)
    assert status.coverage.name == "ENTIRE_FILE"
    # and the stored digests are those of the signed file
    assert (
        built.pdf_sha256
        == hashlib.sha256(Path(built.pdf.path).read_bytes()).hexdigest()
    )


def test_without_a_key_the_report_is_unsigned_and_says_so(
    settings, program_with_charges, auditor, client, django_capture_on_commit_callbacks
):
    settings.AUDIT_REPORT_SIGNING_KEY = ""

    report = build(program_with_charges, auditor, django_capture_on_commit_callbacks)

    assert report.status == Report.Status.DONE
    assert report.signer == ""
    assert b"/ByteRange" not in Path(report.pdf.path).read_bytes()
    client.sign_in(auditor, language="zh-hans")
    page = client.get(reverse("audits:report-detail", args=[report.number]))
    assert "未签名" in page.content.decode()


# -- the other kinds ------------------------------------------------------------------


def test_a_provider_reconciliation_report_covers_its_period(
    auditor, media, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    setup = charge_setup()
    inside = setup.hold()  # 1,250.00, today
    old = setup.hold(quantity=Decimal("8"))  # 100.00, moved out of the period
    Redemption.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=400)
    )
    today = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            kind="provider",
            provider=setup.provider,
            period_start=today.replace(day=1),
            period_end=today,
            actor=auditor,
        )
    report.refresh_from_db()

    assert report.status == Report.Status.DONE
    text = pdf_text(report.pdf.path)
    assert "服务商对账报告" in text
    assert setup.provider.name in text
    rows = attached_csv(report.pdf.path, media)
    assert [r["charge_id"] for r in rows] == [str(inside.pk)]
    assert report.subject.startswith(setup.provider.name)


def test_an_enterprise_dossier_shows_each_decision_with_its_rules(
    auditor, media, django_capture_on_commit_callbacks
):
    setup = charge_setup()
    setup.hold()
    enterprise = setup.voucher.enterprise

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            kind="enterprise", enterprise=enterprise, actor=auditor
        )
    report.refresh_from_db()

    assert report.status == Report.Status.DONE
    text = pdf_text(report.pdf.path).replace(" ", "")
    assert "企业档案" in text
    assert enterprise.uscc in text
    assert setup.voucher.application.number in text
    assert "企业规模" in text  # a rule's title from the stored decision
    assert "通过" in text
    assert setup.voucher.code in text
    assert len(attached_csv(report.pdf.path, media)) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "provider"}, "provider", "请选择服务商"),
        (
            {"kind": "enterprise", "enterprise": "91330106MA00000000"},
            "enterprise",
            "登记库中没有",
        ),
        ({"kind": "enterprise"}, "enterprise", "请选择企业"),
    ],
)
def test_each_kind_says_what_it_needs(client, auditor, data, field, message):
    client.sign_in(auditor, language="zh-hans")

    response = client.post(reverse("audits:report-request"), data)

    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not Report.objects.exists()


def test_a_provider_period_is_complete_ordered_and_at_most_a_year(auditor):
    from config.exceptions import ApplicationError
    from tests.factories import ProviderFactory

    provider = ProviderFactory()
    for start, end, field in (
        (None, None, "period_start"),
        (date(2026, 5, 1), date(2026, 4, 1), "period_end"),
        (date(2025, 1, 1), date(2026, 6, 1), "period_end"),
    ):
        with pytest.raises(ApplicationError) as refused:
            services.report_request(
                kind="provider",
                provider=provider,
                period_start=start,
                period_end=end,
                actor=auditor,
            )
        assert refused.value.field == field
    assert not Report.objects.exists()


def test_a_report_is_signed_inside_a_running_event_loop_too():
    # an ASGI server, or a browser test driving the site from this thread
    import asyncio

    from audits.reports import signing

    pdf = _pdf()

    async def inside():
        return signing.sign_pdf(pdf, number="AR-2026-999999")

    signed, signer = asyncio.run(inside())
    assert signer
    assert b"/ByteRange" in signed


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>签名测试</p>").write_pdf()
