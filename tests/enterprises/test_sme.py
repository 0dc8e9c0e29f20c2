"""SME size classification (工信部联企业〔2011〕300号, NBS 2017): enterprises/sme.py.

The bulk of the cases is data: tests/enterprises/data/sme_cases.csv was derived
from the threshold table in the domain brief (section 3.2), not from
enterprises/data/sme_standard_2011.json, so a wrong number in the JSON fails
here. For each of the 16 groups and each tier bound it holds the value exactly
at the bound, one unit above and one unit below (1 person, or 0.01 yuan), with the
group's other indicators comfortably met and unlisted indicators at 0; plus the
edge cases of the brief.
"""

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enterprises import sme
from enterprises.sme import (
    DEFAULT_STANDARD_CODE,
    NOT_COVERED,
    SIZE_CLASSES,
    STANDARD_CODES,
    Classification,
    classify,
    industry_group,
    load_standard,
)

CASES_CSV = Path(__file__).resolve().parent / "data" / "sme_cases.csv"

GROUPS = [
    "agriculture",
    "industry",
    "construction",
    "wholesale",
    "retail",
    "transport",
    "warehousing",
    "postal",
    "accommodation",
    "catering",
    "information_transmission",
    "software_it",
    "real_estate_development",
    "property_management",
    "leasing_business",
    "other",
]
# Which indicators each group uses (domain brief 3.2: X employees, Y revenue,
# Z total assets).
GROUP_INDICATORS = {
    "agriculture": ("revenue",),
    "industry": ("employees", "revenue"),
    "construction": ("revenue", "total_assets"),
    "wholesale": ("employees", "revenue"),
    "retail": ("employees", "revenue"),
    "transport": ("employees", "revenue"),
    "warehousing": ("employees", "revenue"),
    "postal": ("employees", "revenue"),
    "accommodation": ("employees", "revenue"),
    "catering": ("employees", "revenue"),
    "information_transmission": ("employees", "revenue"),
    "software_it": ("employees", "revenue"),
    "real_estate_development": ("revenue", "total_assets"),
    "property_management": ("employees", "revenue"),
    "leasing_business": ("employees", "total_assets"),
    "other": ("employees",),
}


def _load_cases():
    with CASES_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


CASES = _load_cases()


def _classify_row(row):
    return classify(
        group=industry_group(row["industry_code"]),
        employees=int(row["employees"]),
        revenue=Decimal(row["revenue_yuan"]),
        total_assets=Decimal(row["total_assets_yuan"]),
    )


# --- the data-driven cases ------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(row, id=f"line{n}-{row['industry_code']}-{row['expected']}")
        for n, row in enumerate(CASES, start=2)
    ],
)
def test_case_from_csv(row):
    result = _classify_row(row)
    assert result.size_class == row["expected"], row["case"]


def test_csv_covers_every_group_and_every_bound():
    groups = {}
    for row in CASES:
        groups.setdefault(industry_group(row["industry_code"]), []).append(row)
    assert set(groups) == set(GROUPS)
    for group, rows in groups.items():
        # 3 tiers x indicators x (at, above, below) + 3 all-at-bound rows
        assert len(rows) >= 9 * len(GROUP_INDICATORS[group]) + 3, group
        assert {r["expected"] for r in rows} == set(SIZE_CLASSES), group


def test_csv_money_is_in_whole_cents():
    for row in CASES:
        for column in ("revenue_yuan", "total_assets_yuan"):
            amount = Decimal(row[column])
            assert amount == amount.quantize(Decimal("0.01")), row["case"]


# --- the standard data ----------------------------------------------------


def test_standard_lists_the_16_groups_with_their_indicators():
    standard = load_standard()
    assert list(standard.groups) == GROUPS
    for key, group in standard.groups.items():
        assert group.indicators == GROUP_INDICATORS[key]
        assert group.name_zh
        assert group.name_en


def test_standard_metadata():
    standard = load_standard()
    assert standard.code == DEFAULT_STANDARD_CODE == "MIIT-2011-300"
    assert "〔2011〕300号" in standard.name_zh
    assert standard.issued_on.isoformat() == "2011-06-18"
    assert DEFAULT_STANDARD_CODE in STANDARD_CODES


def test_bounds_decrease_from_large_to_small():
    for group in load_standard().groups.values():
        for indicator in group.indicators:
            large, medium, small = (group.bounds[t][indicator] for t in sme.TIERS)
            assert large > medium > small > 0


