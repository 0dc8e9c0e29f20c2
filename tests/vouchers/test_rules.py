"""Each eligibility rule on hand-built facts, and the subsidy calculation.

These are the engine-level cases the public self-check cannot reach: a named
provider, related parties, existing applications of the same contract, and
what the enterprise already has in the program this year (the cap).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enterprises.uscc import make_uscc
from vouchers.demo.programs import demo_program_specs
from vouchers.eligibility import rules
from vouchers.eligibility.engine import ProgramContext, calculate, evaluate
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
from vouchers.eligibility.registry import FAIL, NOT_APPLICABLE, PASS, REVIEW, RULES
from vouchers.programs import selectors
from vouchers.programs.params import ProgramParams

TODAY = date(2026, 11, 26)
SPECS = {spec["code"]: spec for spec in demo_program_specs()}
HZ_CAP = Decimal("8000000.00")
APPLICANT = make_uscc("330106", "RU000001")
PROVIDER = make_uscc("330108", "RU000002")


# -- building blocks -----------------------------------------------------------


def program_params(code: str = "HZ-COMPUTE-2026", **changes) -> ProgramParams:
    """A demo program's parameters, with some of them changed."""
    return ProgramParams.from_json({**SPECS[code]["params"], **changes})


def context(
    params: ProgramParams | None = None,
    *,
    kind: str = "compute",
    region: tuple[str, str] = ("330100", "3301"),
    budget_remaining: str = "250000000.00",
) -> ProgramContext:
    """A program as a decision sees it, without the database."""
    return ProgramContext(
        code="TEST-PROGRAM",
        version=1,
        kind=kind,
        region_code=region[0],
        region_prefix=region[1],
        region_name_zh="测试地区",
        region_name_en="Test region",
        params=params or program_params(),
        budget_remaining=Decimal(budget_remaining),
    )


def enterprise(**changes) -> EnterpriseFacts:
    """A small software company in Xihu district, Hangzhou."""
    defaults = {
        "credit_code": APPLICANT,
        "region_code": "330106",
        "industry_code": "I65",
        "size_class": "small",
        "employees": 45,
        "revenue": Decimal("12000000.00"),
        "total_assets": Decimal("5000000.00"),
        "party": PartyFacts(
            legal_representative="王小明",
            shareholder_names=("王小明", "杭州甲投资有限公司"),
            shareholder_keys=("key-wang",),
            phone="+8657188880001",
            address="杭州市西湖区文三路1号",
        ),
    }
    return EnterpriseFacts(**{**defaults, **changes})


def contract(amount: str = "1000000.00", **changes) -> ContractFacts:
    """A 12-month domestic compute contract signed 2026-03-01."""
    value = Decimal(amount)
    defaults = {
        "signed_on": date(2026, 3, 1),
        "term_months": 12,
        "amount": value,
        "eligible_amount": value,
        "year_contract_total": value,
        "facility": "domestic",
        "contract_number": "HT-2026-001",
    }
    return ContractFacts(**{**defaults, **changes})


def provider(**changes) -> ProviderFacts:
    """An approved compute provider in Binjiang with nothing in common with
    the applicant."""
    defaults = {
        "credit_code": PROVIDER,
        "status": "approved",
        "offers_compute": True,
        "offers_model": False,
        "facility": "domestic",
        "party": PartyFacts(
            legal_representative="李大华",
            shareholder_names=("李大华",),
            shareholder_keys=("key-li",),
            phone="+8657188880002",
            address="杭州市滨江区网商路2号",
        ),
        "credit_code_key": "key-provider",
    }
    return ProviderFacts(**{**defaults, **changes})


def facts(**changes) -> Facts:
    defaults = {
        "enterprise": enterprise(),
        "decided_on": TODAY,
        "contract": contract(),
        "provider": provider(),
        "history": HistoryFacts(),
    }
    return Facts(**{**defaults, **changes})


def party(**changes) -> PartyFacts:
    return dataclasses.replace(provider().party, **changes)


def outcome(decision, code: str):
    return next(r for r in decision.rules if r.code == code)


# -- enterprise type, region, size class -------------------------------------


