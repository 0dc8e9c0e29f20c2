"""A visitor signs up, confirms the e-mail, signs in and switches language;
a program manager signs in with password and TOTP and reads the audit trail.

The browser sends ``Accept-Language: zh-CN`` (a visitor in the province), so
the site answers in zh-hans before anyone has chosen a language.
"""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.factories import PASSWORD, add_totp, make_role_user

# live_server needs committed data, so each test flushes the database after
# itself; serialized_rollback puts back what the migrations loaded (regions).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CJK = re.compile(r"[\u4e00-\u9fff]")
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
EMAIL = "visitor@example.com"
NEW_PASSWORD = "Sturdy-Kettle-9081"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(5_000)
    expect.set_options(timeout=5_000)
    return page


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang")


def sign_in(page: Page, email: str, password: str) -> None:
    form = page.locator("main form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def test_visitor_signs_up_confirms_signs_in_and_switches_to_english(
    live_server, page: Page, mailoutbox, artifacts_dir
):
    # The public home page, in Chinese.
    page.goto(live_server.url + "/")
    assert html_lang(page) == "zh-hans"
    expect(page.locator("main h1")).to_have_text(CJK)
    header = page.locator("header.site-header")

    # Sign up from the header.
    header.get_by_role("link", name="注册", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    form = page.locator("main form[action='/accounts/signup/']")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.locator("input[name=full_name]").fill("钱小红")
    form.locator("input[name=phone]").fill("13812345678")
    form.locator("input[name=accept]").check()
    page.screenshot(path=artifacts_dir / "signup-form.png", full_page=True)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # The verification e-mail left through the (eager) Celery task after commit.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [EMAIL]
    link = CONFIRM_LINK.search(message.body)
    assert link, message.body
    assert link.group(0).startswith(live_server.url)

    # The link shows a page with a confirm button (no confirmation on GET).
    page.goto(link.group(0))
    assert not get_user_model().objects.get(email=EMAIL).emailaddress_set.get().verified
    page.locator("main form[action^='/accounts/confirm-email/']").get_by_role(
        "button", name="确认邮箱地址"
    ).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert get_user_model().objects.get(email=EMAIL).emailaddress_set.get().verified

    # Sign in; a new account without memberships lands on the applicant home.
    sign_in(page, EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(live_server.url + "/")
    panel = page.get_by_test_id("applicant-home")
    expect(panel).to_be_visible()
    assert html_lang(page) == "zh-hans"
    expect(panel.locator("h2")).to_have_text(CJK)
    expect(panel).not_to_contain_text("Get started")

    # Switch to English.
    header.get_by_test_id("lang-en").click()
    expect(header.get_by_test_id("lang-zh")).to_be_visible()
    assert html_lang(page) == "en"
    expect(panel.locator("h2")).to_have_text("Get started")
    expect(panel).to_contain_text("Your account is ready.")

    # The choice is kept on the account, not only in the language cookie.
    assert get_user_model().objects.get(email=EMAIL).language == "en"
    page.context.clear_cookies(name="django_language")
    page.reload()
    assert html_lang(page) == "en"
    expect(panel.locator("h2")).to_have_text("Get started")
    expect(header.get_by_test_id("lang-zh")).to_have_text("中文")

    page.screenshot(
        path=artifacts_dir / "signup-flow-applicant-home-en.png", full_page=True
    )


def test_home_page_on_a_phone(live_server, page: Page, artifacts_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    assert html_lang(page) == "zh-hans"
    expect(page.locator("main h1")).to_be_visible()
    # Nothing is wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts_dir / "home-phone-390x844.png", full_page=True)


def totp_code(secret: str) -> str:
    """The current code; waits out the last seconds of a 30 s window."""
    if 30 - time.time() % 30 < 2:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_program_manager_signs_in_with_totp_and_reads_the_audit_trail(
    live_server, page: Page
):
    manager = make_role_user(
        Role.PROGRAM_MANAGER, region="330000", mfa=False, email="manager@example.com"
    )
    secret = add_totp(manager)

    page.goto(live_server.url + "/accounts/login/")
    sign_in(page, manager.email, PASSWORD)

    # Password alone is not enough: the second step asks for the TOTP code.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    form = page.locator("main form[action='/accounts/2fa/authenticate/']")
    form.locator("input[name=code]").fill(totp_code(secret))
    form.locator("button[type=submit]").first.click()
    expect(page).to_have_url(live_server.url + "/")

    page.goto(live_server.url + "/audit/events/")
    expect(page).to_have_url(re.compile(r"/audit/events/$"))
    table = page.locator("main table.table")
    expect(table).to_be_visible()
    expect(table.locator("thead th")).to_have_count(6)
    # The sign-in just made is on the trail.
    expect(table.locator("tbody tr").first).to_contain_text(manager.email)
