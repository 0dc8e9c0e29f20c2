"""Rules that cite their source (issue 12 item 5): a version's citations
(rule code → document title and article) are validated against its policy
documents, copied by the engine into every rule result, kept with a stored
decision, and shown after every reason: to the SME (the estimate, the
history, the notification), to reviewers (the rule results and the hints),
in the self-check, in the enterprise report and in the parameters in words."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.roles import Role
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    demo_program,
    make_role_user,
    program_params,
    sme_applicant,
    version_changed,
)
from tests.vouchers.test_decisions import application_facts, record
from vouchers.applications import services as svc
from vouchers.applications.timeline import _rule_reasons
from vouchers.demo.programs import demo_program_specs
from vouchers.eligibility.citations import article_en, citation_text, cited_reason
from vouchers.eligibility.engine import ProgramContext, evaluate
from vouchers.eligibility.errors import ParamsError
from vouchers.eligibility.explain import (
    calculation_rows,
    decision_answer,
    stored_rules,
)
from vouchers.eligibility.records import decision_reexplain
from vouchers.eligibility.registry import OUTCOMES, RULES
from vouchers.models import Application, Notification
from vouchers.programs.describe import describe_params
from vouchers.programs.params import ProgramParams

HZ_DOC = "杭州市算力券实施细则"
SPECS = {spec["code"]: spec for spec in demo_program_specs()}


def _context(code: str) -> ProgramContext:
    return ProgramContext(
        code=code,
        version=1,
        kind="compute",
        region_code="330000",
        region_prefix="33",
        region_name_zh="浙江省",
        region_name_en="Zhejiang",
        params=ProgramParams.from_json(SPECS[code]["params"]),
        budget_remaining=Decimal("250000000.00"),
    )


def _errors(**changes) -> dict[str, list[str]]:
    with pytest.raises(ParamsError) as exc:
        ProgramParams.from_json(program_params(**changes))
    return exc.value.errors


# -- the words -------------------------------------------------------------------


def test_a_citation_in_chinese_and_in_english():
    cite = {"document": HZ_DOC, "article": "第五条"}

    assert citation_text(cite, "zh-hans") == "（依据：《杭州市算力券实施细则》第五条）"
    assert citation_text(cite, "en") == "(under Article 5 of 杭州市算力券实施细则)"
    assert cited_reason("In the window.", cite, "en") == (
        "In the window. (under Article 5 of 杭州市算力券实施细则)"
    )
    assert cited_reason("在申报期内。", cite, "zh-hans") == (
        "在申报期内。（依据：《杭州市算力券实施细则》第五条）"
    )
    assert cited_reason("在申报期内。", None, "zh-hans") == "在申报期内。"


@pytest.mark.parametrize(
    ("number", "english"),
    [
        ("第一条", "Article 1"),
        ("第十条", "Article 10"),
        ("第十二条", "Article 12"),
        ("第二十条", "Article 20"),
        ("第三十五条", "Article 35"),
        ("第一百零五条", "Article 105"),
        ("第7条", "Article 7"),
        ("政策措施", "政策措施"),
        ("第五款", "第五款"),
    ],
)
def test_article_numbers_in_english(number, english):
    assert article_en(number) == english


def test_an_article_without_a_number_is_named_as_written_in_english():
    cite = {"document": "杭州市加快建设人工智能创新高地实施方案", "article": "政策措施"}

    assert (
        citation_text(cite, "en")
        == "(under 杭州市加快建设人工智能创新高地实施方案, 政策措施)"
    )
    assert citation_text(cite, "zh-hans") == (
        "（依据：《杭州市加快建设人工智能创新高地实施方案》政策措施）"
    )


# -- the version -----------------------------------------------------------------


def test_the_demo_citations_round_trip():
    # given
    params = program_params()

    # when
    parsed = ProgramParams.from_json(params)

    # then
    assert parsed.citation("cap_budget") == {"document": HZ_DOC, "article": "第六条"}
    assert parsed.policy_article(HZ_DOC, "第六条") is not None
    assert parsed.to_json()["citations"] == params["citations"]
    assert ProgramParams.from_json(parsed.to_json()) == parsed


def test_a_version_without_citations_reads_and_writes_as_before():
    # given: a version stored before citations existed
    params = program_params()
    params.pop("citations")

    # when
    parsed = ProgramParams.from_json(params)

    # then
    assert parsed.citations == {}
    assert parsed.citation("credit") is None
    assert "citations" not in parsed.to_json()


@pytest.mark.parametrize(
    ("citations", "path", "message"),
    [
        (
            {"credit": {"document": "杭州市算力券管理办法", "article": "第三条"}},
            "citations.credit.document",
            "This version lists no policy document titled 《杭州市算力券管理办法》.",
        ),
        (
            {"credit": {"document": HZ_DOC, "article": "第九条"}},
            "citations.credit.article",
            "《杭州市算力券实施细则》 as this version lists it has no article 第九条.",
        ),
        (
            {"credit": {"document": HZ_DOC}},
            "citations.credit.article",
            "This field is required.",
        ),
        (
            {"no_such_rule": {"document": HZ_DOC, "article": "第三条"}},
            "citations.no_such_rule",
            "Unknown rule or calculation step.",
        ),
        (
            {"benchmark_investment": {"document": HZ_DOC, "article": "第三条"}},
            "citations.benchmark_investment",
            "This version does not use this rule.",
        ),
        (
            {"credit": "杭州市算力券实施细则 第三条"},
            "citations.credit",
            "Give the citation as a document and an article.",
        ),
        (
            ["credit"],
            "citations",
            "Give the citations as rule code → document and article.",
        ),
    ],
)
def test_a_citation_the_version_cannot_back_is_refused(citations, path, message):
    with translation.override("en"):
        assert _errors(citations=citations) == {path: [message]}


def test_a_citation_of_a_removed_article_is_refused_in_chinese():
    # given: the article 第六条 taken out of the document the cap rule and
    # the cap step cite
    params = program_params()
    hz = next(d for d in params["policy_documents"] if d["title"] == HZ_DOC)
    hz["articles"] = [a for a in hz["articles"] if a["number"] != "第六条"]

    # when
    with translation.override("zh-hans"), pytest.raises(ParamsError) as exc:
        ProgramParams.from_json(params)

    # then
    assert list(exc.value.errors) == [
        "citations.cap_budget.article",
        "citations.cap_remaining.article",
    ]


# -- every reason of every rule ----------------------------------------------------


def test_every_rule_of_the_registry_shows_its_citation_wherever_its_reason_is_shown():
    covered = set()
    for code, spec in SPECS.items():
        ctx = _context(code)
        decision = evaluate(ctx, application_facts())
        stored = decision.to_json()
        for result in decision.rules:
            cite = ctx.params.citation(result.code)
            assert cite, f"{code}: {result.code} cites nothing"
            assert result.outcome in OUTCOMES
            assert result.cite == cite
            covered.add(result.code)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                shown = {
                    "answer": decision_answer(decision)["rules"],
                    "stored": stored_rules(stored),
                }
                history = _rule_reasons(stored, set(OUTCOMES))
                described = {
                    row["key"]: row["text"]
                    for section in describe_params(spec["params"])
                    for row in section["rows"]
                }
            for result, answer, row, told in zip(
                decision.rules, shown["answer"], shown["stored"], history, strict=True
            ):
                citation = citation_text(result.cite, language)
                bare = result.reason(language)
                assert citation.startswith(
                    "（依据：《" if language == "zh-hans" else "(under "
                )
                assert answer["reason"] == cited_reason(bare, result.cite, language)
                assert answer["reason"].endswith(citation), (code, result.code)
                assert answer["citation"] == citation
                assert row["reason"] == answer["reason"]
                assert row["citation"] == citation
                assert told == answer["reason"]
                assert described[f"rule.{result.code}"].endswith(citation)
    assert covered == set(RULES)


# -- stored decisions ------------------------------------------------------------


@pytest.mark.django_db
def test_a_stored_decision_keeps_the_citation_of_its_version(hz_program):
    # given: a decision under version 1, then a version citing 第五条 for the cap
    old = record(hz_program, application_facts())
    citations = {
        **program_params()["citations"],
        "cap_budget": {"document": HZ_DOC, "article": "第五条"},
    }
    version_changed(
        program=hz_program, params=program_params(citations=citations), actor=None
    )
    new = record(hz_program, application_facts())

    # when
    with translation.override("zh-hans"):
        old_cap = next(r for r in stored_rules(old.result) if r["code"] == "cap_budget")
        new_cap = next(r for r in stored_rules(new.result) if r["code"] == "cap_budget")

    # then
    assert old_cap["citation"] == "（依据：《杭州市算力券实施细则》第六条）"
    assert new_cap["citation"] == "（依据：《杭州市算力券实施细则》第五条）"
    assert decision_reexplain(old).matches
    assert decision_reexplain(new).matches


@pytest.mark.django_db
def test_a_decision_without_citations_still_displays_and_reexplains(hz_program):
    # given: version 2 cites nothing (as versions did before citations)
    params = program_params()
    params.pop("citations")
    version_changed(program=hz_program, params=params, actor=None)

    # when
    stored = record(hz_program, application_facts())

    # then
    assert all("cite" not in r for r in stored.result["rules"])
    rows = stored_rules(stored.result)
    assert all(r["citation"] == "" for r in rows)
    with translation.override("zh-hans"):
        assert [r["reason"] for r in stored_rules(stored.result)] == [
            r["reason_zh"] for r in stored.result["rules"]
        ]
    assert decision_reexplain(stored).matches


@pytest.mark.django_db
def test_a_changed_stored_citation_does_not_reexplain_the_same(hz_program):
    stored = record(hz_program, application_facts())
    stored.result["rules"][0]["cite"] = {"document": HZ_DOC, "article": "第五条"}

    assert not decision_reexplain(stored).matches


# -- the pages -------------------------------------------------------------------


@pytest.fixture
def hz(db):
    applicant = sme_applicant(region="330106")
    return {
        "program": demo_program("HZ-COMPUTE-2026"),
        "applicant": applicant,
        "enterprise": applicant.memberships.get().enterprise,
        "provider": ProviderFactory(),
    }


def _application(hz, number="HT-CITE-1", **kwargs) -> Application:
    return ApplicationFactory(
        program=hz["program"],
        applicant=hz["applicant"],
        enterprise=hz["enterprise"],
        provider=hz["provider"],
        contract_number=number,
        **kwargs,
    )


@pytest.mark.django_db
def test_the_sme_sees_the_citations_in_the_estimate_history_and_notification(
    hz, client
):
    # given: a second claim of the same contract, which the rules reject
    first = _application(hz, complete=True)
    svc.application_submit(application=first, user=hz["applicant"])
    second = _application(hz, complete=True)
    client.sign_in(hz["applicant"], language="zh-hans")

    # when: the review step shows the estimate, then the application is submitted
    estimate = client.get(reverse("applications:review", args=[second.pk]))
    client.post(reverse("applications:review", args=[second.pk]))
    detail = client.get(reverse("applications:detail", args=[second.pk]))

    # then
    assert estimate.status_code == 200
    html = estimate.content.decode()
    for cite in ("第三条", "第四条", "第六条", "第八条"):
        assert f"（依据：《杭州市算力券实施细则》{cite}）" in html
    second.refresh_from_db()
    assert second.status == Application.Status.REJECTED
    claim = "（依据：《杭州市算力券实施细则》第八条）"
    assert claim in detail.content.decode()
    notice = Notification.objects.filter(application=second).latest("pk")
    assert claim in notice.body


@pytest.mark.django_db
def test_the_reviewer_sees_the_citations_beside_the_rule_results(hz, client):
    # given
    application = _application(hz, submitted=True)
    assert application.status == Application.Status.IN_REVIEW
    reviewer = make_role_user(Role.REVIEWER, region="330106")

    # when
    client.sign_in(reviewer, language="en")
    response = client.get(reverse("review:detail", args=[application.pk]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "(under Article 3 of 杭州市算力券实施细则)" in html
    assert "(under Article 6 of 杭州市算力券实施细则)" in html
    hints = [h["text"] for h in response.context["hints"] if h["kind"] == "rule"]
    assert all("(under " in text for text in hints)


@pytest.mark.django_db
def test_the_self_check_shows_the_citations(client, demo_programs):
    from tests.vouchers.test_self_check_page import URL, VALID

    # when
    zh = client.post(URL, VALID).content.decode()
    en = client.post(URL, VALID, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then
    assert "（依据：《杭州市算力券实施细则》第三条）" in zh
    assert "（依据：《杭州市算力券实施细则》第六条）" in zh
    assert "(under Article 3 of 杭州市算力券实施细则)" in en


@pytest.mark.django_db
def test_the_enterprise_report_shows_each_reason_with_its_citation(
    hz, settings, tmp_path, django_capture_on_commit_callbacks
):
    from audits.models import Report
    from audits.reports import services as reports
    from audits.reports.data import enterprise_figures

    # given
    settings.MEDIA_ROOT = tmp_path
    application = _application(hz, submitted=True)
    auditor = make_role_user(Role.AUDITOR, region="330000")

    # when: the dossier is built (PDF and XLSX from the same figures)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(
            kind="enterprise", enterprise=hz["enterprise"], actor=auditor
        )
    report.refresh_from_db()

    # then
    assert report.status == Report.Status.DONE
    [entry] = [
        a
        for a in enterprise_figures(hz["enterprise"]).applications
        if a["number"] == application.number
    ]
    reasons = [r["reason"] for d in entry["decisions"] for r in d["rules"]]
    assert reasons
    assert all("（依据：《杭州市算力券实施细则》第" in r for r in reasons)
    book = load_workbook(io.BytesIO(Path(report.xlsx.path).read_bytes()))
    rows = list(book["规则结果"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [application.number] * len(reasons)
    assert [row[5] for row in rows] == reasons


# -- the calculation's steps -----------------------------------------------------

RATE_ZH = "（依据：《杭州市算力券实施细则》第五条）"
CAP_ZH = "（依据：《杭州市算力券实施细则》第六条）"


def _step(steps: list[dict], name: str) -> dict:
    return next(s for s in steps if s["step"] == name)


def test_a_version_cites_the_rate_and_the_cap_like_its_rules():
    # when
    parsed = ProgramParams.from_json(program_params())

    # then
    assert parsed.citation("rate") == {"document": HZ_DOC, "article": "第五条"}
    assert parsed.citation("cap_remaining") == {"document": HZ_DOC, "article": "第六条"}
    assert ProgramParams.from_json(parsed.to_json()) == parsed


@pytest.mark.parametrize(
    ("cite", "path", "message"),
    [
        (
            {"document": "杭州市算力券管理办法", "article": "第五条"},
            "citations.rate.document",
            "This version lists no policy document titled 《杭州市算力券管理办法》.",
        ),
        (
            {"document": HZ_DOC, "article": "第九条"},
            "citations.rate.article",
            "《杭州市算力券实施细则》 as this version lists it has no article 第九条.",
        ),
        ({"document": HZ_DOC}, "citations.rate.article", "This field is required."),
        (
            "杭州市算力券实施细则 第五条",
            "citations.rate",
            "Give the citation as a document and an article.",
        ),
    ],
)
def test_a_step_citation_the_version_cannot_back_is_refused(cite, path, message):
    citations = {**program_params()["citations"], "rate": cite}
    with translation.override("en"):
        assert _errors(citations=citations) == {path: [message]}


def test_no_rule_has_the_code_of_a_cited_step():
    from vouchers.programs.params import CITED_STEPS

    assert not set(CITED_STEPS) & set(RULES)
    assert set(CITED_STEPS) <= {s["step"] for s in _steps_of("HZ-COMPUTE-2026")}


def _steps_of(code: str) -> list[dict]:
    calculation = evaluate(_context(code), application_facts()).calculation
    assert calculation is not None
    return calculation.steps


@pytest.mark.parametrize("code", list(SPECS))
def test_the_engine_copies_the_articles_of_the_rate_and_the_cap_into_the_steps(code):
    # given
    ctx = _context(code)

    # when
    steps = _steps_of(code)

    # then: those two steps cite, the others (arithmetic) do not
    assert _step(steps, "rate")["cite"] == ctx.params.citation("rate")
    assert _step(steps, "cap_remaining")["cite"] == ctx.params.citation("cap_remaining")
    assert ctx.params.citation("rate")
    assert ctx.params.citation("cap_remaining")
    assert [s["step"] for s in steps if "cite" in s] == ["rate", "cap_remaining"]


def test_a_version_that_cites_no_step_calculates_as_before():
    # given: the citations of the rules only (every version stored before
    # steps could cite)
    params = program_params()
    for step in ("rate", "cap_remaining"):
        params["citations"].pop(step)
    ctx = ProgramContext(
        **{
            **_context("HZ-COMPUTE-2026").__dict__,
            "params": ProgramParams.from_json(params),
        }
    )

    # when
    steps = evaluate(ctx, application_facts()).to_json()["steps"]

    # then: exactly the keys steps always had
    assert all(set(s) <= {"step", "value", "basis", "basis_zh"} for s in steps)
    with translation.override("zh-hans"):
        assert all(row["citation"] == "" for row in calculation_rows(steps))


def test_every_place_that_shows_the_steps_gets_the_citation():
    decision = evaluate(_context("HZ-COMPUTE-2026"), application_facts())
    stored = decision.to_json()
    for language, rate, cap in (
        ("zh-hans", RATE_ZH, CAP_ZH),
        (
            "en",
            "(under Article 5 of 杭州市算力券实施细则)",
            "(under Article 6 of 杭州市算力券实施细则)",
        ),
    ):
        with translation.override(language):
            answer = decision_answer(decision)["calculation"]
            live = calculation_rows(answer)
            kept = calculation_rows(stored["steps"])
            described = {
                row["key"]: row["text"]
                for section in describe_params(program_params())
                for row in section["rows"]
            }
        for rows in (answer, live, kept):
            assert _step(rows, "rate")["citation"] == rate
            assert _step(rows, "cap_remaining")["citation"] == cap
            assert _step(rows, "eligible_amount")["citation"] == ""
        assert described["base_rate"].endswith(rate)
        assert described["cap"].endswith(cap)


@pytest.mark.django_db
def test_a_stored_decision_keeps_the_step_citation_of_its_version(hz_program):
    # given: a decision under version 1 (the rate under 第五条), then a
    # version citing 第八条 for the rate
    old = record(hz_program, application_facts())
    citations = {
        **program_params()["citations"],
        "rate": {"document": HZ_DOC, "article": "第八条"},
    }
    version_changed(
        program=hz_program, params=program_params(citations=citations), actor=None
    )
    new = record(hz_program, application_facts())

    # when
    with translation.override("zh-hans"):
        old_rate = _step(calculation_rows(old.result["steps"]), "rate")
        new_rate = _step(calculation_rows(new.result["steps"]), "rate")

    # then
    assert old_rate["citation"] == RATE_ZH
    assert new_rate["citation"] == "（依据：《杭州市算力券实施细则》第八条）"
    assert decision_reexplain(old).matches
    assert decision_reexplain(new).matches


@pytest.mark.django_db
def test_a_changed_stored_step_citation_does_not_reexplain_the_same(hz_program):
    stored = record(hz_program, application_facts())
    _step(stored.result["steps"], "rate")["cite"] = {
        "document": HZ_DOC,
        "article": "第八条",
    }

    assert decision_reexplain(stored).differences == ["steps"]


@pytest.mark.django_db
def test_the_pages_show_the_steps_with_their_articles(hz, client, demo_programs):
    from tests.vouchers.test_self_check_page import URL, VALID

    # given: an application in review, and one still a draft with its contract
    submitted = _application(hz, submitted=True)
    draft = _application(hz, number="HT-CITE-2", complete=True)
    reviewer = make_role_user(Role.REVIEWER, region="330106")

    # when
    pages = {
        "estimate": client.sign_in(hz["applicant"], language="zh-hans").get(
            reverse("applications:review", args=[draft.pk])
        ),
        "self_check": client.post(URL, VALID),
    }
    client.sign_in(reviewer, language="zh-hans")
    pages["review"] = client.get(reverse("review:detail", args=[submitted.pk]))
    pages["decision"] = client.get(
        reverse("review:decision", args=[submitted.screening_id])
    )

    # then: beside the rate and the cap, the article each comes from
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        cited = f'<span class="cite" data-testid="step-citation">{RATE_ZH}</span>'
        assert cited in html, name
        assert f'data-testid="step-citation">{CAP_ZH}</span>' in html, name


@pytest.mark.django_db
def test_the_self_check_api_gives_each_step_its_citation(client, demo_programs):
    from tests.vouchers.test_self_check_api import EXAMPLE
    from tests.vouchers.test_self_check_api import URL as API

    # when
    response = client.post(
        API, EXAMPLE, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    # then
    assert response.status_code == 200, response.content
    steps = {s["step"]: s for s in response.json()["calculation"]}
    assert steps["rate"]["citation"] == RATE_ZH
    assert steps["cap_remaining"]["citation"] == CAP_ZH
    assert steps["subsidy"]["citation"] == ""
