"""POST /api/v1/eligibility/self-check: anonymous, stateless, throttled;
malformed input answers 400 with messages by field path in the request's
language; the OpenAPI schema and the docs page serve only local assets."""

import copy
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audits.models import AuditEvent
from enterprises.uscc import make_uscc
from vouchers.demo.programs import load_demo_programs
from vouchers.models import EligibilityDecision, Program
from vouchers.programs import services

pytestmark = pytest.mark.django_db

URL = "/api/v1/eligibility/self-check"
CREDIT_CODE = make_uscc("330106", "MA2CD0F1")  # 91330106MA2CD0F16U
CJK = re.compile(r"[\u4e00-\u9fff]")
THIS_YEAR = timezone.localdate().year

# The issue's example: a software company in Xihu district, 45 staff, 12
# million yuan revenue, a 400,000 yuan domestic compute contract signed on
# 2026-03-01 for 12 months.
EXAMPLE = {
    "program": "HZ-COMPUTE-2026",
    "enterprise": {
        "credit_code": CREDIT_CODE,
        "region_code": "330106",
        "industry_code": "I65",
        "employees": 45,
        "revenue": "12000000.00",
        "total_assets": "8000000.00",
    },
    "contract": {
        "signed_on": "2026-03-01",
        "term_months": 12,
        "amount": "400000.00",
        "facility": "domestic",
    },
}


@pytest.fixture
def open_programs(db):
    """The demo programs, loaded as `make demo` loads them (no actor)."""
    assert load_demo_programs(actor=None) == 3
    return {p.code: p for p in Program.objects.all()}


@pytest.fixture
def api():
    return APIClient()


def post(api, body, language=None, raw=False):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    if raw:
        return api.generic(
            "POST", URL, body, content_type="application/json", **headers
        )
    return api.post(URL, body, format="json", **headers)


def example(**changes):
    """The example with changes given as {"enterprise.revenue": value};
    a value of ... removes the key."""
    body = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, key = path.split("__")
        target = body
        for parent in parents:
            target = target[parent]
        if value is ...:
            target.pop(key, None)
        else:
            target[key] = value
    return body


def test_route_name():
    assert reverse("vouchers-api:self-check") == URL


# -- answers -----------------------------------------------------------------


def test_the_issue_example_is_eligible_at_50_percent(api, open_programs):
    events = AuditEvent.objects.count()

    response = post(api, EXAMPLE)

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["program"] == "HZ-COMPUTE-2026"
    assert data["eligible"] is True
    assert data["needs_review"] is False
    assert data["size_class"] == "small"
    assert data["rate"] == "0.50"
    assert data["subsidy"] == "200000.00"
    outcomes = {r["code"]: r["outcome"] for r in data["rules"]}
    assert outcomes == {
        "application_window": "pass",
        "enterprise_type": "pass",
        "region": "pass",
        "size_class": "pass",
        "credit": "pass",
        "contract": "pass",
        "provider": "not_applicable",
        "related_party": "not_applicable",
        "one_contract_one_claim": "not_applicable",
        "cap_budget": "not_applicable",
    }
    # Reasons in Chinese by default.
    assert all(CJK.search(r["reason"]) for r in data["rules"])
    steps = {s["step"]: s for s in data["calculation"]}
    assert steps["eligible_amount"]["value"] == "400000.00"
    assert steps["rate"]["value"] == "0.50"
    assert steps["subsidy"]["value"] == "200000.00"
    # Nothing is stored.
    assert EligibilityDecision.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_reasons_in_english_when_asked(api, open_programs):
    response = post(api, EXAMPLE, language="en")

    assert response.status_code == 200
    reasons = {r["code"]: r["reason"] for r in response.json()["rules"]}
    assert reasons["region"].startswith("The enterprise is registered in 330106")
    # The citation names the document as published, in Chinese.
    bare = {
        r["code"]: r["reason"].removesuffix(f" {r['citation']}")
        for r in response.json()["rules"]
    }
    assert not any(CJK.search(r) for r in bare.values() if "“" not in r)
    titles = {r["code"]: r["title"] for r in response.json()["rules"]}
    assert titles["region"] == "Registered region"


def test_english_preferred_over_chinese(api, open_programs):
    response = post(api, EXAMPLE, language="en-GB,en;q=0.9,zh-CN;q=0.5")

    reasons = {r["code"]: r["reason"] for r in response.json()["rules"]}
    assert reasons["enterprise_type"].startswith("The credit code")


