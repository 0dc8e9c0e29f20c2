"""The public self-check page: no login, the API's validation with errors
beside the fields, a result panel with rules, rate and subsidy; nothing stored."""

import re

import pytest
from django.urls import reverse

from audits.models import AuditEvent
from enterprises.uscc import make_uscc
from vouchers.demo.programs import load_demo_programs
from vouchers.models import EligibilityDecision, Program
from vouchers.programs import services

pytestmark = pytest.mark.django_db

URL = "/vouchers/self-check/"
CREDIT_CODE = make_uscc("330106", "MA2CD0F1")

VALID = {
    "program": "HZ-COMPUTE-2026",
    "credit_code": CREDIT_CODE,
    "region_code": "330106",
    "industry_code": "I65",
    "employees": "45",
    "revenue": "12000000.00",
    "total_assets": "8000000.00",
    "established_on": "",
    "signed_on": "2026-03-01",
    "term_months": "12",
    "amount": "400000.00",
    "facility": "domestic",
    "year_contract_total": "",
}


@pytest.fixture
def open_programs(db):
    load_demo_programs(actor=None)


def _field_block(html: str, name: str) -> str:
    """The form-field block (label, input, help, errors) of one field."""
    match = re.search(
        rf'<div class="field[^"]*">\s*<label for="id_{name}">.*?</div>', html, re.S
    )
    assert match, f"no field {name}"
    return match.group(0)


def _cell(html: str, name: str) -> str:
    match = re.search(
        rf'<td class="field[^"]*">\s*<label[^>]*for="id_{name}".*?</td>', html, re.S
    )
    assert match, f"no cell {name}"
    return match.group(0)


def test_route_name():
    assert reverse("vouchers:self-check") == URL


def test_anonymous_get(client, open_programs):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post" action="/vouchers/self-check/"' in html
    assert 'value="HZ-COMPUTE-2026"' in html  # open programs to pick
    assert 'value="330106"' in html  # regions to pick
    for year in range(2018, 2024):
        assert f'name="it_{year}"' in html
        assert f'name="ai_{year}"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'data-testid="self-check-result"' not in html


def test_only_open_programs_are_offered(client, open_programs):
    services.program_set_status(
        program=Program.objects.get(code="ZJ-MODEL-2026"),
        to_status="closed",
        actor=None,
    )

    html = client.get(URL).content.decode()

    assert 'value="HZ-COMPUTE-2026"' in html
    assert 'value="ZJ-MODEL-2026"' not in html


