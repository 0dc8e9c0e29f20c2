"""Program parameters (ProgramParams.from_json: every malformed value is
refused with a message under its field path) and the program services:
create, change parameters (a new version), status changes, and which version
is in force at a moment."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises.models import Region
from tests.factories import UserFactory, make_program, program_params
from vouchers.demo.programs import EFFECTIVE_FROM, demo_program_specs
from vouchers.models import Program, ProgramVersion
from vouchers.programs import selectors, services
from vouchers.programs.params import ParamsError, ProgramParams, SpendTier
from vouchers.programs.services import ProgramParamsInvalid

SHANGHAI = ZoneInfo("Asia/Shanghai")
HZ_RULES = program_params()["rules"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def errors_for(data) -> dict[str, list[str]]:
    with pytest.raises(ParamsError) as info:
        ProgramParams.from_json(data)
    return info.value.errors


def errors_with(**changes) -> dict[str, list[str]]:
    return errors_for(program_params(**changes))


def with_rule(code: str, params) -> dict:
    return {**HZ_RULES, code: params}


# -- valid parameters and the round trip ---------------------------------------


@pytest.mark.parametrize("spec", demo_program_specs(), ids=lambda s: s["code"])
def test_the_demo_programs_parameters_are_valid(spec):
    # when
    params = ProgramParams.from_json(spec["params"])

    # then
    assert params.rules.keys() == spec["params"]["rules"].keys()


@pytest.mark.parametrize("spec", demo_program_specs(), ids=lambda s: s["code"])
def test_parameters_survive_a_round_trip_through_json(spec):
    # given
    params = ProgramParams.from_json(spec["params"])

    # when
    stored = json.loads(json.dumps(params.to_json()))
    again = ProgramParams.from_json(stored)

    # then
    assert again == params
    assert again.to_json() == stored


def test_parsing_normalises_money_to_the_fen_and_fills_rule_defaults():
    # given
    data = program_params(
        cap_per_enterprise_year=8000000,
        eligible_size_classes=["small", "medium"],
        spend_tiers=[
            {"max_year_total": "2000000", "rate": "0.40", "sme_only": False},
            {"max_year_total": "500000", "rate": "0.50"},
        ],
        rules={"enterprise_type": {}, "credit": None, "related_party": {}},
    )

    # when
    params = ProgramParams.from_json(data)

    # then
    assert params.cap_per_enterprise_year == Decimal("8000000.00")
    assert params.to_json()["cap_per_enterprise_year"] == "8000000.00"
    assert params.eligible_size_classes == ("medium", "small")
    assert params.spend_tiers == (
        SpendTier(Decimal("500000.00"), Decimal("0.50"), sme_only=True),
        SpendTier(Decimal("2000000.00"), Decimal("0.40"), sme_only=False),
    )
    assert params.rules == {
        "enterprise_type": {"allowed_prefixes": ["91"]},
        "credit": {"lookback_years": 3},
        "related_party": {"outcome": "review"},
    }


@pytest.mark.parametrize("rate", ["0", "0.00", "1", "1.00", "0.5"])
def test_rates_from_0_to_1_inclusive_are_accepted(rate):
    # when
    params = ProgramParams.from_json(program_params(base_rate=rate))

    # then
    assert params.base_rate == Decimal(rate)


def test_a_window_of_one_day_is_accepted():
    # when
    params = ProgramParams.from_json(
        program_params(
            opens_on="2026-06-01",
            closes_on="2026-06-01",
            contract_signed_from="2026-06-01",
            contract_signed_to="2026-06-01",
        )
    )

    # then
    assert params.opens_on == params.closes_on


# -- refused values, keyed by field path ---------------------------------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"base_rate": "1.01"}, "base_rate"),
        ({"base_rate": "-0.01"}, "base_rate"),
        (
            {"facility_rates": {"domestic": "1.5", "other": "0.20"}},
            "facility_rates.domestic",
        ),
        ({"facility_rates": {"other": "-0.2"}}, "facility_rates.other"),
        (
            {"spend_tiers": [{"max_year_total": "500000.00", "rate": "2"}]},
            "spend_tiers.0.rate",
        ),
    ],
    ids=[
        "base rate above 1",
        "negative base rate",
        "facility rate above 1",
        "negative facility rate",
        "tier rate above 1",
    ],
)
def test_a_rate_outside_0_to_1_is_refused_under_its_path(changes, path):
    # when
    errors = errors_with(**changes)

    # then
    assert errors == {path: ["A rate is between 0 and 1 (e.g. 0.30 for 30%)."]}


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"base_rate": 0.3}, "base_rate"),
        ({"cap_per_enterprise_year": 8000000.0}, "cap_per_enterprise_year"),
        ({"budget": {"city": 250000000.0}}, "budget.city"),
        ({"facility_rates": {"domestic": 0.3}}, "facility_rates.domestic"),
        (
            {"spend_tiers": [{"max_year_total": 500000.0, "rate": "0.50"}]},
            "spend_tiers.0.max_year_total",
        ),
        ({"min_contract_amount": 0.0}, "min_contract_amount"),
    ],
    ids=["base rate", "cap", "budget", "facility rate", "tier limit", "minimum"],
)
def test_a_float_is_refused_for_money_and_rates(changes, path):
    # when
    errors = errors_with(**changes)

    # then
    assert errors[path] == ["Give amounts and rates as decimal strings, not floats."]


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        (
            {"cap_per_enterprise_year": "0"},
            "cap_per_enterprise_year",
            "Must be more than zero.",
        ),
        (
            {"cap_per_enterprise_year": "-1.00"},
            "cap_per_enterprise_year",
            "Must be more than zero.",
        ),
        ({"budget": {"city": "0.00"}}, "budget.city", "Must be more than zero."),
        ({"budget": {"province": "-5"}}, "budget.province", "Must be more than zero."),
        (
            {"spend_tiers": [{"max_year_total": "0", "rate": "0.50"}]},
            "spend_tiers.0.max_year_total",
            "Must be more than zero.",
        ),
        (
            {"min_contract_amount": "-0.01"},
            "min_contract_amount",
            "Cannot be negative.",
        ),
        (
            {"cap_per_enterprise_year": "100.001"},
            "cap_per_enterprise_year",
            "Amounts have at most two decimal places (fen).",
        ),
        ({"budget": {"town": "100.00"}}, "budget.town", "Unknown funding source."),
        (
            {"budget": {}},
            "budget",
            "Give the budget by funding source (province, city, district).",
        ),
        (
            {"cap_per_enterprise_year": "lots"},
            "cap_per_enterprise_year",
            "Enter a number.",
        ),
        (
            {"cap_per_enterprise_year": "Infinity"},
            "cap_per_enterprise_year",
            "Enter a number.",
        ),
    ],
    ids=[
        "zero cap",
        "negative cap",
        "zero budget",
        "negative budget",
        "zero tier limit",
        "negative minimum contract",
        "fractions of a fen",
        "unknown funding source",
        "empty budget",
        "not a number",
        "infinite cap",
    ],
)
def test_caps_and_budgets_must_be_positive_amounts_in_fen(changes, path, message):
    # when
    errors = errors_with(**changes)

    # then
    assert message in errors[path]


def test_a_budget_of_several_sources_adds_up():
    # when
    params = ProgramParams.from_json(
        program_params(budget={"province": "1000000.00", "city": "500000.50"})
    )

    # then
    assert params.total_budget == Decimal("1500000.50")


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        (
            {"opens_on": "2026-06-02", "closes_on": "2026-06-01"},
            "closes_on",
            "The application window must close after it opens.",
        ),
        (
            {"contract_signed_from": "2027-01-01", "contract_signed_to": "2026-12-31"},
            "contract_signed_to",
            "The latest signing date must not be before the earliest.",
        ),
        ({"opens_on": "2026-02-30"}, "opens_on", "Enter a valid date (YYYY-MM-DD)."),
        (
            {"contract_signed_from": "01/03/2026"},
            "contract_signed_from",
            "Enter a valid date (YYYY-MM-DD).",
        ),
    ],
    ids=[
        "window closes before it opens",
        "signing dates reversed",
        "no such day",
        "not ISO",
    ],
)
def test_dates_must_be_valid_and_in_order(changes, path, message):
    # when
    errors = errors_with(**changes)

    # then
    assert errors == {path: [message]}


@pytest.mark.parametrize(
    "stages",
    [
        ["city", "county"],
        ["province", "city"],
        ["county", "county"],
        ["county", "city", "city", "province"],
    ],
)
def test_review_stages_go_upward_and_each_once(stages):
    # when
    errors = errors_with(review_stages=stages)

    # then
    assert errors == {
        "review_stages": ["Stages go upward (county → city → province), each once."]
    }


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (["district"], "Stages are county, city or province."),
        ([], "Give at least one review stage."),
        ("county", "Give at least one review stage."),
    ],
)
def test_review_stages_must_be_known_levels(stages, message):
    # when
    errors = errors_with(review_stages=stages)

    # then
    assert errors == {"review_stages": [message]}


@pytest.mark.parametrize(
    "stages", [["county"], ["city", "province"], ["county", "province"]]
)
def test_upward_stages_that_skip_a_level_are_accepted(stages):
    # when
    params = ProgramParams.from_json(program_params(review_stages=stages))

    # then
    assert params.review_stages == tuple(stages)


def test_an_unknown_rule_code_is_refused():
    # when
    errors = errors_with(rules=with_rule("same_day_payment", {}))

    # then
    assert errors == {"rules.same_day_payment": ["Unknown rule."]}


@pytest.mark.parametrize(
    ("code", "rule_params", "path", "message"),
    [
        (
            "benchmark_investment",
            {
                "from_year": 2024,
                "to_year": 2018,
                "it_min": "10000000.00",
                "ai_min": "5000000.00",
            },
            "rules.benchmark_investment.to_year",
            "The window must end after it starts.",
        ),
        (
            "benchmark_investment",
            {
                "from_year": 2018,
                "to_year": 2023,
                "it_min": "-1",
                "ai_min": "5000000.00",
            },
            "rules.benchmark_investment.it_min",
            "Give an amount in yuan as a decimal string.",
        ),
        (
            "benchmark_investment",
            {
                "from_year": 2018,
                "to_year": 2023,
                "it_min": 10000000.0,
                "ai_min": "5000000.00",
            },
            "rules.benchmark_investment.it_min",
            "Give an amount in yuan as a decimal string.",
        ),
        (
            "benchmark_investment",
            {"from_year": 2018, "to_year": 2023, "it_min": "10000000.00"},
            "rules.benchmark_investment.ai_min",
            "Give an amount in yuan as a decimal string.",
        ),
        (
            "benchmark_investment",
            {"from_year": "2018", "to_year": 2023, "it_min": "1.00", "ai_min": "1.00"},
            "rules.benchmark_investment.from_year",
            "Give a year from 2000 to 2100.",
        ),
        (
            "benchmark_investment",
            {"from_year": 1999, "to_year": 2023, "it_min": "1.00", "ai_min": "1.00"},
            "rules.benchmark_investment.from_year",
            "Give a year from 2000 to 2100.",
        ),
        (
            "credit",
            {"lookback_years": 11},
            "rules.credit.lookback_years",
            "Give a whole number of years from 0 to 10.",
        ),
        (
            "credit",
            {"lookback_years": True},
            "rules.credit.lookback_years",
            "Give a whole number of years from 0 to 10.",
        ),
        (
            "credit",
            {"lookback_years": "3"},
            "rules.credit.lookback_years",
            "Give a whole number of years from 0 to 10.",
        ),
        (
            "enterprise_type",
            {"allowed_prefixes": ["9"]},
            "rules.enterprise_type.allowed_prefixes",
            "Give 2-character code prefixes, e.g. 91.",
        ),
        (
            "enterprise_type",
            {"allowed_prefixes": []},
            "rules.enterprise_type.allowed_prefixes",
            "Give 2-character code prefixes, e.g. 91.",
        ),
        (
            "related_party",
            {"outcome": "ignore"},
            "rules.related_party.outcome",
            "Choose fail or review.",
        ),
        (
            "region",
            {"prefix": "3301"},
            "rules.region",
            "This rule takes no parameters.",
        ),
        (
            "enterprise_type",
            ["91"],
            "rules.enterprise_type",
            "Give the rule's parameters as an object.",
        ),
        ("credit", "3", "rules.credit", "Give the rule's parameters as an object."),
    ],
    ids=[
        "benchmark window reversed",
        "negative IT minimum",
        "float IT minimum",
        "AI minimum missing",
        "year as text",
        "year out of range",
        "look-back over 10 years",
        "look-back as a boolean",
        "look-back as text",
        "one-character prefix",
        "no prefixes",
        "related-party outcome unknown",
        "parameters for a rule that takes none",
        "parameters as a list",
        "parameters as text",
    ],
)
def test_rule_parameters_are_checked_by_their_rule(code, rule_params, path, message):
    # when
    errors = errors_with(rules=with_rule(code, rule_params))

    # then
    assert errors == {path: [message]}


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"spend_tiers": [{"rate": "0.50"}]}, "spend_tiers.0.max_year_total"),
        ({"spend_tiers": [{"max_year_total": "500000.00"}]}, "spend_tiers.0.rate"),
        ({"budget": {"city": None}}, "budget.city"),
        ({"facility_rates": {"domestic": None}}, "facility_rates.domestic"),
        ({"facility_rates": {"other": ""}}, "facility_rates.other"),
    ],
    ids=["tier limit", "tier rate", "budget amount", "facility rate", "blank rate"],
)
def test_a_missing_nested_value_is_reported_under_its_own_path(changes, path):
    # when
    errors = errors_with(**changes)

    # then
    assert errors[path] == ["This field is required."]
    assert all("." in key for key in errors), errors


def test_a_missing_required_field_is_reported():
    # given
    data = program_params()
    del data["opens_on"]
    del data["budget"]

    # when
    errors = errors_for(data)

    # then
    assert errors == {
        "opens_on": ["This field is required."],
        "budget": ["This field is required."],
    }


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"max_term_months": "12"}, "max_term_months", "Enter a whole number."),
        ({"max_term_months": True}, "max_term_months", "Enter a whole number."),
        ({"max_term_months": 0}, "max_term_months", "Enter a number from 1 to 120."),
        (
            {"voucher_validity_months": 61},
            "voucher_validity_months",
            "Enter a number from 1 to 60.",
        ),
        (
            {"eligible_size_classes": ["giant"]},
            "eligible_size_classes",
            "Choose from: large, medium, small, micro.",
        ),
        (
            {"eligible_size_classes": "small"},
            "eligible_size_classes",
            "Choose at least one.",
        ),
        (
            {"disbursement_mode": "cash"},
            "disbursement_mode",
            "Choose one of: deduct_at_provider, reimburse_after_payment.",
        ),
        (
            {"facility_rates": {"cloud": "0.10"}},
            "facility_rates.cloud",
            "Unknown facility type.",
        ),
        (
            {"excluded_categories": ["storage", ""]},
            "excluded_categories",
            "Give a list of names.",
        ),
        (
            {"spend_tiers": ["500000"]},
            "spend_tiers.0",
            "Each tier needs max_year_total and rate.",
        ),
        (
            {"rules": ["credit"]},
            "rules",
            "Give the rule set as rule code → parameters.",
        ),
    ],
)
def test_other_fields_refuse_values_of_the_wrong_kind(changes, path, message):
    # when
    errors = errors_with(**changes)

    # then
    assert errors == {path: [message]}


def test_every_problem_is_reported_at_once():
    # when
    errors = errors_with(
        base_rate="1.5",
        cap_per_enterprise_year="0",
        opens_on="2027-01-01",
        closes_on="2026-01-01",
        rules=with_rule("nonsense", {}),
    )

    # then
    assert set(errors) == {
        "base_rate",
        "cap_per_enterprise_year",
        "closes_on",
        "rules.nonsense",
    }


def test_parameters_that_are_not_an_object_are_refused_under_the_empty_path():
    # when
    errors = errors_for(["not", "an", "object"])

    # then
    assert errors[""] == ["The parameters must be an object."]


def test_the_error_message_names_each_path():
    # when
    with pytest.raises(ParamsError) as info:
        ProgramParams.from_json(program_params(base_rate="2"))

    # then
    assert str(info.value).startswith("base_rate: A rate is between 0 and 1")


# -- program_create ------------------------------------------------------------


@pytest.fixture
def actor(db):
    return UserFactory(email="programs@example.com")


@pytest.mark.django_db
def test_creating_a_program_stores_version_1_and_an_audit_event(actor):
    # when
    program = make_program("hz-compute-2027", actor=actor)

    # then
    assert program.code == "HZ-COMPUTE-2027"
    assert program.status == Program.Status.DRAFT
    version = program.versions.get()
    assert version.number == 1
    assert version.effective_from == EFFECTIVE_FROM
    assert version.params == ProgramParams.from_json(program_params()).to_json()
    event = AuditEvent.objects.get(action=actions.PROGRAM_CREATED)
    assert (event.object_type, event.object_id) == ("vouchers.program", str(program.pk))
    assert event.actor == actor
    assert event.after["code"] == "HZ-COMPUTE-2027"
    assert event.after["region"] == "330100"
    assert event.after["version"] == 1
    assert event.after["params"] == version.params


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code", ["HZ COMPUTE", "AB", "-HZ-2026", "HZ_2026", "杭州算力券", "A" * 41]
)
def test_a_program_code_of_the_wrong_form_is_refused(code, actor):
    # when
    with pytest.raises(ApplicationError) as info:
        make_program(code, actor=actor)

    # then
    assert info.value.field == "code"
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_a_second_program_with_the_same_code_is_refused(actor):
    # given
    make_program("HZ-COMPUTE-2027", actor=actor)

    # when
    with pytest.raises(ApplicationError) as info:
        make_program(" hz-compute-2027 ", actor=actor)

    # then
    assert (info.value.field, info.value.code) == ("code", "duplicate")
    assert Program.objects.count() == 1
    assert AuditEvent.objects.filter(action=actions.PROGRAM_CREATED).count() == 1


@pytest.mark.django_db
def test_a_program_of_an_unknown_kind_is_refused(actor):
    # when
    with pytest.raises(ApplicationError) as info:
        make_program(kind="corpus", actor=actor)

    # then
    assert info.value.field == "kind"


@pytest.mark.django_db
def test_a_program_with_invalid_parameters_is_refused_with_the_errors(actor):
    # when
    with pytest.raises(ProgramParamsInvalid) as info:
        make_program(params=program_params(base_rate="1.5"), actor=actor)

    # then
    assert set(info.value.errors) == {"base_rate"}
    assert not Program.objects.exists()
    assert not AuditEvent.objects.exists()


# -- program_change_params -----------------------------------------------------


@pytest.mark.django_db
def test_changing_the_parameters_makes_version_2_and_leaves_version_1_alone(actor):
    # given
    program = make_program(actor=actor)
    v1 = program.versions.get()
    v1_params = json.loads(json.dumps(v1.params))
    changed = program_params(facility_rates={"domestic": "0.25", "other": "0.15"})

    # when
    v2 = services.program_change_params(
        program=program, params=changed, actor=actor, note=" Lower rates for 2027 "
    )

    # then
    assert v2.number == 2
    assert v2.note == "Lower rates for 2027"
    assert v2.parsed().facility_rates == {
        "domestic": Decimal("0.25"),
        "other": Decimal("0.15"),
    }
    v1.refresh_from_db()
    assert v1.params == v1_params
    assert v1.parsed().facility_rates["domestic"] == Decimal("0.30")
    event = AuditEvent.objects.get(action=actions.PROGRAM_VERSION_CREATED)
    assert event.before == {"version": 1, "params": v1_params}
    assert event.after["version"] == 2
    assert event.after["params"] == v2.params
    assert event.after["note"] == "Lower rates for 2027"


@pytest.mark.django_db
def test_a_new_version_cannot_take_effect_in_the_past(actor):
    # given
    program = make_program(actor=actor)

    # when
    with pytest.raises(ApplicationError) as info:
        services.program_change_params(
            program=program,
            params=program_params(),
            actor=actor,
            effective_from=timezone.now() - timedelta(minutes=1),
        )

    # then
    assert info.value.field == "effective_from"
    assert program.versions.count() == 1


@pytest.mark.django_db
def test_a_new_version_must_take_effect_after_the_latest_one(actor):
    # given
    program = make_program(actor=actor)
    later = timezone.now() + timedelta(days=30)
    services.program_change_params(
        program=program,
        params=program_params(base_rate="0.25"),
        actor=actor,
        effective_from=later,
    )

    # when
    with pytest.raises(ApplicationError) as info:
        services.program_change_params(
            program=program,
            params=program_params(base_rate="0.20"),
            actor=actor,
            effective_from=later - timedelta(days=1),
        )

    # then
    assert info.value.field == "effective_from"
    assert program.versions.count() == 2


@pytest.mark.django_db
def test_a_new_version_must_change_a_parameter(actor):
    # given
    program = make_program(actor=actor)

    # when: the same parameters again
    with pytest.raises(ApplicationError) as info:
        services.program_change_params(
            program=program, params=program_params(), actor=actor, note="x"
        )

    # then
    assert info.value.code == "unchanged"
    assert info.value.message == (
        "Nothing has changed: change a parameter to make a new version."
    )
    assert program.versions.count() == 1


@pytest.mark.django_db
def test_invalid_new_parameters_are_refused_and_make_no_version(actor):
    # given
    program = make_program(actor=actor)

    # when
    with pytest.raises(ProgramParamsInvalid) as info:
        services.program_change_params(
            program=program,
            params=program_params(review_stages=["city", "county"]),
            actor=actor,
        )

    # then
    assert set(info.value.errors) == {"review_stages"}
    assert program.versions.count() == 1
    assert not AuditEvent.objects.filter(
        action=actions.PROGRAM_VERSION_CREATED
    ).exists()


@pytest.mark.django_db
def test_an_archived_program_cannot_get_new_parameters(actor):
    # given
    program = make_program(actor=actor)
    services.program_set_status(program=program, to_status="archived", actor=actor)

    # when
    with pytest.raises(ApplicationError) as info:
        services.program_change_params(
            program=program, params=program_params(), actor=actor
        )

    # then
    assert info.value.code == "archived"
    assert program.versions.count() == 1


# -- program_set_status --------------------------------------------------------


@pytest.mark.django_db
def test_a_program_goes_from_draft_to_open_to_closed_to_archived(actor):
    # given
    program = make_program(actor=actor)

    # when
    for status in ("open", "closed", "archived"):
        program = services.program_set_status(
            program=program, to_status=status, actor=actor
        )

    # then
    program.refresh_from_db()
    assert program.status == "archived"
    events = AuditEvent.objects.filter(action=actions.PROGRAM_STATUS_CHANGED).order_by(
        "id"
    )
    assert [(e.before, e.after) for e in events] == [
        ({"status": "draft"}, {"status": "open"}),
        ({"status": "open"}, {"status": "closed"}),
        ({"status": "closed"}, {"status": "archived"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["open", "closed", "open"], "a closed program reopens"),
        (["archived"], "a draft is archived without opening"),
    ],
)
def test_a_program_can_reopen_and_a_draft_can_be_archived(path, allowed, actor):
    # given
    program = make_program(actor=actor)

    # when
    for status in path:
        program = services.program_set_status(
            program=program, to_status=status, actor=actor
        )

    # then
    assert program.status == path[-1], allowed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "forbidden"),
    [
        ([], "closed"),
        ([], "draft"),
        (["open"], "draft"),
        (["open"], "archived"),
        (["open"], "open"),
        (["open", "closed"], "draft"),
        (["archived"], "draft"),
        (["archived"], "open"),
        (["archived"], "closed"),
        (["archived"], "archived"),
        ([], "paused"),
    ],
    ids=[
        "draft to closed",
        "draft to draft",
        "open back to draft",
        "open straight to archived",
        "open to open",
        "closed back to draft",
        "archived to draft",
        "archived to open",
        "archived to closed",
        "archived to archived",
        "unknown status",
    ],
)
def test_forbidden_status_changes_are_refused(path, forbidden, actor):
    # given
    program = make_program(actor=actor)
    for status in path:
        program = services.program_set_status(
            program=program, to_status=status, actor=actor
        )
    events = AuditEvent.objects.count()

    # when
    with pytest.raises(ApplicationError) as info:
        services.program_set_status(program=program, to_status=forbidden, actor=actor)

    # then
    assert info.value.code == "transition"
    program.refresh_from_db()
    assert program.status == (path[-1] if path else "draft")
    assert AuditEvent.objects.count() == events


# -- which version is in force -------------------------------------------------


@pytest.mark.django_db
def test_the_version_in_force_is_the_latest_that_took_effect_by_then(actor):
    # given
    program = make_program(actor=actor)
    switch = timezone.now() + timedelta(days=10)
    v2 = services.program_change_params(
        program=program,
        params=program_params(base_rate="0.10"),
        actor=actor,
        effective_from=switch,
    )
    v1 = program.versions.get(number=1)

    # then
    at = selectors.program_version_at
    assert at(program) == v1
    assert at(program, switch - timedelta(microseconds=1)) == v1
    assert at(program, switch) == v2
    assert at(program, switch + timedelta(days=1)) == v2
    assert at(program, datetime(2026, 1, 1, tzinfo=SHANGHAI)) == v1


@pytest.mark.django_db
def test_before_the_first_version_took_effect_the_first_version_is_used(actor):
    # given
    program = make_program(actor=actor)

    # when
    version = selectors.program_version_at(
        program, datetime(2025, 12, 31, 23, 59, tzinfo=SHANGHAI)
    )

    # then
    assert version.number == 1


@pytest.mark.django_db
def test_the_program_context_carries_the_version_in_force_and_its_budget(actor):
    # given
    program = make_program(actor=actor)
    switch = timezone.now() + timedelta(days=10)
    services.program_change_params(
        program=program,
        params=program_params(base_rate="0.10", budget={"city": "1000.00"}),
        actor=actor,
        effective_from=switch,
    )

    # when
    now = selectors.program_context(program)
    later = selectors.program_context(program, when=switch + timedelta(hours=1))

    # then
    assert (now.version, now.params.base_rate) == (1, Decimal("0.20"))
    assert now.budget_remaining == Decimal("250000000.00")
    assert (later.version, later.params.base_rate) == (2, Decimal("0.10"))
    assert later.budget_remaining == Decimal("1000.00")
    assert (later.region_code, later.region_prefix) == ("330100", "3301")
    assert later.kind == "compute"


@pytest.mark.django_db
def test_a_province_program_context_covers_every_county_of_zhejiang(actor):
    # given
    program = make_program(region="330000", actor=actor)

    # when
    ctx = selectors.program_context(program)

    # then
    counties = Region.objects.filter(level="county").values_list("code", flat=True)
    assert all(code.startswith(ctx.region_prefix) for code in counties)
    assert ProgramVersion.objects.filter(program=program).count() == 1
