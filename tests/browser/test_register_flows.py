"""The register in the browser: an applicant claims an enterprise that is not
in the register yet and a reviewer of its district accepts the claim; a
company applies to be a provider and a program manager approves it.

Each flow has two people, each in their own browser context (own cookies),
both talking to the same live server. The browser sends ``Accept-Language:
zh-CN``, so the pages answer in Chinese and the assertions use Chinese text.
"""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from accounts.roles import Role
from enterprises.demo_data import DEMO_PDF
from enterprises.models import Enterprise, Provider
from enterprises.uscc import make_uscc
from tests.browser.helpers import nav_link, sign_in, sign_in_with_totp
from tests.factories import UserFactory, add_totp, make_role_user

# live_server needs committed data, so each test flushes the database after
# itself; serialized_rollback puts back what the migrations loaded (regions).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 5_000
PDF = DEMO_PDF
LICENCE = {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


@pytest.fixture
def other_page(new_context) -> Page:
    """A second person's browser: a context of its own, so its own session."""
    context: BrowserContext = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded licences go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_applicant_claims_an_enterprise_and_sees_its_size_class(
    live_server, page: Page, other_page: Page, artifacts_dir
):
    base = live_server.url
    uscc = make_uscc("330106", "BRW00001")
    applicant = UserFactory(email="founder@example.com")
    reviewer = make_role_user(
        Role.REVIEWER, region="330106", mfa=False, email="xihu.reviewer@example.com"
    )
    secret = add_totp(reviewer)

    # The applicant signs in and starts a claim from the home page.
    sign_in(page, base, applicant.email)
    expect(page).to_have_url(base + "/")
    page.get_by_test_id("applicant-home").locator(
        "a[href='/enterprises/claim/']"
    ).click()
    expect(page).to_have_url(re.compile(r"/enterprises/claim/$"))

    # Step 1: the credit code.
    lookup = page.locator("main form[method=get]")
    lookup.locator("input[name=uscc]").fill(uscc)
    lookup.locator("button[type=submit]").click()
    expect(page.get_by_test_id("claim-uscc")).to_have_text(uscc)

    # Step 2: not in the register yet, so the profile and the licence.
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[name=name]").fill("杭州西湖云算科技有限公司")
    form.locator("input[name=legal_representative]").fill("林晓峰")
    form.locator("input[name=registered_address]").fill(
        "浙江省杭州市西湖区文三路 90 号 5 楼"
    )
    form.locator("select[name=region]").select_option("330106")
    form.locator("input[name=industry_code]").fill("I65")
    form.locator("input[name=contact_phone]").fill("0571-88886666")
    form.locator("input[name=fiscal_year]").fill("2025")
    form.locator("input[name=employees]").fill("45")
    form.locator("input[name=revenue]").fill("12000000")
    form.locator("input[name=total_assets]").fill("5000000")
    form.locator("input[name=licence]").set_input_files(LICENCE)
    form.locator("button[type=submit]").click()

    # Sent: "my enterprises" lists the claim as waiting; no membership yet.
    expect(page).to_have_url(re.compile(r"/enterprises/$"))
    expect(page.locator("main .messages .message.success")).to_be_visible()
    claim_row = page.locator("main table tr", has_text="杭州西湖云算科技有限公司")
    expect(claim_row).to_have_count(1)
    expect(claim_row.locator(".badge.claim-pending")).to_have_text("待审核")
    expect(page.locator("main a", has_text="杭州西湖云算科技有限公司")).to_have_count(0)

    # The Xihu reviewer, in another browser, signs in with the TOTP code.
    sign_in_with_totp(other_page, base, reviewer.email, secret)
    nav_link(other_page, "/enterprises/review/").click()
    expect(other_page).to_have_url(re.compile(r"/enterprises/review/$"))
    expect(other_page.get_by_test_id("pending-claims")).to_have_text("1")
    other_page.locator("main table a", has_text="杭州西湖云算科技有限公司").click()
    expect(other_page).to_have_url(re.compile(r"/enterprises/claims/\d+/$"))
    expect(other_page.locator("main")).to_contain_text(uscc)
    expect(other_page.locator("main")).to_contain_text("营业执照.pdf")
    decision = other_page.locator("main form[method=post]:has(input[name=decision])")
    decision.locator("input[name=decision][value=accept]").check()
    decision.locator("button[type=submit]").click()
    expect(other_page).to_have_url(re.compile(r"/enterprises/claims/$"))
    expect(other_page.locator("main .messages .message.success")).to_be_visible()

    # The applicant is now the owner and opens the enterprise page.
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert enterprise.size_class == "small"
    page.reload()
    expect(claim_row.locator(".badge.claim-accepted")).to_be_visible()
    page.locator(f"main a[href='/enterprises/{enterprise.pk}/']").first.click()
    expect(page).to_have_url(base + f"/enterprises/{enterprise.pk}/")
    expect(page.locator("main h1")).to_have_text("杭州西湖云算科技有限公司")

    panel = page.get_by_test_id("size-class")
    expect(panel.locator("h2 .badge.size-small")).to_have_text("小型")
    rows = panel.locator("table tbody tr")
    # Software and IT services: employees and revenue, for large, medium, small.
    expect(rows).to_have_count(6)
    met = panel.locator("table tbody tr.met")
    expect(met).to_have_count(2)
    expect(met.first.locator("th[scope=row]")).to_have_text("小型")
    expect(met.locator(".yes")).to_have_count(2)
    expect(met.nth(0)).to_contain_text("45")
    expect(met.nth(1)).to_contain_text("1200")
    # Medium fails on the head count alone (45 < 100), revenue would do.
    expect(panel.locator("table tbody tr:not(.met) .no")).to_have_count(3)

    page.screenshot(
        path=artifacts_dir / "register-enterprise-size-class.png", full_page=True
    )


def test_provider_applies_and_a_program_manager_approves_it(
    live_server, page: Page, other_page: Page, artifacts_dir
):
    base = live_server.url
    uscc = make_uscc("330108", "BRW0P001")
    staff = UserFactory(email="ops@suanli.example.com")
    manager = make_role_user(
        Role.PROGRAM_MANAGER, region="330000", mfa=False, email="pm@example.com"
    )
    secret = add_totp(manager)

    # A fresh account applies from the home page.
    sign_in(page, base, staff.email)
    expect(page).to_have_url(base + "/")
    page.get_by_test_id("applicant-home").locator(
        "a[href='/enterprises/provider/apply/']"
    ).click()
    expect(page).to_have_url(re.compile(r"/enterprises/provider/apply/$"))
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[name=uscc]").fill(uscc)
    form.locator("input[name=name]").fill("杭州滨江算力服务有限公司")
    form.locator("input[name=legal_representative]").fill("陈思远")
    form.locator("input[name=registered_address]").fill(
        "浙江省杭州市滨江区网商路 699 号"
    )
    form.locator("input[name=contact_phone]").fill("0571-87654321")
    form.locator("input[name=offers_compute]").check()
    form.locator("select[name=facility]").select_option("domestic")
    form.locator("input[name=licence]").set_input_files(LICENCE)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/enterprises/providers/\d+/$"))
    provider = Provider.objects.get(uscc=uscc)
    detail_url = base + f"/enterprises/providers/{provider.pk}/"
    expect(page).to_have_url(detail_url)
    expect(page.get_by_test_id("provider-status")).to_have_text("已申请")
    expect(page.get_by_test_id("provider-decision")).to_have_count(0)
    waiting = page.locator("main .message.info", has_text="等待主管部门审核")
    expect(waiting).to_be_visible()
    expect(page.locator("main")).to_contain_text("营业执照.pdf")

    # Staff add a compute offering while the application waits.
    offering = page.locator("main form[method=post]:has(input[name=list_price])")
    offering.locator("select[name=kind]").select_option("compute")
    offering.locator("input[name=name]").fill("A800 训练集群")
    offering.locator("select[name=unit]").select_option("gpu_card_hour")
    offering.locator("input[name=list_price]").fill("9.8")
    offering.locator("button[type=submit]").click()
    expect(page).to_have_url(detail_url)
    offering_row = page.locator("main table tr", has_text="A800 训练集群")
    expect(offering_row).to_have_count(1)
    expect(offering_row).to_contain_text("GPU卡时")
    expect(offering_row.locator("td.num")).to_have_text(re.compile(r"^9\.80*$"))

    # The program manager, in another browser, approves it from the list.
    sign_in_with_totp(other_page, base, manager.email, secret)
    nav_link(other_page, "/enterprises/providers/").click()
    expect(other_page).to_have_url(re.compile(r"/enterprises/providers/$"))
    other_page.locator(
        f"main table a[href='/enterprises/providers/{provider.pk}/']"
    ).click()
    expect(other_page).to_have_url(detail_url)
    expect(other_page.get_by_test_id("provider-status")).to_have_text("已申请")
    other_page.get_by_test_id("provider-decision").get_by_test_id(
        "decide-approved"
    ).click()
    expect(other_page).to_have_url(detail_url)
    expect(other_page.get_by_test_id("provider-status")).to_have_text("通过")
    expect(other_page.locator("main .messages .message.success")).to_be_visible()

    # The provider's staff reload and see the approval.
    page.reload()
    expect(page.get_by_test_id("provider-status")).to_have_text("通过")
    expect(waiting).to_have_count(0)
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPROVED

    page.screenshot(
        path=artifacts_dir / "register-provider-approved.png", full_page=True
    )