def test_a_public_institution_passes_when_the_program_admits_code_prefix_12():
    # given
    public = enterprise(credit_code=make_uscc("330106", "RU000003", prefix="12"))

    # when
    verdict = rules.enterprise_type(
        facts(enterprise=public), {"allowed_prefixes": ["91", "12"]}, context()
    )

    # then
    assert verdict.outcome == PASS
    assert verdict.facts == {"credit_code_prefix": "12"}


def test_an_enterprise_fails_when_the_program_admits_only_public_institutions():
    # when
    verdict = rules.enterprise_type(facts(), {"allowed_prefixes": ["12"]}, context())

    # then
    assert verdict.outcome == FAIL
    assert "12" in verdict.reason_en


@pytest.mark.parametrize(
    ("region_code", "program_region", "expected"),
    [
        ("330302", ("330000", "33"), PASS),
        ("330106", ("330100", "3301"), PASS),
        ("330203", ("330100", "3301"), FAIL),
        ("330108", ("330106", "330106"), FAIL),
        ("330106", ("330106", "330106"), PASS),
    ],
    ids=[
        "Wenzhou enterprise in a provincial program passes",
        "Xihu enterprise in a Hangzhou program passes",
        "Ningbo enterprise in a Hangzhou program fails",
        "Binjiang enterprise in a Xihu district program fails",
        "Xihu enterprise in a Xihu district program passes",
    ],
)
def test_the_region_rule_compares_the_registration_with_the_program_region(
    region_code, program_region, expected
):
    # given
    applicant = enterprise(region_code=region_code)

    # when
    verdict = rules.region(
        facts(enterprise=applicant), {}, context(region=program_region)
    )

    # then
    assert verdict.outcome == expected


def test_an_unknown_size_class_needs_review_and_the_decision_stays_eligible():
    # given
    unknown = enterprise(size_class="")

    # when
    decision = evaluate(context(), facts(enterprise=unknown))

    # then
    assert outcome(decision, "size_class").outcome == REVIEW
    assert decision.eligible is True
    assert decision.needs_review is True


def test_a_large_enterprise_passes_the_size_rule_of_a_program_that_admits_large():
    # given
    ctx = context(program_params("ZJ-BENCHMARK-2026"))

    # when
    verdict = rules.size_class(
        facts(enterprise=enterprise(size_class="large")), {}, ctx
    )

    # then
    assert verdict.outcome == PASS


# -- credit --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided_on", "removed_on", "expected"),
    [
        (date(2026, 11, 26), date(2023, 11, 26), PASS),
        (date(2026, 11, 26), date(2023, 11, 27), FAIL),
        (date(2026, 3, 31), date(2023, 3, 30), PASS),
        (date(2026, 3, 31), date(2023, 3, 31), PASS),
        (date(2026, 3, 31), date(2023, 4, 1), FAIL),
        (date(2028, 2, 29), date(2025, 2, 28), PASS),
        (date(2028, 2, 29), date(2025, 3, 1), FAIL),
    ],
    ids=[
        "removed exactly 3 years before passes",
        "removed 3 years less a day before fails",
        "on 31 March, removed 3 years and a day before passes",
        "on 31 March, removed exactly 3 years before passes",
        "on 31 March, removed 3 years less a day before fails",
        "on 29 February, removed on 28 February 3 years before passes",
        "on 29 February, removed on 1 March 3 years before fails",
    ],
)
def test_the_credit_look_back_covers_exactly_the_years_before_the_decision(
    decided_on, removed_on, expected
):
    # given
    listed = enterprise(credit_entries=(CreditEntry(date(2020, 1, 10), removed_on),))

    # when
    verdict = rules.credit(
        facts(enterprise=listed, decided_on=decided_on),
        {"lookback_years": 3},
        context(),
    )

    # then
    assert verdict.outcome == expected


def test_the_credit_rule_states_the_period_it_checked():
    # when
    verdict = rules.credit(
        facts(decided_on=date(2026, 3, 31)), {"lookback_years": 3}, context()
    )

    # then
    assert verdict.outcome == PASS
    assert verdict.facts["checked_from"] == "2023-03-31"
    assert verdict.facts["checked_to"] == "2026-03-31"


