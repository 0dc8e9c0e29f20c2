"""Re-explaining a stored decision (issue 12): `manage.py decision_reexplain`
and the decision page make it again under its stored version and show it
beside what was stored. Runs on PostgreSQL and, like test_decisions.py, once
more on SQLite, the demo's database (scripts/test.sh)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    make_role_user,
    program_params,
    sme_applicant,
    version_changed,
)
from vouchers.eligibility.engine import evaluate
from vouchers.eligibility.facts import Facts
from vouchers.eligibility.records import (
    APPLICATION_SUBJECT,
    decision_record,
    decision_reexplain,
)
from vouchers.eligibility.rescreen import SUBJECT_TYPE
from vouchers.models import Application, EligibilityDecision
from vouchers.programs.selectors import program_context, program_version_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def application(hz_program) -> Application:
    """A Xihu SME's application in review at the county stage of the
    Hangzhou program: 400,000 yuan of domestic compute, 50% (SME tier)."""
    return ApplicationFactory(
        submitted=True,
        program=hz_program,
        applicant=sme_applicant("330106"),
        provider=ProviderFactory(),
        contract_number="HT-REEXPLAIN-1",
    )


def lower_rates(program) -> None:
    """Version 2: SMEs 40% (instead of 50%) from now on."""
    params = program_params()
    tiers = [{**t, "rate": "0.40"} for t in params["spend_tiers"]]
    version_changed(program=program, params=program_params(spend_tiers=tiers))


def tamper(decision: EligibilityDecision, **changes) -> None:
    """Change the stored result behind the service's back."""
    EligibilityDecision.objects.filter(pk=decision.pk).update(
        result={**decision.result, **changes}
    )


def reexplain(*args: str) -> str:
    out = StringIO()
    call_command("decision_reexplain", *args, stdout=out)
    return out.getvalue()


# -- the service -------------------------------------------------------------------


def test_an_applications_screening_is_made_again_the_same_after_a_new_version(
    application, hz_program
):
    # given
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    lower_rates(hz_program)

    # when
    again = decision_reexplain(screening)

    # then
    assert screening.subject_type == APPLICATION_SUBJECT
    assert again.matches
    assert again.differences == []
    assert again.again.version == 1
    assert again.again.subsidy == Decimal("200000.00")
    assert again.again_json == screening.result
    anew = evaluate(program_context(hz_program), Facts.from_json(screening.facts))
    assert (anew.version, anew.subsidy) == (2, Decimal("160000.00"))


def test_the_differences_name_what_was_stored_otherwise(application):
    # given
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    tamper(screening, subsidy="210000.00", needs_review=True)
    screening.refresh_from_db()

    # when
    again = decision_reexplain(screening)

    # then
    assert not again.matches
    assert again.differences == ["needs_review", "subsidy"]


# -- the command -------------------------------------------------------------------


def test_the_command_prints_stored_and_again_side_by_side(application):
    # when
    out = reexplain(str(application.screening_id))

    # then
    lines = out.splitlines()
    assert lines[0].startswith(
        f"Decision {application.screening_id}: vouchers.application "
        f"{application.pk}, HZ-COMPUTE-2026 v1"
    )
    assert any(
        line.split()[-3:] == ["200,000.00", "200,000.00", "agrees"]
        and "subsidy" in line
        for line in lines
    )
    assert any(
        "Subsidy rate" in line and line.split()[-3:] == ["50%", "50%", "agrees"]
        for line in lines
    )
    assert any("Eligible" in line and "Yes" in line for line in lines)
    assert "  rules:" in lines
    assert "  calculation:" in lines
    rule_lines = lines[lines.index("  rules:") + 1 : lines.index("  calculation:")]
    assert rule_lines
    assert all(line.endswith("agrees") for line in rule_lines)
    assert any("Rate × amount (yuan)" in line for line in lines)
    assert "DIFFERS" not in out
    assert "  => agrees" in lines
    assert lines[-1] == "1 decision(s) re-explained: each agrees with what was stored."


def test_the_command_finds_every_screening_of_an_application(application):
    # when
    out = reexplain("--application", application.number)

    # then
    assert out.startswith(f"Decision {application.screening_id}:")
    assert "1 decision(s) re-explained" in out


def test_the_command_speaks_chinese_when_asked(application):
    # when
    out = reexplain(str(application.screening_id), "--language", "zh-hans")

    # then
    assert "补贴比例" in out
    assert "agrees" in out


