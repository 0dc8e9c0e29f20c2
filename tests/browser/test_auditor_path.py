"""The auditor's path in a real browser.

An auditor signs in with TOTP, opens the anomaly flags and dismisses one
with a note, asks for a program report, watches it until it is ready,
downloads the PDF, and checks it on the public verify page (as someone
without an account would): the file is named as issued, a copy with one
byte changed is not.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from accounts.roles import Role
from audits.flags.services import flags_scan
from audits.models import AuditEvent, Flag, Report
from tests.browser.helpers import nav_link, sign_in_with_totp
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    add_totp,
    make_role_user,
)
from tests.factories.redemption import charge_setup

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 5_000
REPORT_TIMEOUT_MS = 60_000
NOTE = "两份申报为同一合同续签，第一份已撤回，属正常情况。"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world():
    """A voucher with two charges on the Hangzhou program, one contract
    claimed twice (so one open flag), and an auditor with TOTP."""
    setup = charge_setup()
    setup.hold()
    setup.hold(quantity=Decimal("40"))
    provider = ProviderFactory(name="杭州重复合同算力有限公司")
    ApplicationFactory(withdrawn=True, provider=provider, contract_number="HT-TWICE")
    ApplicationFactory(submitted=True, provider=provider, contract_number="HT-TWICE")
    flags_scan()
    auditor = make_role_user(
        Role.AUDITOR, region="330000", mfa=False, email="auditor@example.com"
    )
    return {
        "program": setup.voucher.program,
        "auditor": auditor,
        "secret": add_totp(auditor),
    }


def test_an_auditor_triages_reports_and_anyone_verifies(
    page: Page, new_context, live_server, world, tmp_path
):
    base = live_server.url
    auditor = world["auditor"]

    # signs in with the second factor
    sign_in_with_totp(page, base, auditor.email, world["secret"])

    # triages the open flag
    nav_link(page, "/audit/flags/").click()
    flag = Flag.objects.get(rule="same_contract")
    page.locator(f"a[href='/audit/flags/{flag.pk}/']").click()
    expect(page.get_by_test_id("flag-text")).to_contain_text("HT-TWICE")
    triage = page.get_by_test_id("triage")
    triage.locator("input[name=status][value=dismissed]").check()
    triage.locator("textarea[name=note]").fill(NOTE)
    triage.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/audit/flags/$"))
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED
    assert flag.note == NOTE
    assert AuditEvent.objects.filter(action="flag.dismissed", actor=auditor).exists()

    # asks for a program report and watches it until it is ready
    nav_link(page, "/audit/reports/").click()
    form = page.get_by_test_id("report-request")
    form.locator("select[name=program]").select_option(str(world["program"].pk))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/audit/reports/AR-\d{4}-\d{6}/$"))
    expect(page.get_by_test_id("download-pdf")).to_be_visible(timeout=REPORT_TIMEOUT_MS)
    report = Report.objects.get()
    assert report.status == Report.Status.DONE
    expect(page.get_by_test_id("pdf-digests")).to_contain_text(report.pdf_sm3)

    # downloads the PDF
    with page.expect_download() as info:
        page.get_by_test_id("download-pdf").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"

    # someone without an account checks the copy, then a changed one
    context: BrowserContext = new_context()
    public = context.new_page()
    public.set_default_timeout(TIMEOUT_MS)
    public.goto(base + "/reports/verify/")
    public.fill("input[name=number]", report.number)
    public.set_input_files("input[name=file]", str(pdf))
    public.locator("main button[type=submit]").click()
    expect(public.get_by_test_id("verified")).to_contain_text(report.number)

    changed = bytearray(pdf.read_bytes())
    changed[len(changed) // 3] ^= 0x20
    tampered = tmp_path / "changed.pdf"
    tampered.write_bytes(bytes(changed))
    public.fill("input[name=number]", report.number)
    public.set_input_files("input[name=file]", str(tampered))
    public.locator("main button[type=submit]").click()
    expect(public.get_by_test_id("not-verified")).to_be_visible()