def test_whole_json_numbers_are_accepted_as_money(api, open_programs):
    body = example(
        enterprise__revenue=12_000_000,
        enterprise__total_assets=8_000_000,
        contract__amount=400_000,
    )

    response = post(api, body)

    assert response.status_code == 200, response.content
    assert response.json()["subsidy"] == "200000.00"


def test_year_total_above_the_tier_gives_the_facility_rate(api, open_programs):
    response = post(api, example(contract__year_contract_total="600000.00"))

    data = response.json()
    assert data["rate"] == "0.30"
    assert data["subsidy"] == "120000.00"


def test_outside_the_region_is_not_eligible_and_subsidy_is_zero(api, open_programs):
    body = example(
        enterprise__region_code="330203",
        enterprise__credit_code=make_uscc("330203", "MA2CD0F1"),
    )

    response = post(api, body)

    data = response.json()
    assert response.status_code == 200
    assert data["eligible"] is False
    assert data["subsidy"] == "0.00"
    assert {r["code"]: r["outcome"] for r in data["rules"]}["region"] == "fail"


def test_without_a_contract_no_calculation(api, open_programs):
    response = post(api, example(contract=...))

    data = response.json()
    assert response.status_code == 200
    assert data["calculation"] == []
    assert data["subsidy"] == "0.00"
    assert {r["code"]: r["outcome"] for r in data["rules"]}[
        "contract"
    ] == "not_applicable"


def test_benchmark_program_reads_the_investments(api, open_programs):
    body = example(program="ZJ-BENCHMARK-2026")
    body["enterprise"]["investments"] = [
        {"year": year, "it": "2000000.00", "ai": "1000000.00"}
        for year in range(2018, 2024)
    ]

    data = post(api, body).json()

    outcomes = {r["code"]: r["outcome"] for r in data["rules"]}
    assert outcomes["benchmark_investment"] == "pass"
    assert data["eligible"] is True
    assert data["rate"] == "0.30"
    assert data["subsidy"] == "120000.00"


def test_a_signed_in_session_is_not_needed_nor_checked_for_csrf(open_programs):
    api = APIClient(enforce_csrf_checks=True)

    assert post(api, EXAMPLE).status_code == 200


# -- malformed input -----------------------------------------------------------


def _investments(*rows):
    return [{"year": y, "it": it, "ai": ai} for y, it, ai in rows]


