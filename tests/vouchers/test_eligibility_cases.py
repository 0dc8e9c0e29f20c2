"""The eligibility rules as data: every case of data/eligibility_cases.yaml
is a legal example ("a software company in Xihu ... -> eligible, 50%, ...")
run through the public self-check with the case's application date.

The cases are shaped as requests to POST /api/v1/eligibility/self-check, so
the API tests can run the same file; money and dates are converted here the
way the API's serializers convert them (Decimal yuan, datetime.date).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from enterprises.models import DishonestEntity
from enterprises.uscc import validate_uscc
from vouchers.demo.programs import demo_program_specs
from vouchers.eligibility.registry import OUTCOMES, RULES
from vouchers.programs.selectors import program_version_at
from vouchers.self_check.selectors import self_check

CASES_FILE = Path(__file__).resolve().parent / "data" / "eligibility_cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
PROGRAM_RULES = {
    spec["code"]: set(spec["params"]["rules"]) for spec in demo_program_specs()
}
EXPECT_KEYS = {"eligible", "needs_review", "size_class", "rate", "subsidy", "rules"}
# What the self-check cannot know (it has no provider and no records).
NEEDS_RECORDS = {"provider", "related_party", "one_contract_one_claim", "cap_budget"}


def enterprise_input(data: dict[str, Any]) -> dict[str, Any]:
    """The enterprise part of a request, as validated input."""
    return {
        **data,
        "revenue": Decimal(data["revenue"]),
        "total_assets": Decimal(data["total_assets"]),
        "investments": [
            {"year": i["year"], "it": Decimal(i["it"]), "ai": Decimal(i["ai"])}
            for i in data.get("investments") or []
        ],
    }


def contract_input(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The contract part of a request, as validated input (or None)."""
    if data is None:
        return None
    converted = {
        **data,
        "signed_on": date.fromisoformat(data["signed_on"]),
        "amount": Decimal(data["amount"]),
    }
    if "year_contract_total" in data:
        converted["year_contract_total"] = Decimal(data["year_contract_total"])
    return converted


def observed(result: dict[str, Any], expect: dict[str, Any]) -> dict[str, Any]:
    """The parts of a decision (as JSON) that the case states."""
    outcomes = {r["code"]: r["outcome"] for r in result["rules"]}
    seen: dict[str, Any] = {k: result[k] for k in expect if k != "rules"}
    if "rate" in seen:
        seen["rate"] = Decimal(seen["rate"])
    if "rules" in expect:
        seen["rules"] = {code: outcomes.get(code) for code in expect["rules"]}
    return seen


def expected(expect: dict[str, Any]) -> dict[str, Any]:
    return {**expect, "rate": Decimal(expect["rate"])} if "rate" in expect else expect


def explain(result: dict[str, Any]) -> str:
    return "\n".join(
        f"{r['code']}: {r['outcome']}: {r['reason_en']}" for r in result["rules"]
    )


# -- the file itself -----------------------------------------------------------


def test_the_file_holds_at_least_60_cases_with_distinct_texts():
    # given
    texts = [case["case"] for case in CASES]

    # then
    assert len(CASES) >= 60
    assert len(set(texts)) == len(texts)


def test_every_case_is_an_api_shaped_request_with_a_known_program_and_rules():
    # given
    problems = []

    # when
    for case in CASES:
        where = case.get("case", "?")
        if set(case) - {"case", "today", "request", "dishonest_list", "expect"}:
            problems.append((where, "unknown top-level keys"))
        date.fromisoformat(case["today"])
        request = case["request"]
        if set(request) != {"program", "enterprise", "contract"}:
            problems.append((where, "request needs program, enterprise, contract"))
        if request["program"] not in PROGRAM_RULES:
            problems.append((where, f"unknown program {request['program']}"))
        if set(case["expect"]) - EXPECT_KEYS:
            problems.append((where, "unknown expect keys"))
        for code, outcome in case["expect"].get("rules", {}).items():
            if code not in PROGRAM_RULES.get(request["program"], ()):
                problems.append((where, f"{code} is not in the program's rule set"))
            if outcome not in OUTCOMES:
                problems.append((where, f"unknown outcome {outcome}"))
        for text in ("case", "today"):
            if not isinstance(case[text], str) or not case[text].isascii():
                problems.append((where, f"{text} must be ASCII text (a test id)"))

    # then
    assert problems == []


