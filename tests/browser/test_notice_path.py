"""The public notice path in a real browser.

The city reviewer gives an application its final approval in a program with
a five-working-day notice: the confirmation says the amount is reserved, not
issued. A visitor without an account finds it on the public notice and
objects. The program manager sees the objection on the home page and
dismisses it. When the notice ends (the nightly task's service), the
voucher is issued and the applicant sees it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from accounts.roles import Role
from tests.browser.helpers import sign_in, sign_in_with_totp
from tests.factories import (
    ApplicationFactory,
    add_totp,
    make_open_program,
    make_role_user,
    sme_applicant,
)
from vouchers.ledger.checks import check_ledger
from vouchers.models import Notice, Objection, Voucher
from vouchers.notice import services as notices

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 10_000


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _person(new_context) -> Page:
    context: BrowserContext = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context.new_page()


def test_approval_notice_objection_dismissed_and_voucher_issued(
    live_server, new_context, artifacts_dir
):
    base = live_server.url
    program = make_open_program(
        "TEST-NOTICE-2026", review_stages=["city"], public_notice_days=5
    )
    applicant = sme_applicant(region="330106", mfa=False, email="sme@example.com")
    app = ApplicationFactory(
        submitted=True,
        program=program,
        applicant=applicant,
        enterprise=applicant.memberships.get().enterprise,
        amount="20000.00",
    )
    assert app.final_stage
    reviewer = make_role_user(Role.REVIEWER, region="330100", mfa=False)
    manager = make_role_user(Role.PROGRAM_MANAGER, mfa=False, email="pm@example.com")

    # -- the city reviewer's final approval reserves, it does not issue --------
    page = _person(new_context)
    sign_in_with_totp(page, base, reviewer.email, add_totp(reviewer))
    page.goto(f"{base}/review/{app.pk}/")
    form = page.get_by_test_id("decision").locator("form[method=post]")
    form.locator("input[name=decision][value=approve]").check()
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("confirm-amount")).to_have_text("10,000.00")
    page.get_by_test_id("confirm-submit").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator("main .messages .message.success")).to_contain_text("公示")
    page.goto(f"{base}/review/{app.pk}/")
    expect(page.get_by_test_id("notice-amount")).to_have_text("10,000.00")
    notice = Notice.objects.get(application=app)
    assert not Voucher.objects.filter(application=app).exists()

    # -- a visitor objects ------------------------------------------------------
    visitor = _person(new_context)
    visitor.goto(f"{base}/")
    visitor.get_by_test_id("public-notices").click()
    visitor.get_by_role("link", name=re.compile(program.name_zh)).click()
    row = visitor.get_by_test_id("notice-row").filter(has_text=app.enterprise.name)
    expect(row).to_contain_text("10,000.00")
    row.get_by_role("link").click()
    visitor.locator("input[name=name]").fill("张三")
    visitor.locator("input[name=contact]").fill("13800000000")
    visitor.locator("textarea[name=reason]").fill("该企业与服务商存在关联关系。")
    visitor.get_by_test_id("objection-submit").click()
    expect(visitor.locator("main .messages .message.success")).to_be_visible()
    visitor.screenshot(path=artifacts_dir / "notice-objected.png", full_page=True)
    objection = Objection.objects.get()

    # -- the program manager dismisses it --------------------------------------
    office = _person(new_context)
    sign_in_with_totp(office, base, manager.email, add_totp(manager))
    office.locator("main a[href*='/vouchers/objections/']").first.click()
    office.locator(f"a[href='/vouchers/objections/{objection.pk}/']").click()
    expect(office.get_by_test_id("objection-reason")).to_contain_text("关联关系")
    resolve = office.get_by_test_id("resolve-form")
    resolve.locator("input[name=decision][value=dismiss]").check()
    resolve.locator("textarea[name=reason]").fill("经核查，双方无股权或人员关联。")
    office.get_by_test_id("resolve-submit").click()
    expect(office.locator("main .messages .message.success")).to_be_visible()
    expect(office.get_by_test_id("objection-status")).to_have_text("异议不成立")

    # -- the notice ends: the voucher is issued from the reservation ------------
    assert notices.notices_issue_due(today=notice.ends_on + timedelta(days=1)) == 1
    voucher = Voucher.objects.get(application=app)
    assert voucher.face_value == Decimal("10000.00")
    sme = _person(new_context)
    sign_in(sme, base, applicant.email)
    sme.goto(f"{base}/applications/{app.pk}/")
    expect(sme.get_by_test_id("voucher")).to_contain_text(voucher.code)
    assert check_ledger() == []