def test_with_a_look_back_of_zero_years_only_a_listing_in_force_fails():
    # given
    removed_yesterday = enterprise(
        credit_entries=(CreditEntry(date(2024, 1, 1), date(2026, 11, 25)),)
    )
    still_listed = enterprise(credit_entries=(CreditEntry(date(2024, 1, 1)),))

    # when
    removed = rules.credit(
        facts(enterprise=removed_yesterday), {"lookback_years": 0}, context()
    )
    listed = rules.credit(
        facts(enterprise=still_listed), {"lookback_years": 0}, context()
    )

    # then
    assert removed.outcome == PASS
    assert listed.outcome == FAIL


def test_a_five_year_look_back_catches_an_entry_removed_four_years_ago():
    # given
    removed = enterprise(
        credit_entries=(CreditEntry(date(2020, 2, 1), date(2022, 11, 20)),)
    )

    # when
    three = rules.credit(facts(enterprise=removed), {"lookback_years": 3}, context())
    five = rules.credit(facts(enterprise=removed), {"lookback_years": 5}, context())

    # then
    assert three.outcome == PASS
    assert five.outcome == FAIL


# -- benchmark investment ------------------------------------------------------


def test_the_benchmark_counts_only_the_years_of_its_window():
    # given
    investor = enterprise(
        investments=(
            Investment(2017, Decimal("9000000.00"), Decimal("5000000.00")),
            Investment(2018, Decimal("6000000.00"), Decimal("3000000.00")),
            Investment(2023, Decimal("4000000.01"), Decimal("2000000.01")),
            Investment(2024, Decimal("9000000.00"), Decimal("5000000.00")),
        )
    )
    params = {
        "from_year": 2018,
        "to_year": 2023,
        "it_min": "10000000.00",
        "ai_min": "5000000.00",
    }

    # when
    verdict = rules.benchmark_investment(facts(enterprise=investor), params, context())

    # then
    assert verdict.outcome == PASS
    assert verdict.facts == {
        "it_total": "10000000.01",
        "ai_total": "5000000.01",
        "years_declared": [2018, 2023],
    }


# -- contract ------------------------------------------------------------------


def test_the_contract_rule_does_not_apply_without_a_contract():
    # when
    verdict = rules.contract(facts(contract=None), {}, context())

    # then
    assert verdict.outcome == NOT_APPLICABLE


def test_a_contract_below_the_minimum_amount_fails():
    # given
    ctx = context(program_params(min_contract_amount="10000.00"))

    # when
    below = rules.contract(facts(contract=contract("9999.99")), {}, ctx)
    at = rules.contract(facts(contract=contract("10000.00")), {}, ctx)

    # then
    assert below.outcome == FAIL
    assert "below the minimum" in below.reason_en
    assert at.outcome == PASS


def test_a_contract_with_several_problems_names_each_of_them():
    # given
    bad = contract(signed_on=date(2026, 12, 1), term_months=13)

    # when
    verdict = rules.contract(facts(contract=bad), {}, context())

    # then
    assert verdict.outcome == FAIL
    assert "after the application date" in verdict.reason_en
    assert "13 months exceeds 12" in verdict.reason_en


# -- provider ------------------------------------------------------------------


def test_the_provider_rule_does_not_apply_without_a_provider():
    # when
    verdict = rules.provider(facts(provider=None), {}, context())

    # then
    assert verdict.outcome == NOT_APPLICABLE


def test_an_approved_compute_provider_passes_for_a_compute_program():
    # when
    verdict = rules.provider(facts(), {}, context())

    # then
    assert verdict.outcome == PASS


@pytest.mark.parametrize("status", ["applied", "rejected", "suspended", "removed"])
def test_a_provider_that_is_not_approved_fails(status):
    # when
    verdict = rules.provider(facts(provider=provider(status=status)), {}, context())

    # then
    assert verdict.outcome == FAIL
    assert verdict.facts["status"] == status


def test_a_model_only_provider_fails_for_a_compute_program():
    # given
    model_only = provider(offers_compute=False, offers_model=True)

    # when
    verdict = rules.provider(facts(provider=model_only), {}, context())

    # then
    assert verdict.outcome == FAIL
    assert "compute" in verdict.reason_en


