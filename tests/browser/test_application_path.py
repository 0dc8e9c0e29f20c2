"""The whole application path in a real browser.

An SME applies to HZ-COMPUTE-2026; the county reviewer approves; the city
reviewer returns it; the SME corrects and resubmits; county and city approve;
the voucher with its code and QR code is visible to the SME and its
certificate PDF downloads.

Three people, three browser contexts (own cookies), one live server; each
signs in through the login page, the reviewers with their TOTP code. The
assertions rest on the pages' test ids and data attributes rather than on
their wording, so that they hold whatever the state of the translations.
"""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from accounts.roles import Role
from enterprises.demo_data import DEMO_PDF
from enterprises.services import classify_enterprise
from tests.browser.helpers import nav_link, sign_in, sign_in_with_totp
from tests.factories import ProviderFactory, add_totp, make_role_user
from vouchers.demo.programs import load_demo_programs
from vouchers.ledger.checks import check_ledger
from vouchers.models import Application, Program, Voucher

# live_server needs committed data, so each test flushes the database after
# itself; serialized_rollback puts back what the migrations loaded (regions).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 5_000
# The certificate is rendered by WeasyPrint on request: give it time.
DOWNLOAD_TIMEOUT_MS = 30_000
VOUCHER_CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
RETURN_NOTE = "请补充合同附件"
PDF = DEMO_PDF
UPLOADS = {
    "contract": "算力服务合同.pdf",
    "quote": "报价单.pdf",
    "commitment": "无关联关系承诺书.pdf",
}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


def _person(new_context) -> Page:
    context: BrowserContext = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def county_page(new_context) -> Page:
    return _person(new_context)


@pytest.fixture
def city_page(new_context) -> Page:
    return _person(new_context)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded documents go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world():
    """The demo programs, a small Xihu software enterprise and its applicant,
    an approved compute provider, a Xihu (county) and a Hangzhou (city)
    reviewer with their TOTP secrets."""
    load_demo_programs(actor=None)
    program = Program.objects.get(code="HZ-COMPUTE-2026")
    applicant = make_role_user(Role.APPLICANT, region="330106", email="sme@example.com")
    enterprise = applicant.memberships.get().enterprise
    enterprise.name = "杭州西湖智算科技有限公司"
    enterprise.industry_code, enterprise.employees = "I65", 45
    enterprise.revenue = Decimal("12000000")
    enterprise.total_assets = Decimal("5000000")
    classify_enterprise(enterprise)
    enterprise.save()
    assert enterprise.size_class == "small"
    provider = ProviderFactory(name="杭州滨江算力服务有限公司")
    county = make_role_user(
        Role.REVIEWER, region="330106", mfa=False, email="xihu@example.com"
    )
    city = make_role_user(
        Role.REVIEWER, region="330100", mfa=False, email="hangzhou@example.com"
    )
    return {
        "program": program,
        "applicant": applicant,
        "enterprise": enterprise,
        "provider": provider,
        "county": (county, add_totp(county)),
        "city": (city, add_totp(city)),
    }


# -- helpers -------------------------------------------------------------------


def status_badge(page: Page):
    """The application's status badge in the applicant's page header."""
    return page.locator("main .title-row .badge[data-status]")


def decide(page: Page, number: str, decision: str, note: str = ""):
    """From the review queue: open the application and record a decision."""
    nav_link(page, "/review/").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    row = page.get_by_test_id("queue-row").filter(has_text=number)
    expect(row).to_have_count(1)
    row.locator("a[href^='/review/']").click()
    expect(page).to_have_url(re.compile(r"/review/\d+/$"))
    expect(page.locator("main h1")).to_contain_text(number)
    form = page.get_by_test_id("decision").locator("form[method=post]")
    form.locator(f"input[name=decision][value={decision}]").check()
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()


def submit_from_review_step(page: Page, pk: int) -> None:
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/review/$"))
    estimate = page.get_by_test_id("estimate")
    expect(estimate.get_by_test_id("subsidy")).to_have_text("200,000.00")
    expect(estimate.get_by_test_id("rate")).to_have_text("50%")
    expect(estimate.locator("tr[data-outcome=fail]")).to_have_count(0)
    expect(page.get_by_test_id("missing")).to_have_count(0)
    page.locator(
        f"main form[action='/applications/{pk}/review/'] button[type=submit]"
    ).click()
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/$"))
    expect(page.locator("main .messages .message.success")).to_be_visible()
    expect(status_badge(page)).to_have_attribute("data-status", "in_review")


