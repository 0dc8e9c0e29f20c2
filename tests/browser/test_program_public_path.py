"""A visitor finds a program on the home page, reads its page, checks
eligibility for it and goes on to sign up with the figures typed (issue 12,
item 8). Screenshots of the three pages go to tests/browser/artifacts/."""

from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from enterprises.models import Region
from enterprises.uscc import make_uscc
from tests.factories import program_params
from vouchers.demo.programs import load_demo_programs
from vouchers.models import Program
from vouchers.programs import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

S = Program.Status


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1200, "height": 900},
    }


def _published(code, name_zh, name_en, *, status, opens, closes, **params):
    """A program besides the demo's: last year's (closed) or one announced
    (open, its window not begun), for the home page's other groups."""
    program = services.program_create(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        kind="compute",
        region=Region.objects.get(code="330100"),
        params=program_params(opens_on=opens, closes_on=closes, **params),
        actor=None,
        effective_from=datetime(2025, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    services.program_set_status(program=program, to_status=S.OPEN, actor=None)
    if status == S.CLOSED:
        services.program_set_status(program=program, to_status=S.CLOSED, actor=None)


@pytest.fixture
def programs(db):
    load_demo_programs(actor=None)
    _published(
        "HZ-COMPUTE-2025",
        "杭州市算力券（2025年度）",
        "Hangzhou compute voucher (2025)",
        status=S.CLOSED,
        opens="2025-01-01",
        closes="2025-12-31",
        contract_signed_from="2025-01-01",
        contract_signed_to="2025-12-31",
    )
    _published(
        "HZ-COMPUTE-2027",
        "杭州市算力券（2027年度）",
        "Hangzhou compute voucher (2027)",
        status=S.OPEN,
        opens="2027-01-01",
        closes="2027-12-31",
        contract_signed_from="2027-01-01",
        contract_signed_to="2027-12-31",
    )


def test_visitor_goes_from_home_to_a_program_to_the_self_check_to_sign_up(
    live_server, page: Page, programs, artifacts_dir
):
    page.set_default_timeout(5_000)

    # The home page lists the programs by phase.
    page.goto(live_server.url + "/")
    open_list = page.get_by_test_id("programs-open")
    expect(open_list.locator("li")).to_have_count(3)
    expect(page.get_by_test_id("programs-upcoming")).to_contain_text("HZ-COMPUTE-2027")
    expect(page.get_by_test_id("programs-closed")).to_contain_text("HZ-COMPUTE-2025")
    expect(open_list).to_contain_text("8,000,000.00")
    page.screenshot(path=artifacts_dir / "home-public.png", full_page=True)

    # The program's page: rates, window, materials, policy, contact.
    open_list.get_by_role("link", name="杭州市算力券").click()
    expect(page).to_have_url(live_server.url + "/programs/HZ-COMPUTE-2026/about/")
    expect(page.get_by_test_id("program-rates")).to_contain_text("20%–50%")
    expect(page.get_by_test_id("program-materials")).to_contain_text("营业执照")
    expect(page.get_by_test_id("program-policy")).to_contain_text("第五条")
    expect(page.get_by_test_id("program-contact")).to_contain_text("12345")
    page.screenshot(path=artifacts_dir / "program-public.png", full_page=True)

    # The self-check for this program: no investment rows (it does not use
    # them), the facility asked (it changes the rate).
    page.get_by_test_id("program-self-check").click()
    expect(page.locator("select[name=program]")).to_have_value("HZ-COMPUTE-2026")
    expect(page.get_by_test_id("investment-rows")).to_have_count(0)
    page.fill("input[name=credit_code]", make_uscc("330106", "MA2CD0F1"))
    page.select_option("select[name=region_code]", "330106")
    page.fill("input[name=industry_code]", "I65")
    page.fill("input[name=employees]", "45")
    page.fill("input[name=revenue]", "12000000.00")
    page.fill("input[name=total_assets]", "8000000.00")
    page.fill("input[name=signed_on]", "2026-03-01")
    page.fill("input[name=term_months]", "12")
    page.fill("input[name=amount]", "1400000.00")
    page.select_option("select[name=facility]", "domestic")
    page.locator("button[type=submit].primary").click()
    result = page.get_by_test_id("self-check-result")
    expect(result.get_by_test_id("subsidy")).to_have_text("420,000.00")
    expect(result.get_by_test_id("rate")).to_contain_text("30%")
    result.screenshot(path=artifacts_dir / "self-check-result.png")

    # On to sign-up, carrying the figures typed.
    result.get_by_test_id("self-check-apply").click()
    url = urlsplit(page.url)
    assert url.path == "/accounts/signup/"
    target = unquote(parse_qs(url.query)["next"][0])
    assert target.startswith("/applications/new/?program=HZ-COMPUTE-2026")
    assert "amount=1400000.00" in target
    expect(page.locator("main form input[name=email]")).to_be_visible()