def test_load_standard_is_cached():
    assert load_standard() is load_standard(DEFAULT_STANDARD_CODE)


def test_load_unknown_standard():
    with pytest.raises(ValueError, match="Unknown SME standard"):
        load_standard("MIIT-2099-1")


def test_json_groups_match_the_industry_csv():
    """Every group the industry mapping can produce has thresholds, and back."""
    with sme.INDUSTRY_GROUPS_CSV.open(encoding="utf-8", newline="") as f:
        csv_groups = {row["group"] for row in csv.DictReader(f)}
    csv_groups -= {NOT_COVERED, "real_estate"}
    csv_groups |= {"real_estate_development", "property_management"}
    assert csv_groups == set(load_standard().groups)


def _write_standard(tmp_path, monkeypatch, groups):
    raw = {
        "code": "TEST",
        "name_zh": "测试",
        "name_en": "Test",
        "issued_on": "2020-01-01",
        "method": "test",
        "groups": groups,
    }
    (tmp_path / "test.json").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(sme, "DATA_DIR", tmp_path)
    monkeypatch.setitem(sme._STANDARD_FILES, "TEST", "test.json")


@pytest.mark.parametrize(
    "group",
    [
        # bounds do not decrease
        {
            "name_zh": "x",
            "name_en": "x",
            "indicators": ["employees"],
            "large": {"employees": 10},
            "medium": {"employees": 100},
            "small": {"employees": 1},
        },
        # a bound for an indicator the group does not list
        {
            "name_zh": "x",
            "name_en": "x",
            "indicators": ["employees"],
            "large": {"employees": 100, "revenue_wan": 5},
            "medium": {"employees": 10},
            "small": {"employees": 1},
        },
        # unknown indicator
        {
            "name_zh": "x",
            "name_en": "x",
            "indicators": ["profit"],
            "large": {"profit": 3},
            "medium": {"profit": 2},
            "small": {"profit": 1},
        },
    ],
)
def test_malformed_standard_files_are_refused(tmp_path, monkeypatch, group):
    _write_standard(tmp_path, monkeypatch, {"g": group})
    with pytest.raises(ValueError, match="Group 'g'"):
        load_standard("TEST")


def test_a_well_formed_extra_standard_loads(tmp_path, monkeypatch):
    group = {
        "name_zh": "x",
        "name_en": "x",
        "indicators": ["employees"],
        "large": {"employees": 100},
        "medium": {"employees": 10},
        "small": {"employees": 1},
    }
    _write_standard(tmp_path, monkeypatch, {"g": group})
    try:
        standard = load_standard("TEST")
        result = classify(
            group="g", employees=10, revenue=None, total_assets=None, standard=standard
        )
        assert (result.size_class, result.standard_code) == ("medium", "TEST")
    finally:
        sme._load_standard.cache_clear()


# --- industry codes -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("I65", "software_it"),
        ("I6510", "software_it"),
        ("i6511", "software_it"),
        (" I65 ", "software_it"),
        ("I63", "information_transmission"),
        ("I64", "information_transmission"),
        ("C39", "industry"),
        ("B06", "industry"),
        ("D46", "industry"),
        ("C3911", "industry"),
        ("A01", "agriculture"),
        ("E50", "construction"),
        ("F51", "wholesale"),
        ("F52", "retail"),
        ("G53", "other"),  # railways are not "transport"
        ("G54", "transport"),
        ("G58", "transport"),
        ("G59", "warehousing"),
        ("G60", "postal"),
        ("H61", "accommodation"),
        ("H62", "catering"),
        ("K7010", "real_estate_development"),
        ("K701", "real_estate_development"),
        ("K7020", "property_management"),
        ("K702", "property_management"),
        ("K7030", "other"),
        ("K7040", "other"),
        ("K7090", "other"),
        ("L71", "leasing_business"),
        ("L72", "leasing_business"),
        ("M73", "other"),
        ("R90", "other"),
        ("J66", NOT_COVERED),
        ("J69", NOT_COVERED),
        ("S91", NOT_COVERED),
        ("T97", NOT_COVERED),
    ],
)
def test_industry_group(code, group):
    assert industry_group(code) == group