# -- the path ------------------------------------------------------------------


def test_sme_applies_is_returned_resubmits_and_gets_a_voucher(
    live_server, world, page: Page, county_page: Page, city_page: Page, artifacts_dir
):
    base = live_server.url
    program, enterprise, provider = (
        world["program"],
        world["enterprise"],
        world["provider"],
    )

    # -- the applicant starts a draft -----------------------------------------
    sign_in(page, base, world["applicant"].email)
    expect(page).to_have_url(base + "/")
    nav_link(page, "/applications/").click()
    expect(page).to_have_url(re.compile(r"/applications/$"))
    page.get_by_test_id("new-application").click()
    expect(page).to_have_url(re.compile(r"/applications/new/$"))
    expect(page.locator("main tr[data-program='HZ-COMPUTE-2026'] .yes")).to_be_visible()
    new = page.locator("main form[action='/applications/new/']")
    new.locator("select[name=enterprise]").select_option(str(enterprise.pk))
    new.locator("select[name=program]").select_option(str(program.pk))
    new.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/contract/$"))
    pk = int(re.search(r"/applications/(\d+)/", page.url).group(1))
    application = Application.objects.get(pk=pk)
    assert application.enterprise_id == enterprise.pk
    assert application.program_id == program.pk

    # -- contract step --------------------------------------------------------
    contract = page.locator(f"main form[action='/applications/{pk}/contract/']")
    contract.locator("select[name=provider]").select_option(str(provider.pk))
    contract.locator("input[name=contract_number]").fill("BJSL-2026-0301")
    contract.locator("input[name=signed_on]").fill("2026-03-01")
    contract.locator("input[name=term_months]").fill("12")
    contract.locator("select[name=line_0_category]").select_option("compute")
    contract.locator("input[name=line_0_description]").fill("A800 GPU 训练卡时")
    contract.locator("input[name=line_0_amount]").fill("400000")
    contract.locator("select[name=line_1_category]").select_option("storage")
    contract.locator("input[name=line_1_description]").fill("对象存储")
    contract.locator("input[name=line_1_amount]").fill("20000")
    contract.locator("button[name=action][value=continue]").click()

    # -- documents step: one upload per required kind ------------------------
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/documents/$"))
    documents = page.locator(f"main form[action='/applications/{pk}/documents/']")
    for kind, name in UPLOADS.items():
        documents.locator(f"input[type=file][name={kind}]").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": PDF}
        )
    documents.locator("button[name=action][value=continue]").click()

    # -- review step: live estimate, then submit -----------------------------
    contract_panel = page.locator("main section[aria-labelledby=contract-title]")
    expect(contract_panel).to_contain_text("BJSL-2026-0301")
    expect(contract_panel).to_contain_text(provider.name)
    documents_panel = page.locator("main section[aria-labelledby=documents-title]")
    for name in UPLOADS.values():
        expect(documents_panel).to_contain_text(name)
    submit_from_review_step(page, pk)
    number = page.get_by_test_id("number").inner_text().strip()
    application.refresh_from_db()
    assert number == application.number
    expect(page.get_by_test_id("requested-subsidy")).to_have_text("200,000.00")
    expect(page.get_by_test_id("receipt")).to_be_visible()

    # -- the county reviewer approves -----------------------------------------
    county, county_secret = world["county"]
    sign_in_with_totp(county_page, base, county.email, county_secret)
    decide(county_page, number, "approve")
    expect(county_page).to_have_url(re.compile(r"/review/$"))
    expect(county_page.locator("main .messages .message.success")).to_contain_text(
        number
    )
    expect(
        county_page.get_by_test_id("queue-row").filter(has_text=number)
    ).to_have_count(0)

    # -- the city reviewer returns it ----------------------------------------
    city, city_secret = world["city"]
    sign_in_with_totp(city_page, base, city.email, city_secret)
    decide(city_page, number, "return", note=RETURN_NOTE)
    expect(city_page).to_have_url(re.compile(r"/review/$"))
    expect(city_page.locator("main .messages .message.success")).to_contain_text(number)
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED

    # -- the applicant reads the note, corrects and resubmits ----------------
    page.reload()
    expect(status_badge(page)).to_have_attribute("data-status", "returned")
    expect(page.get_by_test_id("returned")).to_contain_text(RETURN_NOTE)
    returned_row = page.get_by_test_id("timeline").locator("tr[data-status=returned]")
    expect(returned_row.get_by_test_id("note")).to_have_text(RETURN_NOTE)
    page.get_by_test_id("correct").click()
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/contract/$"))
    expect(page.get_by_test_id("returned")).to_contain_text(RETURN_NOTE)
    description = contract.locator("input[name=line_0_description]")
    expect(description).to_have_value("A800 GPU 训练卡时")
    expect(contract.locator("input[name=signed_on]")).to_have_value("2026-03-01")
    description.fill("A800 GPU 训练卡时（合同附件一）")
    contract.locator("button[name=action][value=continue]").click()
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/documents/$"))
    for kind in UPLOADS:
        expect(page.get_by_test_id(f"uploaded-{kind}")).to_be_visible()
    documents.locator("button[name=action][value=continue]").click()
    expect(contract_panel).to_contain_text("A800 GPU 训练卡时（合同附件一）")
    submit_from_review_step(page, pk)
    application.refresh_from_db()
    assert application.revision == 2

    # -- county and city approve; the city's approval issues the voucher -----
    decide(county_page, number, "approve")
    expect(county_page).to_have_url(re.compile(r"/review/$"))
    expect(county_page.locator("main .messages .message.success")).to_be_visible()

    nav_link(city_page, "/review/").click()
    row = city_page.get_by_test_id("queue-row").filter(has_text=number)
    expect(row.locator(".badge")).to_be_visible()  # final stage
    row.locator("a[href^='/review/']").click()
    expect(city_page.get_by_test_id("available")).to_have_text("200,000.00")
    expect(city_page.get_by_test_id("reduced-warning")).to_have_count(0)
    expect(city_page.get_by_test_id("reviews")).to_contain_text(RETURN_NOTE)
    form = city_page.get_by_test_id("decision").locator("form[method=post]")
    form.locator("input[name=decision][value=approve]").check()
    form.locator("button[type=submit]").click()
    # a decision that issues money is confirmed on a page that shows it
    expect(city_page.get_by_test_id("confirm-amount")).to_have_text("200,000.00")
    city_page.screenshot(
        path=artifacts_dir / "application-path-confirm-approval.png", full_page=True
    )
    assert not Voucher.objects.filter(application__pk=pk).exists()
    city_page.get_by_test_id("confirm-submit").click()
    expect(city_page).to_have_url(re.compile(rf"/review/{pk}/$"))
    expect(city_page.locator("main .messages .message.success")).to_be_visible()
    code = city_page.get_by_test_id("voucher-code").inner_text().strip()
    assert VOUCHER_CODE.match(code), code
    city_page.screenshot(
        path=artifacts_dir / "application-path-reviewer-detail.png", full_page=True
    )

    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.voucher.code == code
    assert application.voucher.face_value == Decimal("200000.00")
    assert check_ledger() == []

    # -- the applicant sees the voucher, its QR code, and its certificate ----
    page.reload()
    expect(status_badge(page)).to_have_attribute("data-status", "approved")
    voucher_panel = page.get_by_test_id("voucher")
    expect(voucher_panel.locator("dd.mono")).to_have_text(code)
    expect(
        voucher_panel.locator(f"a[href='/vouchers/v/{code}/certificate.pdf']")
    ).to_be_visible()
    page.screenshot(
        path=artifacts_dir / "application-path-applicant-detail.png", full_page=True
    )

    nav_link(page, "/vouchers/mine/").click()
    page.get_by_test_id(f"voucher-{code}").locator(
        f"a[href='/vouchers/v/{code}/']"
    ).click()
    expect(page).to_have_url(base + f"/vouchers/v/{code}/")
    expect(page.get_by_test_id("voucher-code")).to_have_text(code)
    expect(page.get_by_test_id("voucher-face-value")).to_have_text("200,000.00")
    expect(page.get_by_test_id("voucher-balance")).to_have_text("200,000.00")
    qr = page.get_by_test_id("voucher-qr")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=artifacts_dir / "application-path-voucher.png", full_page=True)

    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        page.get_by_test_id("voucher-certificate").click()
    download = info.value
    assert download.suggested_filename == f"voucher-{code}.pdf"
    pdf_path = artifacts_dir / "application-path-certificate.pdf"
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext", path="/usr/bin")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf_path), "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        assert code in text, text
