"""SME size classification (中小企业划型), 工信部联企业〔2011〕300号 as applied by
NBS 2017 (统计上大中小微型企业划分办法(2017)).

Pure functions, no database. The thresholds live only in versioned JSON files in
``enterprises/data/`` (one per standard version); the GB/T 4754-2017 industry to
group mapping lives in ``enterprises/data/sme_industry_groups.csv``.

Rule: large, medium and small each require *all* lower bounds (>=) the group lists
for that tier. Tiers are tried large, then medium, then small; the first one fully
met wins, and a firm that meets no tier in full is micro.

Money is passed in yuan as Decimal and compared in 万元 (yuan / 10,000) exactly;
floats are refused.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, Inexact, localcontext
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
INDUSTRY_GROUPS_CSV = DATA_DIR / "sme_industry_groups.csv"

DEFAULT_STANDARD_CODE = "MIIT-2011-300"
_STANDARD_FILES = {
    "MIIT-2011-300": "sme_standard_2011.json",
}
STANDARD_CODES = tuple(_STANDARD_FILES)
"""Codes of the standard versions that load_standard() can load."""

TIERS = ("large", "medium", "small")
"""The tiers with lower bounds, in the order they are tried."""
MICRO = "micro"
SIZE_CLASSES = (*TIERS, MICRO)
SME_CLASSES = frozenset({"medium", "small", "micro"})
"""Small and medium-sized enterprises (中小企业): every class but large."""

NOT_COVERED = "not_covered"
"""Industries outside the standard: finance, public administration, international
organisations."""

INDICATORS = ("employees", "revenue", "total_assets")
# indicator -> (key of its bound in the JSON, unit of value and bound)
_BOUND_KEYS = {
    "employees": ("employees", "persons"),
    "revenue": ("revenue_wan", "wan"),
    "total_assets": ("total_assets_wan", "wan"),
}
_YUAN_PER_WAN_EXPONENT = 4  # 1 万元 = 10^4 yuan

# Real estate (K70) is split by 4-digit class (or 3-digit group).
_REAL_ESTATE_ROW = "real_estate"
_REAL_ESTATE_CLASSES = {
    "701": "real_estate_development",
    "7010": "real_estate_development",
    "702": "property_management",
    "7020": "property_management",
}
_REAL_ESTATE_OTHER = "other"

_INDUSTRY_CODE_RE = re.compile(r"([A-Z])([0-9]{2})([0-9]{1,2})?")


# --------------------------------------------------------------------------
# Standards


@dataclass(frozen=True)
class GroupThresholds:
    key: str
    name_zh: str
    name_en: str
    indicators: tuple[str, ...]
    # tier -> indicator -> lower bound (persons, or 万元 for money)
    bounds: MappingProxyType[str, MappingProxyType[str, Decimal]]


@dataclass(frozen=True)
class Standard:
    code: str
    name_zh: str
    name_en: str
    issued_on: date
    method: str
    groups: MappingProxyType[str, GroupThresholds]


def _parse_group(key: str, raw: dict[str, Any]) -> GroupThresholds:
    indicators = tuple(raw["indicators"])
    if not indicators or any(i not in INDICATORS for i in indicators):
        raise ValueError(f"Group {key!r}: bad indicators {indicators!r}")
    if len(set(indicators)) != len(indicators):
        raise ValueError(f"Group {key!r}: repeated indicators {indicators!r}")
    expected_keys = {_BOUND_KEYS[i][0] for i in indicators}
    bounds = {}
    for tier in TIERS:
        raw_tier = raw[tier]
        if set(raw_tier) != expected_keys:
            raise ValueError(
                f"Group {key!r}, tier {tier!r}: bounds {sorted(raw_tier)} do not "
                f"match indicators {sorted(expected_keys)}"
            )
        tier_bounds = {}
        for indicator in indicators:
            value = raw_tier[_BOUND_KEYS[indicator][0]]
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                raise ValueError(f"Group {key!r}, tier {tier!r}: bad bound {value!r}")
            if value < 0:
                raise ValueError(f"Group {key!r}, tier {tier!r}: negative bound")
            tier_bounds[indicator] = Decimal(value)
        bounds[tier] = MappingProxyType(tier_bounds)
    for higher, lower in pairwise(TIERS):
        for indicator in indicators:
            if bounds[higher][indicator] < bounds[lower][indicator]:
                raise ValueError(
                    f"Group {key!r}: {indicator} bound of {higher} is below {lower}"
                )
    return GroupThresholds(
        key=key,
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        indicators=indicators,
        bounds=MappingProxyType(bounds),
    )


def load_standard(code: str = DEFAULT_STANDARD_CODE) -> Standard:
    """Load (once per process) and check a standard version from its JSON file.

    Raises ValueError for an unknown code or a malformed file.
    """
    return _load_standard(code)


@cache
def _load_standard(code: str) -> Standard:
    try:
        filename = _STANDARD_FILES[code]
    except KeyError:
        raise ValueError(
            f"Unknown SME standard {code!r}; available: {', '.join(STANDARD_CODES)}"
        ) from None
    with (DATA_DIR / filename).open(encoding="utf-8") as f:
        raw = json.load(f, parse_float=Decimal)
    if raw["code"] != code:
        raise ValueError(f"{filename} holds standard {raw['code']!r}, not {code!r}")
    groups = {key: _parse_group(key, value) for key, value in raw["groups"].items()}
    if NOT_COVERED in groups:
        raise ValueError(f"{NOT_COVERED!r} is reserved and cannot be a group")
    return Standard(
        code=raw["code"],
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        issued_on=date.fromisoformat(raw["issued_on"]),
        method=raw["method"],
        groups=MappingProxyType(groups),
    )


# --------------------------------------------------------------------------
# Industry (GB/T 4754-2017) to group


@dataclass(frozen=True)
class _IndustryRange:
    section: str
    first: int
    last: int
    group: str


@cache
def _industry_ranges() -> tuple[_IndustryRange, ...]:
    ranges = []
    with INDUSTRY_GROUPS_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            start, end = row["gbt4754_from"], row["gbt4754_to"]
            if start[0] != end[0]:
                raise ValueError(f"Range {start}-{end} spans two sections")
            ranges.append(
                _IndustryRange(start[0], int(start[1:]), int(end[1:]), row["group"])
            )
    return tuple(ranges)


def industry_group(code: str) -> str:
    """The SME-standard group key for a GB/T 4754-2017 industry code.

    ``code`` is a section letter and a 2-digit division ("I65"), optionally
    followed by the rest of a 3-digit group or 4-digit class ("I651", "I6511").
    Case and surrounding whitespace are ignored. Returns one of the group keys
    of the standard, or NOT_COVERED for finance, public administration and
    international organisations. Real estate (K70) needs the group or class:
    K7010 is development, K7020 property management, other K70 classes "other".

    Raises ValueError for malformed codes, unknown sections or divisions, a
    division that does not belong to the given section, and a bare "K70".
    """
    if not isinstance(code, str):
        raise TypeError(f"An industry code is a string, got {type(code).__name__}")
    normalized = code.strip().upper()
    match = _INDUSTRY_CODE_RE.fullmatch(normalized)
    if not match:
        raise ValueError(
            f"{code!r} is not a GB/T 4754-2017 industry code: expected a section "
            "letter and a 2-digit division, optionally followed by the group/class "
            "digits, e.g. 'I65' or 'K7020'."
        )
    section, division_digits, rest = match.groups()
    division = int(division_digits)
    sections = {r.section for r in _industry_ranges()}
    if section not in sections:
        raise ValueError(
            f"{code!r}: GB/T 4754-2017 has no section {section!r} "
            f"(sections are {', '.join(sorted(sections))})."
        )
    row = next((r for r in _industry_ranges() if r.first <= division <= r.last), None)
    if row is None:
        raise ValueError(f"{code!r}: GB/T 4754-2017 has no division {division_digits}.")
    if row.section != section:
        raise ValueError(
            f"{code!r}: division {division_digits} belongs to section "
            f"{row.section}, not {section}."
        )
    if row.group != _REAL_ESTATE_ROW:
        return row.group
    if rest is None:
        raise ValueError(
            f"{code!r}: real estate needs the 4-digit class to choose the size "
            "standard: K7010 real-estate development (房地产开发经营), K7020 property "
            "management (物业管理), other K70 classes count as other industries."
        )
    return _REAL_ESTATE_CLASSES.get(division_digits + rest, _REAL_ESTATE_OTHER)


# --------------------------------------------------------------------------
# Classification


@dataclass(frozen=True)
class Classification:
    """The result of classify(), with everything needed to explain it.

    ``inputs`` holds the inputs as strings (money in yuan, as given); ``steps``
    has one entry per tier tried, in order, each
    ``{"tier", "met", "checks": [{"indicator", "value", "bound", "unit", "met"}]}``
    with value and bound as strings in the unit (persons, or 万元 for money).
    Both are JSON-serialisable, so the result can be stored with the enterprise.
    """

    size_class: str
    standard_code: str
    group: str
    inputs: dict[str, str] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_sme(self) -> bool:
        """中小微: anything but large."""
        return self.size_class != "large"

    def as_dict(self) -> dict[str, Any]:
        return {
            "size_class": self.size_class,
            "standard_code": self.standard_code,
            "group": self.group,
            "inputs": dict(self.inputs),
            "steps": [
                {**step, "checks": [dict(c) for c in step["checks"]]}
                for step in self.steps
            ],
        }


def _format_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _check_money(name: str, value: Decimal | int | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(
            f"{name} must be a Decimal amount in yuan, got {type(value).__name__}"
        )
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite amount, got {value}")
    if value < 0:
        raise ValueError(f"{name} cannot be negative, got {value}")
    return value


def _yuan_to_wan(yuan: Decimal) -> Decimal:
    # Shifting the exponent is exact; the trap makes sure no context rounds it.
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, len(yuan.as_tuple().digits) + 1)
        ctx.traps[Inexact] = True
        return yuan.scaleb(-_YUAN_PER_WAN_EXPONENT)


def classify(
    *,
    group: str,
    employees: int | None,
    revenue: Decimal | None,
    total_assets: Decimal | None,
    standard: str | Standard | None = None,
) -> Classification:
    """Classify an enterprise as large, medium, small or micro.

    ``group`` is a group key (see industry_group()); ``employees`` in persons;
    ``revenue`` and ``total_assets`` in yuan as Decimal (int accepted). Only
    the indicators the group lists are used; the others may be None.
    ``standard`` is a standard code or a loaded Standard (default: the 2011
    standard).

    Raises ValueError for NOT_COVERED, an unknown group, a negative or missing
    required input; TypeError for floats and other non-Decimal money.
    """
    if standard is None:
        standard = load_standard()
    elif isinstance(standard, str):
        standard = load_standard(standard)
    if group == NOT_COVERED:
        raise ValueError(
            "This industry is not covered by the SME size standard (finance, public "
            "administration, international organisations)."
        )
    try:
        thresholds = standard.groups[group]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown industry group {group!r} for standard {standard.code}"
        ) from None

    if employees is not None and (
        isinstance(employees, bool) or not isinstance(employees, int)
    ):
        raise TypeError(f"employees must be an int, got {type(employees).__name__}")
    if employees is not None and employees < 0:
        raise ValueError(f"employees cannot be negative, got {employees}")
    revenue = _check_money("revenue", revenue)
    total_assets = _check_money("total_assets", total_assets)

    values: dict[str, Decimal | None] = {
        "employees": None if employees is None else Decimal(employees),
        "revenue": None if revenue is None else _yuan_to_wan(revenue),
        "total_assets": None if total_assets is None else _yuan_to_wan(total_assets),
    }
    for indicator in thresholds.indicators:
        if values[indicator] is None:
            raise ValueError(
                f"{indicator} is required to classify an enterprise in group {group!r}"
            )

    inputs = {}
    if employees is not None:
        inputs["employees"] = str(employees)
    if revenue is not None:
        inputs["revenue_yuan"] = str(revenue)
    if total_assets is not None:
        inputs["total_assets_yuan"] = str(total_assets)

    steps = []
    size_class = MICRO
    for tier in TIERS:
        checks = []
        for indicator in thresholds.indicators:
            value = values[indicator]
            bound = thresholds.bounds[tier][indicator]
            checks.append(
                {
                    "indicator": indicator,
                    "value": _format_decimal(value),
                    "bound": _format_decimal(bound),
                    "unit": _BOUND_KEYS[indicator][1],
                    "met": value >= bound,
                }
            )
        met = all(check["met"] for check in checks)
        steps.append({"tier": tier, "met": met, "checks": checks})
        if met:
            size_class = tier
            break

    return Classification(
        size_class=size_class,
        standard_code=standard.code,
        group=group,
        inputs=inputs,
        steps=steps,
    )