@pytest.mark.parametrize(
    ("code", "match"),
    [
        ("X99", "no section"),
        ("A65", "belongs to section I"),
        ("I01", "belongs to section A"),
        ("", "not a GB/T 4754-2017 industry code"),
        ("65", "not a GB/T 4754-2017 industry code"),
        ("I6", "not a GB/T 4754-2017 industry code"),
        ("I65100", "not a GB/T 4754-2017 industry code"),
        ("I-65", "not a GB/T 4754-2017 industry code"),
        ("I６５", "not a GB/T 4754-2017 industry code"),  # full-width digits
        ("I65\n1", "not a GB/T 4754-2017 industry code"),
        ("C00", "no division 00"),
        ("T98", "no division 98"),
        ("K70", "4-digit class"),
        ("k70", "4-digit class"),
    ],
)
def test_industry_group_rejects(code, match):
    with pytest.raises(ValueError, match=match):
        industry_group(code)


# --- classify -------------------------------------------------------------


def test_edge_case_micro_despite_huge_revenue():
    result = classify(
        group="industry",
        employees=19,
        revenue=Decimal(1_000_000_000),
        total_assets=None,
    )
    assert result.size_class == "micro"
    assert result.is_sme
    assert [step["tier"] for step in result.steps] == ["large", "medium", "small"]
    assert not any(step["met"] for step in result.steps)
    small = result.steps[2]
    assert small["checks"] == [
        {
            "indicator": "employees",
            "value": "19",
            "bound": "20",
            "unit": "persons",
            "met": False,
        },
        {
            "indicator": "revenue",
            "value": "100000",
            "bound": "300",
            "unit": "wan",
            "met": True,
        },
    ]


def test_steps_explain_dropping_from_large_to_medium():
    result = classify(
        group="industry",
        employees=1200,
        revenue=Decimal("30000000.00"),
        total_assets=Decimal("1"),
    )
    assert result == Classification(
        size_class="medium",
        standard_code="MIIT-2011-300",
        group="industry",
        inputs={
            "employees": "1200",
            "revenue_yuan": "30000000.00",
            "total_assets_yuan": "1",
        },
        steps=[
            {
                "tier": "large",
                "met": False,
                "checks": [
                    {
                        "indicator": "employees",
                        "value": "1200",
                        "bound": "1000",
                        "unit": "persons",
                        "met": True,
                    },
                    {
                        "indicator": "revenue",
                        "value": "3000",
                        "bound": "40000",
                        "unit": "wan",
                        "met": False,
                    },
                ],
            },
            {
                "tier": "medium",
                "met": True,
                "checks": [
                    {
                        "indicator": "employees",
                        "value": "1200",
                        "bound": "300",
                        "unit": "persons",
                        "met": True,
                    },
                    {
                        "indicator": "revenue",
                        "value": "3000",
                        "bound": "2000",
                        "unit": "wan",
                        "met": True,
                    },
                ],
            },
        ],
    )


def test_large_stops_after_one_step_and_is_not_sme():
    result = classify(group="other", employees=300, revenue=None, total_assets=None)
    assert result.size_class == "large"
    assert not result.is_sme
    assert len(result.steps) == 1
    assert result.steps[0]["checks"][0]["indicator"] == "employees"


def test_only_listed_indicators_are_checked():
    agriculture = classify(
        group="agriculture",
        employees=0,
        revenue=Decimal(200_000_000),
        total_assets=Decimal(0),
    )
    assert agriculture.size_class == "large"
    assert [c["indicator"] for c in agriculture.steps[0]["checks"]] == ["revenue"]
    leasing = classify(
        group="leasing_business",
        employees=300,
        revenue=None,
        total_assets=Decimal(1_200_000_000),
    )
    assert leasing.size_class == "large"
    assert [c["indicator"] for c in leasing.steps[0]["checks"]] == [
        "employees",
        "total_assets",
    ]


