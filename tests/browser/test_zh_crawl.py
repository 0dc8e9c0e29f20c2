"""Every page a crawler reaches in zh-hans reads as Chinese.

On the demo data, each role signs in (TOTP where needed) and follows the
links of the pages it reaches (same site, GET, up to PAGES_PER_ROLE pages,
downloads and sign-out skipped). The text of each page's menu, main
content and footer, without code samples and monospace codes (``pre``,
``code``, ``.mono``), must hold no English word outside ALLOWED, no ASCII comma, colon,
semicolon, question or exclamation mark, or full stop against Chinese
text, and no amount of 10,000 yuan or more without its thousands
separators. Tokens with a digit, an underscore, a capital inside (OpenAPI)
or all capitals (GPU, API) are codes, units or brands and pass. What fails
is listed by page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser

from tests.browser.helpers import sign_in, sign_in_with_totp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES_PER_ROLE = 40
ROLES = [
    ("applicant@example.com", False),
    ("provider@example.com", False),
    ("reviewer.xihu@example.com", True),
    ("manager@example.com", True),
    ("auditor@example.com", True),
]
# Words a Chinese page may carry: units, file types, the language switch,
# and Latin names the data itself holds.
ALLOWED = {"tokens", "pdf", "csv", "xlsx", "English", "Unix"}
SKIP = re.compile(
    r"/(accounts/logout|admin|api|static|media)/|\.(pdf|xlsx|csv|svg|png|zip)(\?|$)"
    r"|/download|/documents/\d+/$|reveal"
)
CJK = r"[\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e]"
WORD = re.compile(r"(?<![\w.@/-])[A-Za-z][A-Za-z0-9_-]*")
ASCII_PUNCT = re.compile(rf"{CJK}[,;:!?]|[,;:!?]{CJK}|{CJK}\.(?=\s|$)")
UNGROUPED = re.compile(r"(?<![\d,.\w-])\d{5,}\.\d{2}(?!\d)")
MAIN_TEXT = """() => {
  const parts = document.querySelectorAll('header nav, main, footer');
  return Array.from(parts).map(part => {
    const copy = part.cloneNode(true);
    copy.querySelectorAll('details').forEach(d => { d.open = true; });
    copy.querySelectorAll('pre, code, .mono, script, style, [lang=en]').forEach(e => e.remove());
    document.body.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text;
  }).join('\\n');
}"""


def problems_in(text: str) -> list[str]:
    text = re.sub(r"\S+@\S+|https?://\S+|\S+\.(pdf|csv|xlsx|png|jpg)\b", " ", text)
    found = []
    for match in WORD.finditer(text):
        word = match.group(0).rstrip("-")
        if (
            word in ALLOWED
            or any(c.isdigit() or c == "_" for c in word)
            or word.isupper()
            or any(c.isupper() for c in word[1:])
            or len(word) == 1
        ):
            continue
        found.append(f"English word {word!r}")
    for match in ASCII_PUNCT.finditer(text):
        found.append(
            f"ASCII punctuation in {text[max(0, match.start() - 6) : match.end() + 6]!r}"
        )
    for match in UNGROUPED.finditer(text):
        found.append(f"amount without separators {match.group(0)!r}")
    return found


def test_the_checks_catch_what_they_should():
    assert (
        problems_in(
            "企业规模：小型；存储、网络、安全。金额 1,250,000.00 元 GPU卡时 OpenAPI"
        )
        == []
    )
    assert problems_in("备案号 Zhejiang-ChengguanDemo-20240118") == []
    assert problems_in("10 card-hour") == ["English word 'card-hour'"]
    assert problems_in("spend tier 500000.00") == [
        "English word 'spend'",
        "English word 'tier'",
        "amount without separators '500000.00'",
    ]
    assert problems_in("请登录.") == ["ASCII punctuation in '请登录.'"]
    assert problems_in("企业规模: 小型") == ["ASCII punctuation in '企业规模: 小型'"]


def _demo() -> tuple[str, dict[str, str]]:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    password = re.search(r"password for every account: (\S+?)\)", text).group(1)
    secrets = {
        m.group(1): m.group(2)
        # the account's line, then its secret's (not the "current code" line)
        for m in re.finditer(
            r"(\S+@example\.com)[ \t]+\S.*\n[ \t]+TOTP secret (\w+)", text
        )
    }
    return password, secrets


def test_every_page_reached_reads_as_chinese(live_server, browser: Browser):
    password, secrets = _demo()
    base = live_server.url
    failures: dict[str, set[str]] = defaultdict(set)
    visited = 0
    for email, totp in ROLES:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.set_default_timeout(10_000)
        if totp:
            sign_in_with_totp(page, base, email, secrets[email], password)
        else:
            sign_in(page, base, email, password)
        seen: set[str] = set()
        queue = ["/"]
        while queue and len(seen) < PAGES_PER_ROLE:
            path = queue.pop(0)
            if path in seen or SKIP.search(path):
                continue
            seen.add(path)
            response = page.goto(base + path)
            if response is None or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            assert response.status < 500, f"{path} answered {response.status}"
            for problem in problems_in(page.evaluate(MAIN_TEXT)):
                failures[problem].add(path)
            hrefs = page.eval_on_selector_all(
                "main a[href], header nav a[href]",
                "els => els.map(e => e.getAttribute('href'))",
            )
            queue += [h for h in hrefs if h and h.startswith("/") and "#" not in h]
        visited += len(seen)
        context.close()
    assert visited > 100
    assert not failures, "\n".join(
        f"{problem}: {', '.join(sorted(paths)[:3])}"
        for problem, paths in sorted(failures.items())
    )