def test_every_credit_code_is_valid_and_carries_the_case_region():
    # given
    enterprises = [case["request"]["enterprise"] for case in CASES]

    # then
    for enterprise in enterprises:
        code = enterprise["credit_code"]
        assert validate_uscc(code) == code
        assert code[2:8] == enterprise["region_code"], code


def test_every_rule_the_self_check_can_decide_has_a_passing_and_a_failing_case():
    # given
    seen: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        for code, outcome in case["expect"].get("rules", {}).items():
            seen[code].add(outcome)

    # then
    decidable = set(RULES) - NEEDS_RECORDS
    assert {code for code in decidable if {"pass", "fail"} <= seen[code]} == decidable
    assert all(seen[code] == {"not_applicable"} for code in NEEDS_RECORDS)


def test_every_demo_program_has_cases():
    # then
    assert {case["request"]["program"] for case in CASES} == set(PROGRAM_RULES)


# -- the cases through the engine ---------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_the_self_check_decides_the_case_as_written(case, demo_programs):
    # given
    request = case["request"]
    program = demo_programs[request["program"]]
    enterprise = enterprise_input(request["enterprise"])
    for entry in case.get("dishonest_list") or []:
        DishonestEntity.objects.create(
            uscc=enterprise["credit_code"],
            name="失信测试企业",
            listed_on=date.fromisoformat(entry["listed_on"]),
            removed_on=date.fromisoformat(entry["removed_on"])
            if entry.get("removed_on")
            else None,
        )

    # when
    decision = self_check(
        program=program,
        enterprise=enterprise,
        contract=contract_input(request["contract"]),
        today=date.fromisoformat(case["today"]),
    )

    # then
    result = decision.to_json()
    assert observed(result, case["expect"]) == expected(case["expect"]), explain(result)
    rule_set = set(program_version_at(program).params["rules"])
    assert [r["code"] for r in result["rules"]] == sorted(
        rule_set, key=lambda code: RULES[code].order
    )
    assert all(r["reason_zh"] and r["reason_en"] for r in result["rules"])
    if not result["eligible"]:
        assert result["subsidy"] == "0.00"


# -- the same cases through the public API ------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_the_api_answers_the_case_as_the_engine_does(case, demo_programs, monkeypatch):
    """POST /api/v1/eligibility/self-check with the case's request, on the
    case's application date: the API and the engine cannot disagree."""
    from django.utils import timezone
    from rest_framework.test import APIClient

    # given: the API decides "today"; make that the case's date
    today = date.fromisoformat(case["today"])
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    request = case["request"]
    for entry in case.get("dishonest_list") or []:
        DishonestEntity.objects.create(
            uscc=request["enterprise"]["credit_code"],
            name="失信测试企业",
            listed_on=date.fromisoformat(entry["listed_on"]),
            removed_on=date.fromisoformat(entry["removed_on"])
            if entry.get("removed_on")
            else None,
        )
    body = {k: v for k, v in request.items() if v is not None}

    # when
    response = APIClient().post(
        "/api/v1/eligibility/self-check", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    # then
    assert response.status_code == 200, response.content
    answer = response.json()
    engine = self_check(
        program=demo_programs[request["program"]],
        enterprise=enterprise_input(request["enterprise"]),
        contract=contract_input(request["contract"]),
        today=today,
    ).to_json()
    assert observed(answer, case["expect"]) == expected(case["expect"])
    assert {
        k: answer[k]
        for k in ("eligible", "needs_review", "size_class", "rate", "subsidy")
    } == {
        k: engine[k]
        for k in ("eligible", "needs_review", "size_class", "rate", "subsidy")
    }
    assert [(r["code"], r["outcome"]) for r in answer["rules"]] == [
        (r["code"], r["outcome"]) for r in engine["rules"]
    ]