def test_a_compute_only_provider_fails_for_a_model_program():
    # given
    ctx = context(program_params("ZJ-MODEL-2026"), kind="model")

    # when
    verdict = rules.provider(facts(), {}, ctx)

    # then
    assert verdict.outcome == FAIL
    assert "model services" in verdict.reason_en


def test_a_model_service_without_a_filing_number_fails_for_a_model_program():
    # given
    ctx = context(program_params("ZJ-MODEL-2026"), kind="model")
    unfiled = provider(offers_model=True, offering_kind="model_api")

    # when
    verdict = rules.provider(facts(provider=unfiled), {}, ctx)

    # then
    assert verdict.outcome == FAIL
    assert "filing number" in verdict.reason_en


def test_a_filed_model_service_of_an_approved_model_provider_passes():
    # given
    ctx = context(program_params("ZJ-MODEL-2026"), kind="model")
    filed = provider(
        offers_model=True,
        offering_kind="model_api",
        offering_filing_number="Zhejiang-XiHu-202600001",
    )

    # when
    verdict = rules.provider(facts(provider=filed), {}, ctx)

    # then
    assert verdict.outcome == PASS


@pytest.mark.parametrize(
    ("status", "expected", "words"),
    [
        ("listed", PASS, "approved"),
        ("absent", REVIEW, "not on the imported list"),
        ("revoked", FAIL, "revoked"),
        ("", PASS, "approved"),  # decided before the list was consulted
    ],
)
def test_a_model_service_is_checked_against_the_filing_list(status, expected, words):
    # given
    ctx = context(program_params("ZJ-MODEL-2026"), kind="model")
    filed = provider(
        offers_model=True,
        offering_kind="model",
        offering_filing_number="Zhejiang-XiHu-20260101",
        offering_filing_status=status,
    )

    # when
    verdict = rules.provider(facts(provider=filed), {}, ctx)

    # then
    assert verdict.outcome == expected
    assert words in verdict.reason_en
    # a decision stored before the list was consulted is explained as it was
    assert ("offering_filing_status" in verdict.facts) == bool(status)


# -- related party -------------------------------------------------------------


def test_the_related_party_rule_does_not_apply_without_a_provider():
    # when
    verdict = rules.related_party(facts(provider=None), {"outcome": REVIEW}, context())

    # then
    assert verdict.outcome == NOT_APPLICABLE


def test_an_applicant_and_provider_sharing_nothing_pass():
    # when
    verdict = rules.related_party(facts(), {"outcome": FAIL}, context())

    # then
    assert verdict.outcome == PASS
    assert verdict.facts == {"shared": []}


def test_blank_details_on_both_sides_do_not_count_as_shared():
    # given
    blank = PartyFacts()
    applicant = enterprise(party=blank)

    # when
    verdict = rules.related_party(
        facts(enterprise=applicant, provider=provider(party=blank)),
        {"outcome": FAIL},
        context(),
    )

    # then
    assert verdict.outcome == PASS


SHARED = {
    "legal representative": party(legal_representative=" 王小明 "),
    "shareholder": party(shareholder_keys=("key-li", "key-wang")),
    "shareholder by name": party(shareholder_names=("杭州甲投资有限公司",)),
    "phone": party(phone="+8657188880001"),
    "address": party(address="杭州市西湖区 文三路1号"),
}


@pytest.mark.parametrize("outcome_param", [REVIEW, FAIL])
@pytest.mark.parametrize("what", list(SHARED))
def test_sharing_a_detail_with_the_provider_gives_the_programs_outcome(
    what, outcome_param
):
    # given
    related = provider(party=SHARED[what])

    # when
    verdict = rules.related_party(
        facts(provider=related), {"outcome": outcome_param}, context()
    )

    # then
    assert verdict.outcome == outcome_param
    assert verdict.facts["shared"] == [what.removesuffix(" by name")]
    assert verdict.params == {"outcome": outcome_param}


def test_a_provider_holding_shares_of_the_applicant_is_a_related_party():
    # given
    owned = enterprise(
        party=dataclasses.replace(
            enterprise().party, shareholder_keys=("key-wang", "key-provider")
        )
    )

    # when
    verdict = rules.related_party(
        facts(enterprise=owned), {"outcome": REVIEW}, context()
    )

    # then
    assert verdict.outcome == REVIEW
    assert verdict.facts["shared"] == ["the provider holds shares"]


