"""Stored decisions: recorded with their facts and program version, and
re-explained later with exactly those, even after the program changed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enterprises.uscc import make_uscc
from tests.factories import program_params, version_changed
from vouchers.eligibility.engine import ProgramContext, evaluate
from vouchers.eligibility.facts import (
    ContractFacts,
    CreditEntry,
    EnterpriseFacts,
    Facts,
    HistoryFacts,
    Investment,
    PartyFacts,
    ProviderFacts,
)
from vouchers.eligibility.records import decision_record, decision_reexplain
from vouchers.models import EligibilityDecision
from vouchers.programs.selectors import program_context, program_version_at
from vouchers.self_check.selectors import self_check_facts

APPLICANT = make_uscc("330106", "DE000001")
PROVIDER = make_uscc("330108", "DE000002")


def application_facts(**changes) -> Facts:
    """A small Xihu software company applying on 2026-11-26 with a 1,000,000
    yuan domestic contract of an approved provider; every rule has facts."""
    defaults = {
        "enterprise": EnterpriseFacts(
            credit_code=APPLICANT,
            region_code="330106",
            industry_code="I65",
            size_class="small",
            employees=45,
            revenue=Decimal("12000000.00"),
            total_assets=Decimal("5000000.00"),
            established_on=date(2019, 4, 1),
            size_basis={"inputs": {"employees": "45"}, "steps": []},
            investments=(Investment(2022, Decimal("800000.00"), Decimal("300000.00")),),
            credit_entries=(CreditEntry(date(2019, 1, 1), date(2022, 6, 30)),),
            party=PartyFacts(
                legal_representative="王小明",
                shareholder_names=("王小明",),
                shareholder_keys=("key-wang",),
                phone="+8657188880001",
                address="杭州市西湖区文三路1号",
            ),
        ),
        "decided_on": date(2026, 11, 26),
        "contract": ContractFacts(
            signed_on=date(2026, 3, 1),
            term_months=12,
            amount=Decimal("1000000.00"),
            eligible_amount=Decimal("1000000.00"),
            year_contract_total=Decimal("1000000.00"),
            facility="domestic",
            contract_number="HT-2026-001",
        ),
        "provider": ProviderFacts(
            credit_code=PROVIDER,
            status="approved",
            offers_compute=True,
            offers_model=False,
            facility="domestic",
            party=PartyFacts(legal_representative="李大华"),
            credit_code_key="key-provider",
        ),
        "history": HistoryFacts(enterprise_year_committed=Decimal("0.00")),
    }
    return Facts(**{**defaults, **changes})


def record(program, facts: Facts, ctx: ProgramContext | None = None):
    """Decide under the version in force now and store the decision; return
    the stored row as read back from the database."""
    version = program_version_at(program)
    ctx = ctx or program_context(program, version=version)
    decision = evaluate(ctx, facts)
    row = decision_record(
        ctx=ctx,
        version=version,
        facts=facts,
        decision=decision,
        subject_type="test",
        subject_id=1,
    )
    return EligibilityDecision.objects.get(pk=row.pk)


def lower_rates(program) -> None:
    """Version 2 of the program: domestic 25%, other 15%, from now on."""
    version_changed(
        program=program,
        params=program_params(facility_rates={"domestic": "0.25", "other": "0.15"}),
        actor=None,
        note="Lower rates",
    )


# -- recording -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_recorded_decision_keeps_its_facts_version_and_outcome(hz_program):
    # when
    stored = record(hz_program, application_facts())

    # then
    assert stored.program_version.number == 1
    assert (stored.eligible, stored.needs_review) == (True, False)
    assert stored.rate == Decimal("0.30")
    assert stored.subsidy == Decimal("300000.00")
    assert stored.budget_remaining == Decimal("250000000.00")
    assert stored.engine_version == "1"
    assert Facts.from_json(stored.facts) == application_facts()
    assert stored.result["subsidy"] == "300000.00"


# -- re-explaining -------------------------------------------------------------


@pytest.mark.django_db
def test_a_decision_is_reexplained_the_same_after_the_rates_changed(hz_program):
    # given
    stored = record(hz_program, application_facts())
    lower_rates(hz_program)

    # when
    again = decision_reexplain(stored)

    # then
    assert again.matches
    assert again.again.version == 1
    assert again.again.rate == Decimal("0.30")
    assert again.again.subsidy == Decimal("300000.00")
    assert again.again.to_json() == stored.result


@pytest.mark.django_db
def test_deciding_anew_after_the_change_uses_the_new_rate(hz_program):
    # given
    stored = record(hz_program, application_facts())
    lower_rates(hz_program)

    # when
    anew = evaluate(program_context(hz_program), Facts.from_json(stored.facts))

    # then
    assert anew.version == 2
    assert anew.rate == Decimal("0.25")
    assert anew.subsidy == Decimal("250000.00")
    assert decision_reexplain(stored).again.subsidy == Decimal("300000.00")


@pytest.mark.django_db
def test_a_decision_is_reexplained_with_the_rule_parameters_of_its_version(
    hz_program,
):
    # given: removed from the dishonest list 4 years ago, which passes a
    # 3-year look-back; version 2 looks back 5 years
    stored = record(hz_program, application_facts())
    rules = {**program_params()["rules"], "credit": {"lookback_years": 5}}
    version_changed(program=hz_program, params=program_params(rules=rules), actor=None)

    # when
    again = decision_reexplain(stored)
    anew = evaluate(program_context(hz_program), Facts.from_json(stored.facts))

    # then
    assert again.matches
    assert again.again.eligible is True
    assert anew.eligible is False
    assert [r.outcome for r in anew.rules if r.code == "credit"] == ["fail"]


@pytest.mark.django_db
def test_a_decision_is_reexplained_with_the_budget_that_was_free_then(hz_program):
    # given: only 1,000 yuan of the budget was free when deciding
    ctx = program_context(hz_program)
    tight = ProgramContext(**{**ctx.__dict__, "budget_remaining": Decimal("1000.00")})
    stored = record(hz_program, application_facts(), ctx=tight)

    # when
    again = decision_reexplain(stored)

    # then
    assert stored.subsidy == Decimal("1000.00")
    assert again.matches
    assert again.again.subsidy == Decimal("1000.00")


@pytest.mark.django_db
def test_a_self_check_decision_is_reexplained_the_same(hz_program):
    # given
    facts = self_check_facts(
        enterprise={
            "credit_code": APPLICANT,
            "region_code": "330106",
            "industry_code": "I65",
            "employees": 45,
            "revenue": Decimal("12000000.00"),
            "total_assets": Decimal("5000000.00"),
        },
        contract={
            "signed_on": date(2026, 3, 1),
            "term_months": 12,
            "amount": Decimal("400000.00"),
            "facility": "domestic",
        },
        today=date(2026, 11, 26),
    )
    stored = record(hz_program, facts)
    lower_rates(hz_program)

    # when
    again = decision_reexplain(stored)

    # then
    assert Facts.from_json(stored.facts) == facts
    assert again.matches
    assert again.again.subsidy == Decimal("200000.00")


@pytest.mark.django_db
def test_a_stored_result_that_differs_from_the_rerun_does_not_match(hz_program):
    # given
    stored = record(hz_program, application_facts())
    stored.result = {**stored.result, "subsidy": "310000.00"}

    # when
    again = decision_reexplain(stored)

    # then
    assert not again.matches


# -- facts as JSON ---------------------------------------------------------------


def test_facts_stored_before_a_field_existed_still_load_with_its_default():
    # given
    data = application_facts().to_json()
    del data["enterprise"]["party"]
    del data["provider"]["credit_code_key"]
    data["history"]["a_future_field"] = 1

    # when
    facts = Facts.from_json(data)

    # then
    assert facts.enterprise.party == PartyFacts()
    assert facts.provider.credit_code_key == ""
    assert facts.history == application_facts().history


def test_facts_are_plain_json_with_money_as_strings_and_dates_as_iso():
    # when
    data = application_facts().to_json()

    # then
    assert json.loads(json.dumps(data)) == data
    assert data["enterprise"]["revenue"] == "12000000.00"
    assert data["contract"]["signed_on"] == "2026-03-01"
    assert data["enterprise"]["credit_entries"] == [
        {"listed_on": "2019-01-01", "removed_on": "2022-06-30"}
    ]


texts = st.text(max_size=12)
dates = st.dates()
money = st.decimals(allow_nan=False, allow_infinity=False, places=2)
decimals = st.decimals(allow_nan=False, allow_infinity=False)
parties = st.builds(
    PartyFacts,
    legal_representative=texts,
    shareholder_names=st.lists(texts, max_size=3).map(tuple),
    shareholder_keys=st.lists(texts, max_size=3).map(tuple),
    phone=texts,
    address=texts,
)
enterprises = st.builds(
    EnterpriseFacts,
    credit_code=texts,
    region_code=texts,
    industry_code=texts,
    size_class=st.sampled_from(["", "large", "medium", "small", "micro"]),
    employees=st.none() | st.integers(min_value=0),
    revenue=st.none() | decimals,
    total_assets=st.none() | money,
    established_on=st.none() | dates,
    size_basis=st.dictionaries(
        texts, texts | st.integers() | st.booleans(), max_size=3
    ),
    investments=st.lists(
        st.builds(Investment, year=st.integers(2000, 2100), it=money, ai=decimals),
        max_size=3,
    ).map(tuple),
    credit_entries=st.lists(
        st.builds(CreditEntry, listed_on=dates, removed_on=st.none() | dates),
        max_size=3,
    ).map(tuple),
    party=parties,
)
contracts = st.builds(
    ContractFacts,
    signed_on=dates,
    term_months=st.integers(min_value=0, max_value=240),
    amount=money,
    eligible_amount=decimals,
    year_contract_total=money,
    facility=st.sampled_from(["", "domestic", "other"]),
    contract_number=texts,
)
providers = st.builds(
    ProviderFacts,
    credit_code=texts,
    status=texts,
    offers_compute=st.booleans(),
    offers_model=st.booleans(),
    facility=texts,
    offering_kind=texts,
    offering_filing_number=texts,
    party=parties,
    credit_code_key=texts,
)
histories = st.builds(
    HistoryFacts,
    other_claims_of_contract=st.integers(min_value=0, max_value=10),
    enterprise_year_committed=money,
)
all_facts = st.builds(
    Facts,
    enterprise=enterprises,
    decided_on=dates,
    contract=st.none() | contracts,
    provider=st.none() | providers,
    history=st.none() | histories,
)


@given(all_facts)
def test_facts_survive_a_round_trip_through_json(facts):
    # when
    data = json.loads(json.dumps(facts.to_json()))
    again = Facts.from_json(data)

    # then
    assert again == facts
    assert again.to_json() == data