def test_a_tampered_stored_result_differs_and_the_command_fails(
    application, hz_program
):
    # given: one decision that agrees, one whose stored subsidy was changed
    other = ApplicationFactory(
        submitted=True,
        program=hz_program,
        applicant=sme_applicant("330106"),
        provider=ProviderFactory(),
        contract_number="HT-REEXPLAIN-2",
    )
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    tamper(screening, subsidy="210000.00")
    out = StringIO()

    # when
    with pytest.raises(CommandError) as raised:
        call_command(
            "decision_reexplain",
            str(other.screening_id),
            str(screening.pk),
            stdout=out,
        )

    # then: both are printed; the exit status is 1
    printed = out.getvalue()
    assert raised.value.returncode == 1
    assert str(raised.value) == (
        f"1 of 2 decision(s) differ from their re-explanation: {screening.pk}."
    )
    assert printed.count("Decision ") == 2
    assert any(
        "subsidy" in line
        and line.split()[-3:] == ["210,000.00", "200,000.00", "DIFFERS"]
        for line in printed.splitlines()
    )
    assert "  => DIFFERS: subsidy" in printed.splitlines()
    assert "  => agrees" in printed.splitlines()


def test_a_tampered_rule_shows_both_reasons(application):
    # given
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    rules = [dict(r) for r in screening.result["rules"]]
    rules[0] = {**rules[0], "outcome": "fail", "reason_en": "Made up"}
    tamper(screening, rules=rules)

    # when
    with pytest.raises(CommandError):
        call_command(
            "decision_reexplain", str(screening.pk), stdout=(out := StringIO())
        )

    # then
    printed = out.getvalue().splitlines()
    # (the rule's citation follows its reason: vouchers/eligibility/citations.py)
    assert any(line.startswith("      stored: Made up") for line in printed)
    assert any(line.startswith("    ") and line.endswith("DIFFERS") for line in printed)
    assert "  => DIFFERS: rules" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999"], "No decision with id 999999."),
        (["--application", "HZ-NOPE"], "No application numbered 'HZ-NOPE'."),
        ([], "Give decision ids or --application NUMBER."),
    ],
)
def test_an_unknown_decision_is_a_clear_error(db, args, message):
    # when
    with pytest.raises(CommandError) as raised:
        reexplain(*args)

    # then
    assert str(raised.value) == message


# -- the page ----------------------------------------------------------------------


def page(client, user, decision_pk: int):
    client.sign_in(user, language="en")
    return client.get(reverse("review:decision", args=[decision_pk]))


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.REVIEWER, "330106"),  # the county stage is theirs
        (Role.PROGRAM_MANAGER, "330000"),
        (Role.AUDITOR, "330000"),
    ],
)
def test_who_may_read_the_application_reads_its_decision_made_again(
    application, client, role, region
):
    # when
    response = page(
        client, make_role_user(role, region=region), application.screening_id
    )

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "Agrees with what was stored" in content
    assert "Differs" not in content
    summary = {row["key"]: row for row in response.context["rows"]["summary"]}
    assert summary["subsidy"]["stored"] == summary["subsidy"]["again"] == "200,000.00"
    assert summary["rate"]["again"] == "50%"
    assert all(row["agrees"] for row in response.context["rows"]["rules"])
    assert all(row["agrees"] for row in response.context["rows"]["steps"])
    assert reverse("review:detail", args=[application.pk]) in content


@pytest.mark.parametrize(
    "region",
    [
        "330100",  # Hangzhou: the city stage is not reached yet
        "330203",  # Ningbo
    ],
)
def test_a_reviewer_who_may_not_read_the_application_gets_404(
    application, client, region
):
    # when
    reviewer = make_role_user(Role.REVIEWER, region=region)
    response = page(client, reviewer, application.screening_id)

    # then
    assert response.status_code == 404


def test_applicants_and_providers_are_refused(application, client):
    applicant = application.enterprise.memberships.get().user
    assert page(client, applicant, application.screening_id).status_code == 403
    provider = make_role_user(Role.PROVIDER_STAFF)
    assert page(client, provider, application.screening_id).status_code == 403


def test_an_unknown_decision_is_404(application, client):
    manager = make_role_user(Role.PROGRAM_MANAGER, region="330000")
    assert page(client, manager, 999999).status_code == 404