def test_result_is_json_serialisable():
    result = classify(
        group="construction",
        employees=None,
        revenue=Decimal("60000000.50"),
        total_assets=Decimal("50000000"),
    )
    assert result.size_class == "medium"
    data = json.loads(json.dumps(result.as_dict()))
    assert data["size_class"] == "medium"
    assert data["standard_code"] == "MIIT-2011-300"
    assert data["steps"][1]["checks"][0]["value"] == "6000.00005"
    assert "employees" not in data["inputs"]


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        (Decimal("4999999.99"), "small"),  # 499.999999 万元 < 500 万元
        (Decimal("4999999.999999"), "small"),
        (Decimal("5000000"), "medium"),
        (Decimal("5000000.00"), "medium"),
        (Decimal("5000000.000001"), "medium"),
        (Decimal("5E+6"), "medium"),
        (5_000_000, "medium"),  # int yuan accepted
        (Decimal("499999.99"), "micro"),
        (Decimal("199999999.99999999999999999999999"), "medium"),  # > 28 digits
    ],
)
def test_money_is_compared_exactly_in_wan(revenue, expected):
    result = classify(
        group="agriculture", employees=None, revenue=revenue, total_assets=None
    )
    assert result.size_class == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"employees": -1},
        {"revenue": Decimal("-0.01")},
        {"total_assets": Decimal(-1)},
        {"revenue": Decimal("NaN")},
        {"revenue": Decimal("Infinity")},
    ],
)
def test_negative_or_non_finite_inputs(kwargs):
    values = {
        "employees": 10,
        "revenue": Decimal(1),
        "total_assets": Decimal(1),
        **kwargs,
    }
    with pytest.raises(ValueError, match=r"cannot be negative|must be a finite"):
        classify(group="construction", **values)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"revenue": 1.5},
        {"revenue": "100"},
        {"employees": 10.0},
        {"employees": True},
    ],
)
def test_wrong_input_types(kwargs):
    values = {
        "employees": 10,
        "revenue": Decimal(1),
        "total_assets": Decimal(1),
        **kwargs,
    }
    with pytest.raises(TypeError):
        classify(group="industry", **values)


def test_missing_listed_indicator():
    with pytest.raises(ValueError, match="total_assets is required"):
        classify(
            group="construction",
            employees=None,
            revenue=Decimal(1),
            total_assets=None,
        )


@pytest.mark.parametrize(
    ("group", "match"),
    [
        (NOT_COVERED, "not covered by the SME size standard"),
        ("finance", "Unknown industry group"),
        ("", "Unknown industry group"),
        ("Industry", "Unknown industry group"),
    ],
)
def test_not_covered_and_unknown_groups(group, match):
    with pytest.raises(ValueError, match=match):
        classify(group=group, employees=10, revenue=Decimal(1), total_assets=Decimal(1))


def test_standard_can_be_passed_by_code_or_object():
    kwargs = {
        "group": "other",
        "employees": 100,
        "revenue": None,
        "total_assets": None,
    }
    by_code = classify(**kwargs, standard=DEFAULT_STANDARD_CODE)
    by_object = classify(**kwargs, standard=load_standard())
    assert by_code == by_object
    assert by_code.size_class == "medium"
    with pytest.raises(ValueError, match="Unknown SME standard"):
        classify(**kwargs, standard="nope")


# --- properties -----------------------------------------------------------

RANK = {size: rank for rank, size in enumerate(reversed(SIZE_CLASSES))}
money = st.decimals(min_value=0, max_value=Decimal("1e13"), places=2, allow_nan=False)


@given(
    group=st.sampled_from(GROUPS),
    employees=st.integers(0, 5000),
    revenue=money,
    total_assets=money,
    indicator=st.sampled_from(["employees", "revenue", "total_assets"]),
    extra_employees=st.integers(0, 5000),
    extra_money=money,
)
def test_more_of_any_indicator_never_lowers_the_class(
    group, employees, revenue, total_assets, indicator, extra_employees, extra_money
):
    before = classify(
        group=group, employees=employees, revenue=revenue, total_assets=total_assets
    )
    bigger = {
        "employees": employees,
        "revenue": revenue,
        "total_assets": total_assets,
    }
    if indicator == "employees":
        bigger["employees"] += extra_employees
    else:
        bigger[indicator] += extra_money
    after = classify(group=group, **bigger)
    assert RANK[after.size_class] >= RANK[before.size_class]


@given(
    group=st.sampled_from(GROUPS),
    employees=st.integers(0, 5000),
    revenue=money,
    total_assets=money,
)
def test_the_class_is_the_first_tier_whose_checks_all_pass(
    group, employees, revenue, total_assets
):
    result = classify(
        group=group, employees=employees, revenue=revenue, total_assets=total_assets
    )
    met = [step["tier"] for step in result.steps if step["met"]]
    assert met in ([], [result.steps[-1]["tier"]])
    assert result.size_class == (met[0] if met else "micro")
    for step in result.steps:
        assert step["met"] == all(check["met"] for check in step["checks"])
        assert [c["indicator"] for c in step["checks"]] == list(GROUP_INDICATORS[group])