# (case id, body, field path, the English message or a part of it)
MALFORMED = [
    (
        "credit-code-check",
        example(enterprise__credit_code=CREDIT_CODE[:-1] + "0"),
        "enterprise.credit_code",
        "The check character is wrong: the last character should be U.",
    ),
    (
        "credit-code-length",
        example(enterprise__credit_code="9133010612345"),
        "enterprise.credit_code",
        "A unified social credit code has 18 characters; this one has 13.",
    ),
    (
        "region-unknown",
        example(enterprise__region_code="339999"),
        "enterprise.region_code",
        "“339999” is not an administrative division of Zhejiang.",
    ),
    (
        "region-format",
        example(enterprise__region_code="33010"),
        "enterprise.region_code",
        "Enter the 6-digit administrative division code, e.g. 330106.",
    ),
    (
        "industry-unknown",
        example(enterprise__industry_code="Z99"),
        "enterprise.industry_code",
        "“Z99” is not a GB/T 4754-2017 code we know.",
    ),
    (
        "industry-not-covered",
        example(enterprise__industry_code="J66"),
        "enterprise.industry_code",
        "outside the SME size standard",
    ),
    (
        "program-unknown",
        example(program="NO-SUCH-2026"),
        "program",
        "There is no program with the code “NO-SUCH-2026”.",
    ),
    (
        "amount-negative",
        example(contract__amount="-1.00"),
        "contract.amount",
        "Amounts cannot be negative.",
    ),
    (
        "amount-zero",
        example(contract__amount="0"),
        "contract.amount",
        "Must be more than zero.",
    ),
    (
        "revenue-negative",
        example(enterprise__revenue=-5),
        "enterprise.revenue",
        "Amounts cannot be negative.",
    ),
    (
        "amount-float",
        example(contract__amount=400000.5),
        "contract.amount",
        "Give amounts and rates as decimal strings, not floats.",
    ),
    (
        "amount-whole-float",
        example(contract__amount=400000.0),
        "contract.amount",
        "Give amounts and rates as decimal strings, not floats.",
    ),
    (
        "amount-three-decimals",
        example(contract__amount="400000.001"),
        "contract.amount",
        "Amounts have at most two decimal places (fen).",
    ),
    (
        "amount-not-a-number",
        example(contract__amount="NaN"),
        "contract.amount",
        "Give the amount in yuan as digits, with at most two decimals, e.g. 400000.00.",
    ),
    (
        "amount-bool",
        example(contract__amount=True),
        "contract.amount",
        "Give the amount in yuan as digits, with at most two decimals, e.g. 400000.00.",
    ),
    (
        "signed-on-impossible",
        example(contract__signed_on="2026-02-30"),
        "contract.signed_on",
        "Enter a valid date (YYYY-MM-DD).",
    ),
    (
        "established-on-impossible",
        example(enterprise__established_on="2019-13-01"),
        "enterprise.established_on",
        "Enter a valid date (YYYY-MM-DD).",
    ),
    (
        "established-on-future",
        example(enterprise__established_on=f"{THIS_YEAR + 1}-01-01"),
        "enterprise.established_on",
        "The date cannot be in the future.",
    ),
    (
        "employees-wrong-type",
        example(enterprise__employees="many"),
        "enterprise.employees",
        "A valid integer is required.",
    ),
    (
        "employees-list",
        example(enterprise__employees=[45]),
        "enterprise.employees",
        "A valid integer is required.",
    ),
    (
        "employees-missing",
        example(enterprise__employees=...),
        "enterprise.employees",
        "This field is required.",
    ),
    (
        "year-total-below-amount",
        example(contract__year_contract_total="300000.00"),
        "contract.year_contract_total",
        "cannot be less than the contract amount",
    ),
    (
        "term-zero",
        example(contract__term_months=0),
        "contract.term_months",
        "Ensure this value is greater than or equal to 1.",
    ),
    (
        "facility-unknown",
        example(contract__facility="cloud"),
        "contract.facility",
        "“cloud” is not a valid choice.",
    ),
    (
        "investment-ai-above-it",
        example(
            enterprise__investments=_investments(
                (2019, "100.00", "50.00"),
                (2020, "100.00", "100.00"),
                (2021, "100.00", "100.01"),
            )
        ),
        "enterprise.investments.2.ai",
        "The AI part cannot be more than the IT investment.",
    ),
    (
        "investment-year-too-early",
        example(enterprise__investments=_investments((1999, "1", "0"))),
        "enterprise.investments.0.year",
        f"The year must be between 2000 and {THIS_YEAR}.",
    ),
    (
        "investment-year-future",
        example(enterprise__investments=_investments((THIS_YEAR + 1, "1", "0"))),
        "enterprise.investments.0.year",
        f"The year must be between 2000 and {THIS_YEAR}.",
    ),
    (
        "investment-year-twice",
        example(
            enterprise__investments=_investments(
                (2020, "1", "0"), (2021, "1", "0"), (2020, "2", "0")
            )
        ),
        "enterprise.investments.2.year",
        "This year is given more than once.",
    ),
    (
        "investment-not-an-object",
        example(enterprise__investments=["2020"]),
        "enterprise.investments.0",
        "Invalid data. Expected a dictionary, but got str.",
    ),
    (
        "investments-not-a-list",
        example(enterprise__investments="2020: 100"),
        "enterprise.investments",
        "Expected a list of items but got type “str”.",
    ),
    (
        "enterprise-not-an-object",
        example(enterprise="Xihu software"),
        "enterprise",
        "Invalid data. Expected a dictionary, but got str.",
    ),
    ("body-a-list", [EXAMPLE], "non_field_errors", "Expected a dictionary"),
    ("body-a-string", "HZ-COMPUTE-2026", "non_field_errors", "Expected a dictionary"),
]


def _en(message):
    # DRF's English text uses straight quotes where ours are curly.
    return message.replace("“", '"').replace("”", '"')


@pytest.mark.parametrize(
    ("body", "path", "english"),
    [pytest.param(b, p, e, id=i) for i, b, p, e in MALFORMED],
)
def test_malformed_input_answers_400_in_english(
    api, open_programs, body, path, english
):
    response = post(api, body, language="en")

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert path in errors, errors
    assert any(
        english in message or _en(english) in message for message in errors[path]
    ), errors[path]
    assert EligibilityDecision.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "path"),
    [pytest.param(b, p, id=i) for i, b, p, _e in MALFORMED],
)
def test_malformed_input_answers_400_in_chinese_by_default(
    api, open_programs, body, path
):
    response = post(api, body)

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert path in errors, errors
    assert all(CJK.search(message) for message in errors[path]), errors[path]