def test_a_related_party_under_review_leaves_the_decision_eligible_but_flagged():
    # given
    related = provider(party=SHARED["phone"])

    # when
    decision = evaluate(context(), facts(provider=related))

    # then
    assert outcome(decision, "related_party").outcome == REVIEW
    assert decision.eligible is True
    assert decision.needs_review is True
    assert decision.subsidy == Decimal("300000.00")


def test_a_related_party_refused_by_the_program_makes_the_decision_ineligible():
    # given
    params = program_params(
        rules={
            **SPECS["HZ-COMPUTE-2026"]["params"]["rules"],
            "related_party": {"outcome": "fail"},
        }
    )

    # when
    decision = evaluate(
        context(params), facts(provider=provider(party=SHARED["address"]))
    )

    # then
    assert outcome(decision, "related_party").outcome == FAIL
    assert decision.eligible is False
    assert decision.subsidy == Decimal("0.00")


# -- one contract, one claim ---------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"history": None},
        {"contract": contract(contract_number="")},
        {"provider": None},
        {"contract": None},
    ],
    ids=[
        "without records (self-check)",
        "without a contract number",
        "without a provider",
        "without a contract",
    ],
)
def test_one_contract_one_claim_does_not_apply(changes):
    # when
    verdict = rules.one_contract_one_claim(facts(**changes), {}, context())

    # then
    assert verdict.outcome == NOT_APPLICABLE


def test_a_contract_already_in_another_live_application_fails():
    # given
    claimed = HistoryFacts(other_claims_of_contract=1)

    # when
    decision = evaluate(context(), facts(history=claimed))

    # then
    verdict = outcome(decision, "one_contract_one_claim")
    assert verdict.outcome == FAIL
    assert verdict.facts == {"contract_number": "HT-2026-001", "other_claims": 1}
    assert decision.eligible is False


def test_a_contract_in_no_other_application_passes():
    # when
    verdict = rules.one_contract_one_claim(facts(), {}, context())

    # then
    assert verdict.outcome == PASS


# -- cap and budget ------------------------------------------------------------


def committed(amount: str) -> HistoryFacts:
    return HistoryFacts(enterprise_year_committed=Decimal(amount))


def test_cap_and_budget_do_not_apply_without_records_but_still_limit_the_estimate():
    # when
    decision = evaluate(
        context(), facts(history=None, contract=contract("30000000.00"))
    )

    # then
    assert outcome(decision, "cap_budget").outcome == NOT_APPLICABLE
    assert decision.subsidy == HZ_CAP


def test_a_subsidy_within_cap_and_budget_passes_in_full():
    # when
    decision = evaluate(context(), facts(history=committed("7000000.00")))

    # then
    verdict = outcome(decision, "cap_budget")
    assert verdict.outcome == PASS
    assert "within" in verdict.reason_en
    assert decision.subsidy == Decimal("300000.00")


def test_with_1000_yuan_of_the_cap_left_the_subsidy_is_limited_to_1000():
    # when
    decision = evaluate(context(), facts(history=committed("7999000.00")))

    # then
    verdict = outcome(decision, "cap_budget")
    assert verdict.outcome == PASS
    assert "limits it to 1,000.00" in verdict.reason_en
    assert decision.eligible is True
    assert decision.subsidy == Decimal("1000.00")


def test_with_one_fen_of_the_cap_left_the_subsidy_is_one_fen():
    # when
    decision = evaluate(context(), facts(history=committed("7999999.99")))

    # then
    assert decision.subsidy == Decimal("0.01")


@pytest.mark.parametrize("already", ["8000000.00", "8000000.01", "9500000.00"])
def test_an_enterprise_that_reached_the_cap_fails(already):
    # when
    decision = evaluate(context(), facts(history=committed(already)))

    # then
    verdict = outcome(decision, "cap_budget")
    assert verdict.outcome == FAIL
    assert "yearly cap" in verdict.reason_en
    assert decision.eligible is False
    assert decision.subsidy == Decimal("0.00")


