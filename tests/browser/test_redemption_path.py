"""The redemption path in a real browser.

A provider's staff member charges a voucher twice through the web; the SME
confirms one charge from its voucher page and disputes the other; a
reviewer of its region upholds the dispute; the month's statement is built
(the nightly task's service); the provider uploads its records and submits
the statement; the program manager approves it and records the payment;
the voucher's balance and the provider's paid-out account show it.

Four people, four browser contexts, one live server; the government users
sign in with their TOTP code. Assertions rest on test ids and the money
shown, not on wording.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from accounts.roles import Role
from tests.browser.helpers import sign_in, sign_in_with_totp
from tests.factories import add_totp, make_role_user
from tests.factories.redemption import charge_setup
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.services import provider_account
from vouchers.models import LedgerAccount, Redemption, Statement
from vouchers.settlement import services as settlement
from vouchers.settlement.periods import period_containing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 10_000
CHARGE = Decimal("1250.00")  # 100 card-hours at the list price of 12.50


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


def _charge(page: Page, base: str, setup, invoice: str) -> Redemption:
    page.goto(f"{base}/vouchers/provider/{setup.provider.pk}/charges/new/")
    form = page.get_by_test_id("charge-form")
    today = timezone.localdate()
    start = max(today.replace(day=1), timezone.localdate(setup.voucher.issued_at))
    form.locator("input[name=voucher_code]").fill(setup.voucher.code)
    form.locator("input[name=credit_code]").fill(setup.voucher.enterprise.uscc)
    form.locator("select[name=offering]").select_option(str(setup.offering.pk))
    form.locator("input[name=quantity]").fill("100")
    # the unit price starts at the offering's list price
    expect(form.locator("input[name=unit_price]")).to_have_value(
        f"{setup.offering.list_price.normalize():f}"
    )
    form.locator("input[name=period_start]").fill(start.isoformat())
    form.locator("input[name=period_end]").fill(today.isoformat())
    form.locator("input[name=invoice_number]").fill(invoice)
    page.get_by_test_id("charge-submit").click()
    expect(page).to_have_url(re.compile(r"/vouchers/charges/\d+/$"))
    expect(page.get_by_test_id("charge-amount")).to_have_text("1,250.00")
    return Redemption.objects.get(invoice_number=invoice)


def test_charge_confirm_dispute_statement_and_payment(
    live_server, new_context, artifacts_dir
):
    base = live_server.url
    setup = charge_setup()
    reviewer = make_role_user(Role.REVIEWER, region="330106", mfa=False)
    reviewer_secret = add_totp(reviewer)
    manager = make_role_user(Role.PROGRAM_MANAGER, mfa=False)
    manager_secret = add_totp(manager)
    face = setup.voucher.face_value

    # -- the provider charges twice -------------------------------------------
    provider = _person(new_context)
    sign_in(provider, base, setup.staff.email)
    expect(provider).to_have_url(base + "/")
    first = _charge(provider, base, setup, "FP-BROWSER-001")
    second = _charge(provider, base, setup, "FP-BROWSER-002")

    # -- the SME confirms one and disputes the other ----------------------------
    sme = _person(new_context)
    sign_in(sme, base, setup.applicant.email)
    expect(sme).to_have_url(base + "/")
    sme.goto(f"{base}/vouchers/v/{setup.voucher.code}/")
    expect(sme.get_by_test_id("voucher-held")).to_have_text("2,500.00")
    sme.get_by_test_id(f"confirm-{first.pk}").click()
    expect(sme.get_by_test_id("confirm-amount")).to_have_text("1,250.00")
    sme.screenshot(path=artifacts_dir / "confirm-charge.png", full_page=True)
    sme.get_by_test_id("confirm-submit").click()
    expect(sme).to_have_url(re.compile(rf"/vouchers/charges/{first.pk}/$"))
    sme.goto(f"{base}/vouchers/v/{setup.voucher.code}/")
    expect(sme.get_by_test_id("voucher-held")).to_have_text("1,250.00")
    sme.get_by_test_id(f"dispute-link-{second.pk}").click()
    expect(sme).to_have_url(re.compile(rf"/vouchers/charges/{second.pk}/"))
    sme.locator("#dispute-reason-input").fill("本月实际只用了 50 卡时。")
    sme.get_by_test_id("dispute").click()
    expect(sme.get_by_test_id("dispute-reason")).to_have_text(
        "本月实际只用了 50 卡时。"
    )

    # -- the reviewer of the region upholds the dispute -------------------------
    desk = _person(new_context)
    sign_in_with_totp(desk, base, reviewer.email, reviewer_secret)
    desk.goto(f"{base}/vouchers/disputes/")
    desk.locator(f"main a[href='/vouchers/charges/{second.pk}/']").first.click()
    expect(desk).to_have_url(re.compile(rf"/vouchers/charges/{second.pk}/$"))
    desk.locator("#decide-reason-input").fill("核对服务商用量记录，100 卡时属实。")
    desk.get_by_test_id("uphold").click()
    expect(desk.get_by_test_id("confirm-amount")).to_have_text("1,250.00")
    desk.get_by_test_id("confirm-submit").click()
    expect(desk.get_by_test_id("decision-reason")).to_be_visible()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "confirmed")

    # -- the month's statement (what the nightly task builds) --------------------
    start, end = period_containing(timezone.localdate(), 1)
    statement = settlement.statement_build(
        program=setup.voucher.program,
        provider=setup.provider,
        period_start=start,
        period_end=end,
    )
    assert statement is not None
    assert statement.total == 2 * CHARGE

    # -- the provider uploads its records and submits ---------------------------
    provider.goto(f"{base}/vouchers/statements/{statement.pk}/")
    today = timezone.localdate().isoformat()
    rows = [
        f"{r.invoice_number},{setup.voucher.code},{r.amount},{today}"
        for r in (first, second)
    ]
    records = ("发票号码,券码,金额,日期\n" + "\n".join(rows) + "\n").encode()
    reconcile = provider.get_by_test_id("reconcile")
    reconcile.locator("input[type=file]").set_input_files(
        files=[{"name": "records.csv", "mimeType": "text/csv", "buffer": records}]
    )
    reconcile.locator("button[type=submit]").click()
    expect(provider.get_by_test_id("item-matched")).to_have_count(2)
    provider.get_by_test_id("submit-button").click()
    expect(provider.locator("[data-testid=statement-status] .badge")).to_have_class(
        re.compile("statement-submitted")
    )

    # -- the program manager approves and records the payment --------------------
    office = _person(new_context)
    sign_in_with_totp(office, base, manager.email, manager_secret)
    office.goto(f"{base}/vouchers/statements/{statement.pk}/")
    office.get_by_test_id("approve-button").click()
    # each decision that moves money is confirmed on a page that shows it
    expect(office.get_by_test_id("confirm-amount")).to_have_text("2,500.00")
    office.get_by_test_id("confirm-submit").click()
    pay = office.get_by_test_id("pay")
    pay.locator("input[name=reference]").fill("GK2026-BROWSER-1")
    pay.locator("input[name=paid_on]").fill(today)
    pay.locator("input[name=amount]").fill("2500.00")
    office.get_by_test_id("pay-button").click()
    expect(office.get_by_test_id("confirm-amount")).to_have_text("2,500.00")
    office.screenshot(
        path=artifacts_dir / "confirm-statement-payment.png", full_page=True
    )
    office.get_by_test_id("confirm-submit").click()
    expect(office.get_by_test_id("payment")).to_contain_text("GK2026-BROWSER-1")
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PAID

    # -- the balances show it ---------------------------------------------------
    sme.goto(f"{base}/vouchers/v/{setup.voucher.code}/")
    expect(sme.get_by_test_id("voucher-balance")).to_have_text(
        f"{face - 2 * CHARGE:,.2f}"
    )
    expect(sme.get_by_test_id("voucher-held")).to_have_text("0.00")
    program = setup.voucher.program
    kind = LedgerAccount.Kind
    assert provider_account(program, setup.provider.pk, kind.PAID_OUT).balance == (
        2 * CHARGE
    )
    assert (
        provider_account(program, setup.provider.pk, kind.PROVIDER_PAYABLE).balance == 0
    )
    assert check_ledger() == []