def test_a_closed_program_is_refused(api, open_programs):
    services.program_set_status(
        program=open_programs["ZJ-MODEL-2026"], to_status="closed", actor=None
    )

    en = post(api, example(program="ZJ-MODEL-2026"), language="en")
    zh = post(api, example(program="zj-model-2026"))

    assert en.status_code == zh.status_code == 400
    assert en.json()["errors"]["program"] == [
        "The program “ZJ-MODEL-2026” is not open for applications."
    ]
    assert CJK.search(zh.json()["errors"]["program"][0])


def test_several_errors_at_once(api, open_programs):
    body = example(enterprise__credit_code="x", contract__amount="-1", program="NOPE-1")

    errors = post(api, body, language="en").json()["errors"]

    assert set(errors) == {"program", "enterprise.credit_code", "contract.amount"}


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("{", "en", "The request body is not valid JSON."),
        ('{"program": NaN}', "en", "The request body is not valid JSON."),
        ("{", None, None),
    ],
)
def test_invalid_json_answers_400(api, open_programs, raw, language, expected):
    response = post(api, raw, language=language, raw=True)

    assert response.status_code == 400
    messages = response.json()["errors"]["non_field_errors"]
    if expected:
        assert messages == [expected]
    else:
        assert CJK.search(messages[0])


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 100_000 + "]" * 100_000,  # beyond Python's recursion limit
        '{"program": ' + "[" * 50 + "]" * 50 + "}",
    ],
    ids=["recursion", "deep"],
)
def test_absurd_nesting_answers_400(api, open_programs, raw):
    response = post(api, raw, language="en", raw=True)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["The request body is nested too deeply."]
    }


def test_null_body_answers_400(api, open_programs):
    response = post(api, "null", language="en", raw=True)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got NoneType."]
    }


def test_empty_object_names_every_required_field(api, open_programs):
    errors = post(api, {}, language="en").json()["errors"]

    assert errors == {
        "program": ["This field is required."],
        "enterprise": ["This field is required."],
    }


def test_other_content_types_are_refused(api, open_programs):
    response = api.post(URL, {"program": "HZ-COMPUTE-2026"}, format="multipart")

    assert response.status_code == 415


def test_get_is_not_allowed(api):
    assert api.get(URL).status_code == 405


# -- throttling -----------------------------------------------------------------


@pytest.fixture
def two_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"self_check": "2/minute"},
    }
    cache.clear()


def test_throttled_per_client_with_429_in_the_request_language(
    api, open_programs, two_per_minute
):
    assert post(api, EXAMPLE).status_code == 200
    assert post(api, {}).status_code == 400  # every request counts

    zh = post(api, EXAMPLE)
    en = post(api, EXAMPLE, language="en")

    assert zh.status_code == en.status_code == 429
    assert zh.json()["detail"].startswith("请求已被限流。")
    assert re.fullmatch(
        r"Request was throttled\. Expected available in \d+ seconds?\.",
        en.json()["detail"],
    )
    assert int(en["Retry-After"]) > 0
    # Another client still gets through.
    other = api.post(URL, EXAMPLE, format="json", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_forwarded_for_does_not_escape_the_limit(api, open_programs, two_per_minute):
    post(api, EXAMPLE)
    post(api, EXAMPLE)

    response = api.post(URL, EXAMPLE, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 429


# -- schema and docs ---------------------------------------------------------------


def test_schema_documents_the_endpoint(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    operation = doc["paths"][URL]["post"]
    assert operation.get("security", []) in ([], [{}])  # anonymous
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/SelfCheckRequest"
    assert "examples" in body
    assert set(operation["responses"]) == {"200", "400", "429"}
    result = doc["components"]["schemas"]["SelfCheckResult"]["properties"]
    assert {
        "eligible",
        "needs_review",
        "size_class",
        "rules",
        "rate",
        "subsidy",
    } <= set(result)


def test_schema_yaml_by_default(api):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert URL.encode() in response.content


HOST_URL = re.compile(rb"https?://", re.IGNORECASE)
ASSET = re.compile(rb"""(?:src|href)=["']([^"']+)["']""")


def test_docs_page_uses_only_local_assets(api):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assets = ASSET.findall(response.content)
    assert assets
    for url in assets:
        assert url.startswith(b"/"), url
        assert not url.startswith(b"//"), url
        assert url.startswith(b"/static/") or url.startswith(b"/api/docs/?"), url
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in (
        response.content
    )
    assert not HOST_URL.findall(response.content)
    # No inline script: the page's own script is a separate file.
    assert not re.search(rb"<script>(?!</script>)", response.content)


def test_docs_script_is_local_too(api):
    response = api.get("/api/docs/", {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b'url: "/api/schema/"' in response.content
    assert b'"validatorUrl": null' in response.content
    assert not HOST_URL.findall(response.content)