def test_a_program_with_its_budget_used_up_fails():
    # when
    decision = evaluate(context(budget_remaining="0.00"), facts())

    # then
    verdict = outcome(decision, "cap_budget")
    assert verdict.outcome == FAIL
    assert "budget is used up" in verdict.reason_en
    assert decision.subsidy == Decimal("0.00")


def test_the_remaining_budget_limits_the_subsidy():
    # when
    decision = evaluate(context(budget_remaining="500.00"), facts())

    # then
    assert outcome(decision, "cap_budget").outcome == PASS
    assert decision.subsidy == Decimal("500.00")


@pytest.mark.django_db
def test_the_demo_hangzhou_program_limits_to_the_cap_left_and_fails_at_the_cap(
    hz_program,
):
    # given
    ctx = selectors.program_context(hz_program)

    # when
    partly = evaluate(ctx, facts(history=committed(str(HZ_CAP - 1000))))
    reached = evaluate(ctx, facts(history=committed(str(HZ_CAP))))

    # then
    assert (partly.eligible, partly.subsidy) == (True, Decimal("1000.00"))
    assert outcome(reached, "cap_budget").outcome == FAIL
    assert (reached.eligible, reached.subsidy) == (False, Decimal("0.00"))


# -- rates and rounding --------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "amount", "subsidy"),
    [
        ("0.30", "1000.05", "300.02"),
        ("0.50", "1000.05", "500.03"),
        ("0.20", "1000.03", "200.01"),
        ("0.20", "1000.02", "200.00"),
        ("0.30", "0.05", "0.02"),
        ("0.20", "0.02", "0.00"),
    ],
)
def test_the_subsidy_is_rounded_half_up_to_the_fen(rate, amount, subsidy):
    # given
    ctx = context(program_params(base_rate=rate, facility_rates={}, spend_tiers=[]))

    # when
    calc = calculate(ctx, facts(contract=contract(amount, facility="")))

    # then
    assert calc.subsidy == Decimal(subsidy)
    assert calc.subsidy.as_tuple().exponent == -2


def test_the_cap_is_applied_before_rounding():
    # given: 30% of 1,000.05 is 300.015, and 300.01 of the cap is left
    ctx = context(program_params(cap_per_enterprise_year="8000000.00"))
    history = committed(str(HZ_CAP - Decimal("300.01")))

    # when
    decision = evaluate(
        ctx,
        facts(
            contract=contract("1000.05", year_contract_total=Decimal("800000.00")),
            history=history,
        ),
    )

    # then
    assert decision.subsidy == Decimal("300.01")
    assert "limits it to 300.01" in outcome(decision, "cap_budget").reason_en


def test_the_rate_applies_to_the_eligible_amount_not_the_contract_amount():
    # given: 200,000 of storage and network excluded from a 1,000,000 contract
    partial = contract(eligible_amount=Decimal("800000.00"))

    # when
    decision = evaluate(context(), facts(contract=partial))

    # then
    assert decision.calculation.eligible_amount == Decimal("800000.00")
    assert decision.subsidy == Decimal("240000.00")


