"""The what-if of a proposed program change (vouchers/programs/whatif.py):
the proposal's parameters over the program's screened applications, with
the facts each was screened on; totals equal a computation by hand;
nothing stored changes; the page, the XLSX and a failed computation."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audits.models import AuditEvent
from tests.factories import (
    ApplicationFactory,
    demo_program,
    make_role_user,
    program_params,
)
from vouchers.models import Application, EligibilityDecision, ProgramChange
from vouchers.programs import services as programs
from vouchers.programs import whatif

pytestmark = pytest.mark.django_db

AMOUNTS = ("100000.00", "250000.00", "400000.00")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def applications(media):
    # Three SMEs in Xihu (Hangzhou), each under the 500,000 spend tier: 50%
    return [ApplicationFactory(submitted=True, amount=a) for a in AMOUNTS]


@pytest.fixture
def manager():
    return make_role_user(Role.PROGRAM_MANAGER)


def tier(rate: str) -> list[dict]:
    return [{"max_year_total": "500000.00", "rate": rate, "sme_only": True}]


def propose(manager, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        change = programs.program_change_propose(
            program=demo_program(),
            params=program_params(**params),
            actor=manager,
        )
    change.refresh_from_db()
    return change


def test_the_totals_equal_a_computation_by_hand(
    applications, manager, django_capture_on_commit_callbacks
):
    # given: the tier rate 50% → 40%
    stored = list(EligibilityDecision.objects.values_list("pk", "subsidy"))

    # when
    change = propose(
        manager, django_capture_on_commit_callbacks, spend_tiers=tier("0.40")
    )

    # then
    impact = change.impact
    assert change.impact_status == ProgramChange.Impact.DONE
    assert impact["applications"] == 3
    assert (impact["eligible_before"], impact["eligible_after"]) == (3, 3)
    total = sum(Decimal(a) for a in AMOUNTS)
    assert Decimal(impact["subsidy_before"]) == total * Decimal("0.50")
    assert Decimal(impact["subsidy_after"]) == total * Decimal("0.40")
    assert Decimal(impact["budget"]) == Decimal("250000000.00")
    [city] = impact["by_city"]
    assert (city["key"], city["name_zh"], city["applications"]) == (
        "330100",
        "杭州市",
        3,
    )
    assert Decimal(city["subsidy_after"]) == total * Decimal("0.40")
    assert sum(g["applications"] for g in impact["by_size_class"]) == 3
    # nothing stored changed
    assert list(EligibilityDecision.objects.values_list("pk", "subsidy")) == stored


def test_it_says_which_rule_makes_an_application_ineligible(
    applications, manager, django_capture_on_commit_callbacks
):
    # when: contracts under 200,000 no longer count
    change = propose(
        manager, django_capture_on_commit_callbacks, min_contract_amount="200000.00"
    )

    # then: the 100,000 one would fail the contract rule
    impact = change.impact
    assert impact["became_ineligible"] == 1
    assert impact["became_eligible"] == 0
    assert impact["newly_failed_by_rule"] == {"contract": 1}
    small = next(line for line in impact["lines"] if not line["eligible_after"])
    assert small["number"] == applications[0].number
    assert small["failed_after"] == ["contract"]
    assert small["subsidy_after"] == "0.00"
    assert Decimal(impact["subsidy_after"]) == Decimal("325000.00")


def test_drafts_are_not_counted(media, manager, django_capture_on_commit_callbacks):
    ApplicationFactory(complete=True)  # never screened
    ApplicationFactory(submitted=True)
    change = propose(
        manager, django_capture_on_commit_callbacks, spend_tiers=tier("0.40")
    )
    assert change.impact["applications"] == 1
    assert Application.objects.filter(program=demo_program()).count() == 2


def test_a_failed_computation_is_marked_and_can_be_run_again(
    applications, manager, django_capture_on_commit_callbacks, monkeypatch
):
    real = whatif.impact_compute

    def broken(change):
        raise RuntimeError("no database")

    monkeypatch.setattr(whatif, "impact_compute", broken)
    change = propose(
        manager, django_capture_on_commit_callbacks, spend_tiers=tier("0.40")
    )
    assert change.impact_status == ProgramChange.Impact.FAILED
    assert change.impact is None

    monkeypatch.setattr(whatif, "impact_compute", real)
    assert whatif.impact_store(change.pk) == ProgramChange.Impact.DONE


def test_the_change_page_shows_it_and_the_xlsx_is_audited(
    applications, manager, client, django_capture_on_commit_callbacks
):
    # given
    change = propose(
        manager, django_capture_on_commit_callbacks, spend_tiers=tier("0.40")
    )
    client.sign_in(make_role_user(Role.PROGRAM_MANAGER), language="zh-hans")
    url = reverse("programs:change", args=[change.program.code, change.pk])

    # when
    page = client.get(url)

    # then
    assert page.status_code == 200
    impact = page.context["impact"]
    assert impact["subsidy_before"] == "375,000.00"
    assert impact["subsidy_after"] == "300,000.00"
    assert impact["share"] == "0.1%"
    assert [g["name"] for g in impact["by_city"]] == ["杭州市"]
    assert "300,000.00" in page.content.decode()

    # when: the workbook
    response = client.get(
        reverse("programs:change-impact-xlsx", args=[change.program.code, change.pk])
    )

    # then
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概要", "按地市", "按企业规模", "原因（按规则）", "申报"]
    rows = list(book["申报"].iter_rows(values_only=True))
    assert len(rows) == 4
    assert (
        AuditEvent.objects.filter(action="program.change_impact_exported").count() == 1
    )


def test_compute_again_from_the_page(
    applications, manager, client, django_capture_on_commit_callbacks
):
    change = propose(
        manager, django_capture_on_commit_callbacks, spend_tiers=tier("0.40")
    )
    ProgramChange.objects.filter(pk=change.pk).update(
        impact=None, impact_status="failed"
    )
    client.sign_in(manager, language="zh-hans")
    url = reverse("programs:change", args=[change.program.code, change.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "impact"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.impact_status == ProgramChange.Impact.DONE


# -- the articles the rules rest on --------------------------------------------

HZ_DOC = "杭州市算力券实施细则"


def citing(code: str, article: str) -> dict:
    """The demo version's citations with rule ``code`` citing ``article``."""
    citations = program_params()["citations"]
    citations[code] = {"document": HZ_DOC, "article": article}
    return citations