def test_the_page_marks_what_differs(application, client):
    # given
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    tamper(screening, subsidy="210000.00")

    # when
    response = page(client, make_role_user(Role.AUDITOR, region="330000"), screening.pk)

    # then
    content = response.content.decode()
    assert "Differs from what was stored" in content
    assert content.count('data-testid="row-differs"') == 1
    summary = {row["key"]: row for row in response.context["rows"]["summary"]}
    assert (summary["subsidy"]["stored"], summary["subsidy"]["again"]) == (
        "210,000.00",
        "200,000.00",
    )


def test_the_review_page_links_to_the_decision_made_again(application, client):
    # when
    client.sign_in(make_role_user(Role.AUDITOR, region="330000"), language="en")
    response = client.get(reverse("review:detail", args=[application.pk]))

    # then
    assert reverse("review:decision", args=[application.screening_id]) in (
        response.content.decode()
    )


def test_a_decision_about_no_application_is_for_managers_and_auditors(
    hz_program, application, client
):
    # given: an enterprise's decision from a recorded re-screening
    version = program_version_at(hz_program)
    ctx = program_context(hz_program, version=version)
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    facts = Facts.from_json(screening.facts)
    decision = decision_record(
        ctx=ctx,
        version=version,
        facts=facts,
        decision=evaluate(ctx, facts),
        subject_type=SUBJECT_TYPE,
        subject_id=str(application.enterprise_id),
    )

    # then
    auditor = make_role_user(Role.AUDITOR, region="330000")
    assert page(client, auditor, decision.pk).status_code == 200
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    assert page(client, reviewer, decision.pk).status_code == 404


# -- steps that cite their article ----------------------------------------------------
#
# Decided: a step carries its citation (``cite``) only when the version
# cites that step, and is compared like the rest. No version stored before
# steps could cite has a step citation (the validator refused one), so each
# of their decisions is made again without one and agrees; a decision under
# a version that cites them keeps the article of that version.


def without_step_citations() -> dict:
    """The demo parameters as a version stored before steps could cite."""
    params = program_params()
    params["citations"].pop("rate")
    params["citations"].pop("cap_remaining")
    return params


def test_a_decision_stored_before_steps_could_cite_reexplains_the_same(
    hz_program, client
):
    # given: a decision under a version citing rules only, stored as the
    # engine stored every step before (no citation key)
    version_changed(program=hz_program, params=without_step_citations())
    application = ApplicationFactory(
        submitted=True,
        program=hz_program,
        applicant=sme_applicant("330106"),
        provider=ProviderFactory(),
        contract_number="HT-REEXPLAIN-OLD",
    )
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    assert screening.program_version.number == 2
    assert [set(s) for s in screening.result["steps"]] == [
        {"step", "value"},
        {"step", "value", "basis", "basis_zh"},
        {"step", "value"},
        {"step", "value", "basis", "basis_zh"},
        {"step", "value"},
        {"step", "value", "basis", "basis_zh"},
    ]

    # when
    out = reexplain(str(screening.pk))
    response = page(client, make_role_user(Role.AUDITOR, region="330000"), screening.pk)

    # then: it agrees, everywhere
    assert decision_reexplain(screening).matches
    assert "DIFFERS" not in out
    assert "  => agrees" in out.splitlines()
    assert all(row["agrees"] for row in response.context["rows"]["steps"])
    assert 'data-testid="step-citation"' not in response.content.decode()


def test_a_decision_whose_step_cites_another_article_differs(application, client):
    # given: the stored rate says 第八条, its version 第五条
    screening = EligibilityDecision.objects.get(pk=application.screening_id)
    steps = [
        {**s, "cite": {"document": "杭州市算力券实施细则", "article": "第八条"}}
        if s["step"] == "rate"
        else s
        for s in screening.result["steps"]
    ]
    tamper(screening, steps=steps)
    screening.refresh_from_db()

    # when
    with pytest.raises(CommandError):
        call_command(
            "decision_reexplain", str(screening.pk), stdout=(out := StringIO())
        )
    response = page(client, make_role_user(Role.AUDITOR, region="330000"), screening.pk)

    # then: the command and the page name both articles
    printed = out.getvalue()
    assert "stored: spend tier" in printed
    assert "(under Article 8 of 杭州市算力券实施细则)" in printed
    assert "(under Article 5 of 杭州市算力券实施细则)" in printed
    assert "=> DIFFERS: steps" in printed
    rate = next(r for r in response.context["rows"]["steps"] if r["step"] == "rate")
    assert not rate["agrees"]
    html = response.content.decode()
    assert "(under Article 8 of 杭州市算力券实施细则)" in html
    assert "(under Article 5 of 杭州市算力券实施细则)" in html