@given(
    rate=st.decimals(min_value=0, max_value=1, places=2),
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
    committed_=st.decimals(min_value=0, max_value=10**7, places=2),
    budget=st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_the_subsidy_is_the_smallest_of_rate_cap_and_budget_rounded_to_the_fen(
    rate, amount, committed_, budget
):
    # given
    ctx = context(
        program_params(base_rate=str(rate), facility_rates={}, spend_tiers=[]),
        budget_remaining=str(budget),
    )
    cap_left = max(HZ_CAP - committed_, Decimal("0"))

    # when
    calc = calculate(
        ctx,
        facts(
            contract=contract(str(amount), facility=""),
            history=HistoryFacts(enterprise_year_committed=committed_),
        ),
    )

    # then
    expected = min(rate * amount, cap_left, budget).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert calc.subsidy == expected
    assert Decimal("0") <= calc.subsidy <= min(cap_left, budget)


# -- spend tiers ---------------------------------------------------------------

# A program that admits large enterprises and has the Hangzhou SME tier.
ALL_SIZES = ["large", "medium", "small", "micro"]


def test_a_large_enterprise_at_400000_gets_the_facility_rate_not_the_sme_tier():
    # given
    ctx = context(program_params(eligible_size_classes=ALL_SIZES))
    large = enterprise(size_class="large")

    # when
    decision = evaluate(ctx, facts(enterprise=large, contract=contract("400000.00")))

    # then
    assert decision.eligible is True
    assert decision.rate == Decimal("0.30")
    assert decision.calculation.rate_basis == "facility: domestic"
    assert decision.subsidy == Decimal("120000.00")


def test_an_sme_at_400000_gets_the_tier_in_the_same_program():
    # given
    ctx = context(program_params(eligible_size_classes=ALL_SIZES))

    # when
    decision = evaluate(ctx, facts(contract=contract("400000.00")))

    # then
    assert decision.rate == Decimal("0.50")
    assert decision.calculation.rate_basis.startswith("spend tier: SME")


def test_a_tier_open_to_all_sizes_applies_to_a_large_enterprise():
    # given
    tiers = [{"max_year_total": "500000.00", "rate": "0.50", "sme_only": False}]
    ctx = context(program_params(eligible_size_classes=ALL_SIZES, spend_tiers=tiers))

    # when
    decision = evaluate(
        ctx,
        facts(
            enterprise=enterprise(size_class="large"), contract=contract("400000.00")
        ),
    )

    # then
    assert decision.rate == Decimal("0.50")


@pytest.mark.parametrize(
    ("size", "year_total", "rate"),
    [
        ("small", "400000.00", "0.50"),
        ("small", "1000000.00", "0.40"),
        ("large", "400000.00", "0.40"),
        ("large", "2000000.01", "0.30"),
        ("", "400000.00", "0.40"),
    ],
    ids=[
        "SME within both tiers gets the best",
        "SME above the SME tier gets the open tier",
        "large enterprise gets the open tier only",
        "above every tier the facility rate applies",
        "unknown size is not treated as an SME",
    ],
)
def test_the_best_applicable_tier_wins(size, year_total, rate):
    # given
    tiers = [
        {"max_year_total": "500000.00", "rate": "0.50", "sme_only": True},
        {"max_year_total": "2000000.00", "rate": "0.40", "sme_only": False},
    ]
    ctx = context(program_params(eligible_size_classes=ALL_SIZES, spend_tiers=tiers))

    # when
    calc = calculate(
        ctx,
        facts(
            enterprise=enterprise(size_class=size),
            contract=contract("100000.00", year_contract_total=Decimal(year_total)),
        ),
    )

    # then
    assert calc.rate == Decimal(rate)


# -- the engine as a whole -----------------------------------------------------


def test_rules_run_in_registry_order_whatever_the_order_of_the_rule_set():
    # given
    codes = list(SPECS["HZ-COMPUTE-2026"]["params"]["rules"].items())
    params = program_params(rules=dict(reversed(codes)))

    # when
    decision = evaluate(context(params), facts())

    # then
    assert [r.code for r in decision.rules] == sorted(
        dict(codes), key=lambda code: RULES[code].order
    )


def test_an_ineligible_decision_still_shows_the_rate_and_the_calculation():
    # given
    ningbo = enterprise(region_code="330203")

    # when
    decision = evaluate(context(), facts(enterprise=ningbo))

    # then
    assert decision.eligible is False
    assert decision.rate == Decimal("0.30")
    assert decision.calculation.subsidy == Decimal("300000.00")
    assert decision.subsidy == Decimal("0.00")


def test_a_decision_is_plain_json_with_each_calculation_step():
    # when
    decision = evaluate(context(), facts())

    # then
    data = json.loads(json.dumps(decision.to_json()))
    assert data["subsidy"] == "300000.00"
    assert [s["step"] for s in data["steps"]] == [
        "eligible_amount",
        "rate",
        "rate_times_amount",
        "cap_remaining",
        "budget_remaining",
        "subsidy",
    ]
    assert {r["code"]: r["outcome"] for r in data["rules"]} == {
        "application_window": PASS,
        "enterprise_type": PASS,
        "region": PASS,
        "size_class": PASS,
        "credit": PASS,
        "contract": PASS,
        "provider": PASS,
        "related_party": PASS,
        "one_contract_one_claim": PASS,
        "cap_budget": PASS,
    }