def workbook_rows(client, change) -> dict[str, list[tuple]]:
    response = client.get(
        reverse("programs:change-impact-xlsx", args=[change.program.code, change.pk])
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    return {
        name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames
    }


def test_a_rule_that_would_newly_fail_shows_the_proposed_article(
    applications, manager, client, django_capture_on_commit_callbacks
):
    # given: contracts under 200,000 no longer count, under 第三条 now
    # (the version in force cites 第八条 for the contract rule)
    change = propose(
        manager,
        django_capture_on_commit_callbacks,
        min_contract_amount="200000.00",
        citations=citing("contract", "第三条"),
    )
    client.sign_in(manager, language="zh-hans")

    # when
    page = client.get(reverse("programs:change", args=[change.program.code, change.pk]))

    # then: the page says why, with the proposed version's article
    assert page.status_code == 200
    [why] = page.context["impact"]["why"]
    assert why.endswith("（依据：《杭州市算力券实施细则》第三条）")
    assert "第八条" not in why
    assert "（依据：《杭州市算力券实施细则》第三条）" in page.content.decode()

    # when: the workbook
    sheets = workbook_rows(client, change)

    # then: by rule, and on the application's row
    [by_rule] = [rows for rows in sheets.values() if len(rows[0]) == 4]
    assert by_rule[1][2:] == (1, "（依据：《杭州市算力券实施细则》第三条）")
    lines = sheets[list(sheets)[-1]]
    small = next(row for row in lines if row[0] == applications[0].number)
    assert not small[-2]  # nothing failed as decided
    assert small[-1].endswith("（依据：《杭州市算力券实施细则》第三条）")


def test_a_rule_that_would_no_longer_fail_shows_the_stored_article(
    applications, manager, client, django_capture_on_commit_callbacks
):
    # given: one application failed the contract rule under an older
    # version that cited 第七条 for it (its stored result says so)
    decision = EligibilityDecision.objects.get(pk=applications[0].screening_id)
    for rule in decision.result["rules"]:
        if rule["code"] == "contract":
            rule["outcome"] = "fail"
            rule["cite"] = {"document": HZ_DOC, "article": "第七条"}
    decision.eligible = False
    decision.save(update_fields=["result", "eligible"])

    # when: a proposal under which it passes again
    change = propose(
        manager, django_capture_on_commit_callbacks, spend_tiers=tier("0.40")
    )
    client.sign_in(manager, language="en")
    page = client.get(reverse("programs:change", args=[change.program.code, change.pk]))

    # then: the rule that would go is shown with the article it failed under
    assert change.impact["no_longer_failed_by_rule"] == {"contract": 1}
    assert change.impact["no_longer_failed_cites"] == {
        "contract": [{"document": HZ_DOC, "article": "第七条"}]
    }
    [why] = page.context["impact"]["why"]
    assert why.endswith("(under Article 7 of 杭州市算力券实施细则)")
    assert "Article 8" not in why

    # and the workbook (in Chinese) says it too, on the row and by rule
    sheets = workbook_rows(client, change)
    [by_rule] = [rows for rows in sheets.values() if len(rows[0]) == 4]
    assert by_rule[1][2:] == (1, "（依据：《杭州市算力券实施细则》第七条）")
    lines = sheets[list(sheets)[-1]]
    row = next(row for row in lines if row[0] == applications[0].number)
    assert row[-2].endswith("（依据：《杭州市算力券实施细则》第七条）")
    assert not row[-1]


def test_a_what_if_computed_before_old_citations_were_kept_still_shows(
    applications, manager, client, django_capture_on_commit_callbacks
):
    # given: a what-if stored without the old results' citations
    change = propose(
        manager, django_capture_on_commit_callbacks, min_contract_amount="200000.00"
    )
    impact = change.impact
    impact.pop("no_longer_failed_cites")
    for line in impact["lines"]:
        line.pop("failed_before"), line.pop("cites_before")
    ProgramChange.objects.filter(pk=change.pk).update(impact=impact)
    change.refresh_from_db()
    client.sign_in(manager, language="zh-hans")

    # when
    page = client.get(reverse("programs:change", args=[change.program.code, change.pk]))
    sheets = workbook_rows(client, change)

    # then: the proposed version's article is still known
    assert page.status_code == 200
    [why] = page.context["impact"]["why"]
    assert why.endswith("（依据：《杭州市算力券实施细则》第八条）")
    assert len(sheets[list(sheets)[-1]]) == 4
