"""What several browser tests do: sign in (with a TOTP code for government
users) and find a navigation link."""

from __future__ import annotations

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/accounts/login/")
    form = page.locator("main form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def totp_code(secret: str) -> str:
    """The current code; waits out the last seconds of a 30 s window."""
    if 30 - time.time() % 30 < 2:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in_with_totp(
    page: Page, base_url: str, email: str, secret: str, password: str = PASSWORD
) -> None:
    sign_in(page, base_url, email, password)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    form = page.locator("main form[action='/accounts/2fa/authenticate/']")
    form.locator("input[name=code]").fill(totp_code(secret))
    form.locator("button[type=submit]").first.click()
    expect(page).to_have_url(base_url + "/")


def nav_link(page: Page, path: str):
    """The menu's link to ``path``; its group is opened first, as a user
    would, when the menu has groups."""
    group = page.locator(
        f"header nav.main-nav details.nav-group:has(a[href='{path}']):not([open])"
    )
    if group.count():
        group.locator("summary").click()
    return page.locator(f"header nav.main-nav a[href='{path}']")
