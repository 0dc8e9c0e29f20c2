"""Published programs (issue 12, item 8): the version's public information
(validated like every parameter), the public program page, the home pages'
lists by phase, and the self-check that follows the program's parameters and
leads on to applying with what was typed."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import (
    demo_program,
    make_program,
    make_role_user,
    make_sme,
    program_params,
)
from vouchers.eligibility.errors import ParamsError
from vouchers.models import Application, Program
from vouchers.programs import selectors, services
from vouchers.programs.forms import ProgramEditForm
from vouchers.programs.params import PUBLIC_DEFAULTS, ProgramParams

pytestmark = pytest.mark.django_db

S = Program.Status

POLICY = {
    "title": "杭州市算力券实施细则",
    "issuer": "杭州市经济和信息化局",
    "number": "演示〔2026〕1号",
    "issued_on": "2025-12-15",
    "url": "https://example.com/xize.html",
    "articles": [
        {"number": "第五条", "text": "国产算力设施按30%补贴。"},
        {"number": "第六条", "text": "每家企业每年最高800万元。"},
    ],
}
PUBLIC = {
    "summary": {"zh": "购买智能算力按比例抵扣。", "en": "Part of compute bought."},
    "policy_documents": [POLICY],
    "materials": [
        {"zh": "营业执照", "en": "Business licence"},
        {"zh": "算力服务合同", "en": "Compute service contract"},
    ],
    "contact": {
        "office": {"zh": "数字经济处", "en": "Digital Economy Division"},
        "phone": "0571-12345",
        "email": "office@example.com",
    },
}


def _bare(**changes) -> dict:
    """The Hangzhou demo parameters without any published information."""
    params = program_params(**changes)
    for key in set(PUBLIC_DEFAULTS) - set(changes):
        params.pop(key, None)
    return params


def _errors(params: dict) -> dict[str, list[str]]:
    with pytest.raises(ParamsError) as exc:
        ProgramParams.from_json(params)
    return exc.value.errors


# -- the parameters ------------------------------------------------------------


def test_public_information_round_trips():
    # given
    params = _bare(**PUBLIC)

    # when
    parsed = ProgramParams.from_json(params)

    # then
    assert parsed.policy_documents[0].number == "演示〔2026〕1号"
    assert parsed.policy_documents[0].issued_on == date(2025, 12, 15)
    document, article = parsed.policy_article("杭州市算力券实施细则", "第五条")
    assert document.issuer == "杭州市经济和信息化局"
    assert article.text == "国产算力设施按30%补贴。"
    assert parsed.policy_article("杭州市算力券实施细则", "第九条") is None
    assert str(parsed.materials[1]) == "算力服务合同"  # Chinese by default
    assert ProgramParams.from_json(parsed.to_json()) == parsed
    for key, value in PUBLIC.items():
        assert parsed.to_json()[key] == value


def test_a_version_stored_without_them_stays_as_it_was():
    # given: parameters as every version before this change was stored
    stored = ProgramParams.from_json(_bare()).to_json()

    # when
    parsed = ProgramParams.from_json(stored)

    # then: empty defaults, and the document is written back unchanged
    assert parsed.summary is None
    assert parsed.policy_documents == ()
    assert parsed.materials == ()
    assert parsed.contact is None
    assert parsed.to_json() == stored


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"summary": {"en": "only English"}}, "summary.zh"),
        ({"summary": "一段话"}, "summary"),
        ({"materials": ["营业执照"]}, "materials.0"),
        ({"materials": [{"zh": "  "}]}, "materials.0.zh"),
        ({"policy_documents": [{**POLICY, "issuer": ""}]}, "policy_documents.0.issuer"),
        (
            {"policy_documents": [{**POLICY, "url": "ftp://x"}]},
            "policy_documents.0.url",
        ),
        (
            {"policy_documents": [{**POLICY, "issued_on": "2025-02-30"}]},
            "policy_documents.0.issued_on",
        ),
        ({"policy_documents": [POLICY, POLICY]}, "policy_documents.1.title"),
        (
            {
                "policy_documents": [
                    {**POLICY, "articles": [*POLICY["articles"], POLICY["articles"][0]]}
                ]
            },
            "policy_documents.0.articles.2.number",
        ),
        (
            {"policy_documents": [{**POLICY, "articles": [{"number": "第五条"}]}]},
            "policy_documents.0.articles.0.text",
        ),
        ({"contact": {**PUBLIC["contact"], "email": "not-mail"}}, "contact.email"),
        ({"contact": {**PUBLIC["contact"], "phone": "call us"}}, "contact.phone"),
        ({"contact": {"office": {"zh": "数字经济处"}}}, "contact.phone"),
        ({"contact": {"phone": "12345"}}, "contact.office"),
    ],
)
def test_malformed_public_information_is_refused_by_path(change, path):
    errors = _errors(_bare(**change))

    assert path in errors, errors


def test_benchmark_years_come_from_the_rule():
    p = ProgramParams.from_json(program_params("ZJ-BENCHMARK-2026"))

    assert p.investment_years() == (2018, 2019, 2020, 2021, 2022, 2023)
    assert ProgramParams.from_json(program_params()).investment_years() == ()


# -- the edit form -------------------------------------------------------------


def _form_data(initial: dict) -> dict:
    """What the browser posts for a form showing ``initial``."""
    return {
        k: ("on" if v is True else v)
        for k, v in initial.items()
        if v is not None and v is not False and v != ""
    }


def test_the_edit_form_keeps_and_edits_the_information():
    # given: a version with the information, through the form unchanged
    params = ProgramParams.from_json(_bare(**PUBLIC)).to_json()
    initial = ProgramEditForm.initial_from_params(params)
    data = _form_data(initial)
    data["note"] = "联系人变更"
    data["contact_phone"] = "0571-54321"

    # when
    form = ProgramEditForm.from_params(params, data=data)

    # then
    assert form.is_valid(), form.errors
    out = ProgramParams.from_json(form.to_params())
    assert out.contact.phone == "0571-54321"
    assert out.policy_documents == ProgramParams.from_json(params).policy_documents
    assert out.materials == ProgramParams.from_json(params).materials
    assert out.summary == ProgramParams.from_json(params).summary


def test_the_edit_form_puts_errors_beside_the_fields():
    params = ProgramParams.from_json(_bare()).to_json()
    initial = ProgramEditForm.initial_from_params(params)
    data = _form_data(initial)
    data |= {
        "note": "x",
        "contact_office_zh": "数字经济处",
        "contact_email": "nope",
        "policy_1_title": "细则",
        "policy_1_issuer": "市经信局",
        "policy_1_articles": "第五条 补贴比例\n第六条",
        "materials_zh": "营业执照\n合同",
        "materials_en": "Business licence",
    }

    form = ProgramEditForm.from_params(params, data=data)

    assert not form.is_valid()
    assert "contact_email" in form.errors
    assert "policy_1_articles" in form.errors
    assert "materials_en" in form.errors


# -- the public page -----------------------------------------------------------


@pytest.fixture
def hangzhou(db):
    return demo_program("HZ-COMPUTE-2026")


def test_public_page_for_a_visitor_in_chinese(client, hangzhou):
    response = client.get(f"/programs/{hangzhou.code}/about/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "杭州市算力券" in html
    assert 'class="badge phase-open" data-testid="program-phase"' in html
    assert "20%–50%" in html  # headline rate
    assert "8,000,000.00" in html  # the cap, with separators
    assert "250,000,000.00" in html  # the budget
    assert "《杭州市算力券实施细则》" in html
    assert "第五条" in html
    assert "与服务商不存在关联关系的承诺书" in html  # a material
    assert "hz-compute-voucher@example.com" in html
    assert "?program=HZ-COMPUTE-2026" in html  # on to the self-check
    # On to applying: sign up, then the new application for this program.
    link = re.search(r'href="([^"]+)" data-testid="program-apply"', html).group(1)
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert urlsplit(link).path == reverse("account_signup")
    assert query["next"] == ["/applications/new/?program=HZ-COMPUTE-2026"]


def test_public_page_in_english(client, hangzhou):
    html = client.get(
        f"/programs/{hangzhou.code}/about/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "Hangzhou compute voucher" in html
    assert "Open for applications" in html
    assert "Business licence (unified social credit code)" in html
    assert "30% with a domestic compute facility." in html
    assert (
        "50% for an SME whose contracts of the year total at most 500,000.00 yuan."
        in html
    )
    assert "Digital Economy Division, Hangzhou Bureau" in html
    # The policy document is published in Chinese and shown so.
    assert "《杭州市算力券实施细则》" in html


def test_a_draft_is_not_public(client):
    draft = make_program("TEST-DRAFT-2026")

    assert client.get(f"/programs/{draft.code}/about/").status_code == 404
    assert client.get("/programs/NOPE-2026/about/").status_code == 404
    assert draft.code not in client.get("/").content.decode()


def test_the_applicant_is_offered_the_application(client, hangzhou):
    client.sign_in(make_role_user(Role.APPLICANT), language="en")

    html = client.get(f"/programs/{hangzhou.code}/about/").content.decode()

    assert (
        'href="/applications/new/?program=HZ-COMPUTE-2026" data-testid="program-apply"'
        in html
    )


# -- the home pages ------------------------------------------------------------


def _published(code, status, opens, closes):
    program = make_program(
        code, params=program_params(opens_on=opens, closes_on=closes)
    )
    if status != S.DRAFT:
        services.program_set_status(program=program, to_status=S.OPEN, actor=None)
    if status == S.CLOSED:
        services.program_set_status(program=program, to_status=S.CLOSED, actor=None)
    return program


def test_programs_are_grouped_by_phase_on_a_given_day():
    # given
    _published("T-OPEN-2026", S.OPEN, "2026-01-01", "2026-12-31")
    _published("T-SOON-2027", S.OPEN, "2027-03-01", "2027-12-31")
    _published("T-OVER-2025", S.OPEN, "2025-01-01", "2025-12-31")
    _published("T-SHUT-2026", S.CLOSED, "2026-01-01", "2026-12-31")
    _published("T-DRAFT-2026", S.DRAFT, "2026-01-01", "2026-12-31")

    # when
    groups = selectors.program_list_public(today=date(2026, 6, 1))
    later = selectors.program_list_public(today=date(2027, 6, 1))

    # then
    codes = {k: [i.program.code for i in v] for k, v in groups.items()}
    assert codes == {
        "open": ["T-OPEN-2026"],
        "upcoming": ["T-SOON-2027"],
        "closed": ["T-SHUT-2026", "T-OVER-2025"],
    }
    assert [i.program.code for i in later["open"]] == ["T-SOON-2027"]
    assert [i.program.code for i in later["closed"]][:2] == [
        "T-SHUT-2026",
        "T-OPEN-2026",
    ]


def test_the_home_page_lists_programs_for_visitors(client, hangzhou):
    # given: today inside the demo windows (2026-01-01 – 2027-12-31)
    html = client.get("/").content.decode()

    # then
    open_list = re.search(r'data-testid="programs-open">(.*?)</ul>', html, re.S).group(
        1
    )
    for code in ("HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026"):
        assert f'href="/programs/{code}/about/"' in open_list
    assert "20%–50%" in open_list
    assert "8,000,000.00" in open_list
    assert "2026-01-01 – 2027-12-31" in open_list


def test_the_applicant_home_lists_programs(client, hangzhou):
    client.sign_in(make_role_user(Role.APPLICANT), language="en")

    html = client.get("/").content.decode()

    assert 'data-testid="programs-public"' in html
    assert 'href="/programs/HZ-COMPUTE-2026/about/"' in html


def test_other_roles_home_has_no_program_list(client, hangzhou):
    client.sign_in(make_role_user(Role.PROVIDER_STAFF), language="en")

    assert 'data-testid="programs-public"' not in client.get("/").content.decode()


# -- the self-check -----------------------------------------------------------

SELF_CHECK = "/vouchers/self-check/"
VALID = {
    "program": "HZ-COMPUTE-2026",
    "credit_code": "91330106MA2CD0F1XN",
    "region_code": "330106",
    "industry_code": "I65",
    "employees": "45",
    "revenue": "12000000.00",
    "total_assets": "8000000.00",
    "signed_on": "2026-03-01",
    "term_months": "12",
    "amount": "1400000.00",
    "facility": "domestic",
    "year_contract_total": "",
}


@pytest.fixture
def programs(db):
    for code in ("HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026"):
        demo_program(code)


def _valid(**changes):
    from enterprises.uscc import make_uscc

    return {**VALID, "credit_code": make_uscc("330106", "MA2CD0F1"), **changes}


def test_the_years_asked_follow_the_chosen_program(client, programs):
    # given: the benchmark program's window moved to 2020–2024
    program = Program.objects.get(code="ZJ-BENCHMARK-2026")
    params = program.versions.get().params
    params["rules"]["benchmark_investment"] |= {"from_year": 2020, "to_year": 2024}
    services.program_change_propose(
        program=program, params=params, actor=make_role_user(Role.PROGRAM_MANAGER)
    )
    change = program.changes.get()
    services.program_change_approve(
        change=change, actor=make_role_user(Role.PROGRAM_MANAGER)
    )

    # when
    benchmark = client.get(SELF_CHECK, {"program": "ZJ-BENCHMARK-2026"})
    hangzhou = client.get(SELF_CHECK, {"program": "HZ-COMPUTE-2026"})

    # then
    html = benchmark.content.decode()
    assert 'name="it_2024"' in html
    assert 'name="it_2019"' not in html
    assert 'value="ZJ-BENCHMARK-2026" selected' in html
    assert 'data-testid="investment-rows"' not in hangzhou.content.decode()


def test_facility_is_asked_only_where_it_changes_the_rate(client, programs):
    model = client.get(SELF_CHECK, {"program": "ZJ-MODEL-2026"}).content.decode()
    hangzhou = client.get(
        SELF_CHECK, {"program": "HZ-COMPUTE-2026"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'name="facility"' not in model
    assert 'name="facility"' in hangzhou
    assert (
        "The rate of this program: Domestic compute facility 30%, "
        "Other compute facility 20%; 20% when the type is not known." in hangzhou
    )


def test_the_result_names_the_facility_and_leads_to_sign_up(client, programs):
    response = client.post(SELF_CHECK, _valid(), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "30%" in html
    assert "Domestic compute facility" in re.search(
        r'data-testid="rate-note">(.*?)</span>', html
    ).group(1)
    assert "420,000.00" in html
    link = re.search(r'href="([^"]+)" data-testid="self-check-apply"', html).group(1)
    link = link.replace("&amp;", "&")
    assert urlsplit(link).path == reverse("account_signup")
    target = parse_qs(urlsplit(link).query)["next"][0]
    carried = parse_qs(urlsplit(target).query)
    assert urlsplit(target).path == reverse("applications:new")
    assert carried == {
        "program": ["HZ-COMPUTE-2026"],
        "signed_on": ["2026-03-01"],
        "term_months": ["12"],
        "amount": ["1400000.00"],
    }


def test_the_applicant_goes_on_to_an_application_with_the_figures(client, programs):
    # given: an applicant of a small enterprise, after a self-check
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    make_sme(enterprise)
    client.sign_in(applicant, language="en")
    html = client.post(SELF_CHECK, _valid()).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="self-check-apply"', html).group(1)
    link = link.replace("&amp;", "&")
    assert link.startswith("/applications/new/?program=HZ-COMPUTE-2026")

    # when: the new application is started from the link
    page = client.get(link)
    response = client.post(
        link,
        {
            "enterprise": enterprise.pk,
            "program": page.context["form"].initial["program"],
        },
    )

    # then: the contract step starts with what was typed
    application = Application.objects.get(enterprise=enterprise)
    assert application.program.code == "HZ-COMPUTE-2026"
    assert response.status_code == 302
    contract = client.get(response["Location"]).content.decode()
    assert 'value="2026-03-01"' in contract
    assert 'value="12"' in contract
    assert 'value="1400000.00"' in contract


def test_carried_values_that_are_not_figures_are_dropped():
    from vouchers.applications.links import carried_contract

    assert carried_contract(
        {"amount": "1,400,000.00", "signed_on": "<script>", "term_months": "12"}
    ) == {"amount": "1400000.00", "term_months": "12"}


@pytest.mark.parametrize(
    ("changes", "rate", "note"),
    [
        ({"amount": "400000.00"}, "50%", "the spend tier&#x27;s rate"),
        ({"facility": ""}, "20%", "the base rate: the facility type is not known"),
        ({"facility": "other"}, "20%", "Other compute facility"),
    ],
)
def test_the_rate_says_why(client, programs, changes, rate, note):
    html = client.post(
        SELF_CHECK, _valid(**changes), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    shown = re.search(r'data-testid="rate">(.*?)</dd>', html, re.S).group(1)
    assert shown.startswith(rate)
    assert note in shown


def test_a_program_without_facility_rates_says_nothing_of_it(client, programs):
    html = client.post(
        SELF_CHECK,
        _valid(program="ZJ-MODEL-2026", facility=""),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()

    assert 'data-testid="rate-note"' not in html