def test_valid_post_shows_the_result(client, open_programs):
    events = AuditEvent.objects.count()

    response = client.post(URL, VALID)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="self-check-result"' in html
    assert '<strong data-testid="subsidy">200,000.00</strong>' in html
    assert "50%" in html
    assert 'class="big-number yes"' in html
    # Each rule with its reason (Chinese by default).
    assert "企业注册地（330106）在本项目地区（杭州市）内。" in html
    assert "未指定服务商。" in html
    # The calculation steps.
    assert "400,000.00" in html
    assert "8,000,000.00" in html
    # The form keeps what was typed.
    assert f'value="{CREDIT_CODE}"' in html
    assert EligibilityDecision.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_valid_post_in_english(client, open_programs):
    response = client.post(URL, VALID, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "200,000.00" in html
    assert "The enterprise is registered in 330106" in html
    assert "Eligible" in html


def test_not_eligible_shows_zero(client, open_programs):
    data = {
        **VALID,
        "region_code": "330203",
        "credit_code": make_uscc("330203", "MA2CD0F1"),
    }

    html = client.post(URL, data).content.decode()

    assert 'class="big-number no"' in html
    assert '<strong data-testid="subsidy">0.00</strong>' in html


def test_investment_rows_reach_the_benchmark_rule(client, open_programs):
    data = {**VALID, "program": "ZJ-BENCHMARK-2026"}
    for year in range(2018, 2024):
        data[f"it_{year}"] = "2000000"
        data[f"ai_{year}"] = "1000000"

    html = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "IT investment 2018–2023 totals 12,000,000.00 yuan" in html
    assert '<strong data-testid="subsidy">120,000.00</strong>' in html


def test_without_contract_no_estimate(client, open_programs):
    data = {
        k: v
        for k, v in VALID.items()
        if k not in {"signed_on", "term_months", "amount", "facility"}
    }

    html = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="self-check-result"' in html
    assert 'data-testid="subsidy"' not in html
    assert "Enter a contract to estimate the subsidy." in html


INVALID = {
    **VALID,
    # The benchmark program: the only one that asks for investment rows.
    "program": "ZJ-BENCHMARK-2026",
    "credit_code": CREDIT_CODE[:-1] + "0",
    "region_code": "339999",
    "industry_code": "Z99",
    "employees": "many",
    "revenue": "-1",
    "amount": "400000.001",
    "signed_on": "2026-02-30",
    "year_contract_total": "",
    "it_2020": "100.00",
    "ai_2020": "200.00",
}


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            {
                "credit_code": "The check character is wrong: the last character should be U.",
                "region_code": "is not an administrative division of Zhejiang.",
                "industry_code": "is not a GB/T 4754-2017 code we know.",
                "employees": "A valid integer is required.",
                "revenue": "Amounts cannot be negative.",
                "amount": "Amounts have at most two decimal places (fen).",
                "signed_on": "Enter a valid date (YYYY-MM-DD).",
            },
        ),
        (
            None,
            {
                "credit_code": "校验码有误：最后一位应为U。",
                "industry_code": "不是有效的GB/T 4754-2017行业代码",
                "revenue": "金额不能为负数。",
            },
        ),
    ],
)
def test_invalid_post_shows_errors_beside_fields(
    client, open_programs, language, messages
):
    events = AuditEvent.objects.count()
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = client.post(URL, INVALID, **headers)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="self-check-result"' not in html
    assert 'class="form-errors"' in html
    for name, message in messages.items():
        block = _field_block(html, name)
        assert "has-error" in block, name
        assert message in block.replace("&quot;", '"').replace("&#x27;", "'"), block
    ai_cell = _cell(html, "ai_2020")
    assert 'class="error"' in ai_cell
    if language == "en":
        assert "The AI part cannot be more than the IT investment." in ai_cell
    # Fields without problems carry no error.
    assert "has-error" not in _field_block(html, "total_assets")
    assert "has-error" not in _field_block(html, "term_months")
    assert EligibilityDecision.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_chinese_errors_for_every_field(client, open_programs):
    html = client.post(URL, INVALID).content.decode()

    for name in (
        "credit_code",
        "region_code",
        "industry_code",
        "employees",
        "revenue",
        "amount",
        "signed_on",
    ):
        errors = re.findall(
            r'<p class="error"[^>]*>(.*?)</p>', _field_block(html, name)
        )
        assert errors, name
        assert all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), (name, errors)


def test_missing_fields_and_program(client, open_programs):
    response = client.post(URL, {"program": ""}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    for name in (
        "program",
        "credit_code",
        "region_code",
        "industry_code",
        "employees",
        "revenue",
        "total_assets",
    ):
        assert "This field is required." in _field_block(html, name), name
    # The contract is optional: nothing said about it.
    assert "has-error" not in _field_block(html, "amount")


def test_half_filled_contract_asks_for_the_rest(client, open_programs):
    data = {**VALID, "signed_on": "", "term_months": ""}

    html = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "This field is required." in _field_block(html, "signed_on")
    assert "This field is required." in _field_block(html, "term_months")


def test_year_total_below_amount_is_shown_beside_it(client, open_programs):
    data = {**VALID, "year_contract_total": "1000.00"}

    html = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "cannot be less than the contract amount" in _field_block(
        html, "year_contract_total"
    )


def test_unknown_program_posted(client, open_programs):
    html = client.post(
        URL, {**VALID, "program": "NOPE-2026"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "There is no program with the code" in _field_block(html, "program")


def test_page_is_under_the_site_csp(client, open_programs):
    response = client.get(URL)

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script" not in response.content.decode()
    assert ' style="' not in response.content.decode()


def test_the_page_shares_the_apis_per_client_limit(client, open_programs, settings):
    # given: two checks a minute per client
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"self_check": "2/minute"},
    }
    cache.clear()
    assert "200,000.00" in client.post(URL, VALID).content.decode()
    client.post(URL, VALID)

    # when
    response = client.post(URL, VALID, HTTP_ACCEPT_LANGUAGE="en")

    # then: answered with the limit's message, no result
    html = response.content.decode()
    assert response.status_code == 200
    assert "Request was throttled" in html
    assert "200,000.00" not in html
