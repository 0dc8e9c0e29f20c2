"""A program version's parameters: typed, validated, and stored as JSON.

Money and rates are Decimal (strings in JSON); dates are ISO strings. The
rule set is the mapping of rule codes the program uses to their parameters.
``ProgramParams.from_json`` refuses anything malformed with messages keyed by
field path, so a stored version is always well-formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from config.money import FEN
from enterprises.sme import SIZE_CLASSES

from ..eligibility.errors import ParamsError
from ..eligibility.registry import RULES

FACILITIES = ("domestic", "other")
FUNDING_SOURCES = ("province", "city", "district")
STAGE_LEVELS = ("county", "city", "province")
DISBURSEMENT_MODES = ("deduct_at_provider", "reimburse_after_payment")
# A charge above the offering's list price: refused, or accepted and flagged.
PRICE_ABOVE_LIST = ("refuse", "flag")
# A nested value not passed (as opposed to one given as None).
_UNSET = object()


@dataclass(frozen=True)
class SpendTier:
    """A higher rate when the enterprise's contracts of the year, this one
    included, total at most ``max_year_total`` (and, if ``sme_only``, the
    enterprise is an SME)."""

    max_year_total: Decimal
    rate: Decimal
    sme_only: bool = True

    def to_json(self) -> dict:
        return {
            "max_year_total": str(self.max_year_total),
            "rate": str(self.rate),
            "sme_only": self.sme_only,
        }


@dataclass(frozen=True)
class ProgramParams:
    opens_on: date
    closes_on: date
    eligible_size_classes: tuple[str, ...]
    base_rate: Decimal
    facility_rates: dict[str, Decimal]
    spend_tiers: tuple[SpendTier, ...]
    cap_per_enterprise_year: Decimal
    budget: dict[str, Decimal]
    contract_signed_from: date
    contract_signed_to: date
    max_term_months: int
    min_contract_amount: Decimal
    voucher_validity_months: int
    disbursement_mode: str
    review_stages: tuple[str, ...]
    excluded_categories: tuple[str, ...] = ()
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Redemption at the provider: days before an undisputed charge confirms
    # itself, and what a unit price above the list price gets.
    confirmation_window_days: int = 7
    price_above_list: str = "refuse"
    # Settlement: the length of a statement's period, in months (periods
    # start on the first of January and follow each other).
    statement_months: int = 1
    # Public notice (公示) after the final approval and before issuance, in
    # working days (config/workdays.py); 0: the voucher is issued at once.
    public_notice_days: int = 0

    @property
    def total_budget(self) -> Decimal:
        return sum(self.budget.values(), Decimal("0"))

    def rule_params(self, code: str) -> dict[str, Any]:
        return self.rules.get(code, {})

    def to_json(self) -> dict:
        return {
            "opens_on": self.opens_on.isoformat(),
            "closes_on": self.closes_on.isoformat(),
            "eligible_size_classes": list(self.eligible_size_classes),
            "base_rate": str(self.base_rate),
            "facility_rates": {k: str(v) for k, v in self.facility_rates.items()},
            "spend_tiers": [t.to_json() for t in self.spend_tiers],
            "cap_per_enterprise_year": str(self.cap_per_enterprise_year),
            "budget": {k: str(v) for k, v in self.budget.items()},
            "contract_signed_from": self.contract_signed_from.isoformat(),
            "contract_signed_to": self.contract_signed_to.isoformat(),
            "max_term_months": self.max_term_months,
            "min_contract_amount": str(self.min_contract_amount),
            "voucher_validity_months": self.voucher_validity_months,
            "disbursement_mode": self.disbursement_mode,
            "review_stages": list(self.review_stages),
            "excluded_categories": list(self.excluded_categories),
            "rules": self.rules,
            "confirmation_window_days": self.confirmation_window_days,
            "price_above_list": self.price_above_list,
            "statement_months": self.statement_months,
            "public_notice_days": self.public_notice_days,
        }

    @classmethod
    def from_json(cls, data: Any) -> ProgramParams:
        p = _Parser(data if isinstance(data, dict) else {})
        if not isinstance(data, dict):
            p.error("", _("The parameters must be an object."))
        opens_on = p.date("opens_on")
        closes_on = p.date("closes_on")
        signed_from = p.date("contract_signed_from")
        signed_to = p.date("contract_signed_to")
        params = {
            "opens_on": opens_on,
            "closes_on": closes_on,
            "eligible_size_classes": p.choices("eligible_size_classes", SIZE_CLASSES),
            "base_rate": p.rate("base_rate"),
            "facility_rates": p.rate_map("facility_rates", FACILITIES),
            "spend_tiers": p.tiers("spend_tiers"),
            "cap_per_enterprise_year": p.money(
                "cap_per_enterprise_year", positive=True
            ),
            "budget": p.budget("budget"),
            "contract_signed_from": signed_from,
            "contract_signed_to": signed_to,
            "max_term_months": p.integer("max_term_months", minimum=1, maximum=120),
            "min_contract_amount": p.money("min_contract_amount"),
            "voucher_validity_months": p.integer(
                "voucher_validity_months", minimum=1, maximum=60
            ),
            "disbursement_mode": p.choice("disbursement_mode", DISBURSEMENT_MODES),
            "review_stages": p.stages("review_stages"),
            "excluded_categories": p.strings("excluded_categories", required=False),
            "rules": p.rules("rules"),
            "confirmation_window_days": p.integer(
                "confirmation_window_days", minimum=1, maximum=60, default=7
            ),
            "price_above_list": p.choice(
                "price_above_list", PRICE_ABOVE_LIST, default="refuse"
            ),
            "statement_months": p.integer(
                "statement_months", minimum=1, maximum=12, default=1
            ),
            "public_notice_days": p.integer(
                "public_notice_days", minimum=0, maximum=30, default=0
            ),
        }
        months = params["statement_months"]
        if isinstance(months, int) and 1 <= months <= 12 and 12 % months:
            p.error(
                "statement_months",
                _(
                    "A statement covers 1, 2, 3, 4, 6 or 12 months (a year divides into them)."
                ),
            )
        if opens_on and closes_on and opens_on > closes_on:
            p.error("closes_on", _("The application window must close after it opens."))
        if signed_from and signed_to and signed_from > signed_to:
            p.error(
                "contract_signed_to",
                _("The latest signing date must not be before the earliest."),
            )
        if p.errors:
            raise ParamsError(p.errors)
        return cls(**params)


class _Parser:
    def __init__(self, data: dict):
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def _get(self, key, required=True):
        if key not in self.data or self.data[key] in (None, ""):
            if required:
                self.error(key, _("This field is required."))
            return None
        return self.data[key]

    def _value(self, key, path, raw):
        """The top-level field ``key``, or a nested value given as ``raw``
        (a missing one is reported under its own path)."""
        if raw is _UNSET:
            return self._get(key)
        if raw is None or raw == "":
            self.error(path, _("This field is required."))
            return None
        return raw

    def date(self, key):
        raw = self._get(key)
        if raw is None:
            return None
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            self.error(key, _("Enter a valid date (YYYY-MM-DD)."))
            return None

    def _decimal(self, path, raw):
        if isinstance(raw, float | bool):
            self.error(
                path, _("Give amounts and rates as decimal strings, not floats.")
            )
            return None
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            self.error(path, _("Enter a number."))
            return None
        if not value.is_finite():
            self.error(path, _("Enter a number."))
            return None
        return value

    def money(self, key, positive=False, path=None, raw=_UNSET):
        path = path or key
        raw = self._value(key, path, raw)
        if raw is None:
            return None
        value = self._decimal(path, raw)
        if value is None:
            return None
        if value < 0 or (positive and value == 0):
            self.error(
                path,
                _("Must be more than zero.") if positive else _("Cannot be negative."),
            )
        elif value.as_tuple().exponent < -2:
            self.error(path, _("Amounts have at most two decimal places (fen)."))
        return value.quantize(FEN)

    def rate(self, key, path=None, raw=_UNSET):
        path = path or key
        raw = self._value(key, path, raw)
        if raw is None:
            return None
        value = self._decimal(path, raw)
        if value is not None and not (Decimal("0") <= value <= Decimal("1")):
            self.error(path, _("A rate is between 0 and 1 (e.g. 0.30 for 30%)."))
        return value

    def integer(self, key, minimum, maximum, default=None):
        raw = self._get(key, required=default is None)
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.error(key, _("Enter a whole number."))
            return None
        if not minimum <= raw <= maximum:
            self.error(
                key,
                _("Enter a number from %(min)d to %(max)d.")
                % {"min": minimum, "max": maximum},
            )
        return raw

    def choice(self, key, allowed, default=None):
        raw = self._get(key, required=default is None)
        if raw is None:
            return default
        if raw not in allowed:
            self.error(
                key, _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}
            )
        return raw

    def choices(self, key, allowed):
        raw = self._get(key)
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.error(key, _("Choose at least one."))
            return ()
        bad = [v for v in raw if v not in allowed]
        if bad:
            self.error(
                key, _("Choose from: %(choices)s.") % {"choices": ", ".join(allowed)}
            )
        return tuple(v for v in allowed if v in raw)

    def strings(self, key, required=True):
        raw = self._get(key, required=required)
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
            self.error(key, _("Give a list of names."))
            return ()
        return tuple(raw)

    def rate_map(self, key, allowed):
        raw = self.data.get(key) or {}
        if not isinstance(raw, dict):
            self.error(key, _("Give a rate per facility type."))
            return {}
        result = {}
        for name, value in raw.items():
            if name not in allowed:
                self.error(f"{key}.{name}", _("Unknown facility type."))
                continue
            rate = self.rate(name, path=f"{key}.{name}", raw=value)
            if rate is not None:
                result[name] = rate
        return result

    def tiers(self, key):
        raw = self.data.get(key) or []
        if not isinstance(raw, list):
            self.error(key, _("Give a list of spend tiers."))
            return ()
        tiers = []
        for i, item in enumerate(raw):
            path = f"{key}.{i}"
            if not isinstance(item, dict):
                self.error(path, _("Each tier needs max_year_total and rate."))
                continue
            limit = self.money(
                "max_year_total",
                positive=True,
                path=f"{path}.max_year_total",
                raw=item.get("max_year_total"),
            )
            rate = self.rate("rate", path=f"{path}.rate", raw=item.get("rate"))
            if limit is None or rate is None:
                if "max_year_total" not in item or "rate" not in item:
                    self.error(path, _("Each tier needs max_year_total and rate."))
                continue
            tiers.append(SpendTier(limit, rate, bool(item.get("sme_only", True))))
        return tuple(sorted(tiers, key=lambda t: t.max_year_total))

    def budget(self, key):
        raw = self._get(key)
        if raw is None:
            return {}
        if not isinstance(raw, dict) or not raw:
            self.error(
                key, _("Give the budget by funding source (province, city, district).")
            )
            return {}
        result = {}
        for source, amount in raw.items():
            if source not in FUNDING_SOURCES:
                self.error(f"{key}.{source}", _("Unknown funding source."))
                continue
            value = self.money(
                source, positive=True, path=f"{key}.{source}", raw=amount
            )
            if value is not None:
                result[source] = value
        return result

    def stages(self, key):
        raw = self._get(key)
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.error(key, _("Give at least one review stage."))
            return ()
        if any(v not in STAGE_LEVELS for v in raw):
            self.error(key, _("Stages are county, city or province."))
            return ()
        order = [STAGE_LEVELS.index(v) for v in raw]
        if order != sorted(order) or len(set(order)) != len(order):
            self.error(
                key, _("Stages go upward (county → city → province), each once.")
            )
        return tuple(raw)

    def rules(self, key):
        # RULES is filled when the app is ready (VouchersConfig.ready).
        raw = self._get(key)
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.error(key, _("Give the rule set as rule code → parameters."))
            return {}
        result = {}
        for code, rule_params in raw.items():
            rule = RULES.get(code)
            if rule is None:
                self.error(f"{key}.{code}", _("Unknown rule."))
                continue
            if rule_params is not None and not isinstance(rule_params, dict):
                self.error(
                    f"{key}.{code}", _("Give the rule's parameters as an object.")
                )
                continue
            try:
                result[code] = rule.check_params(rule_params or {})
            except ParamsError as exc:
                for path, messages in exc.errors.items():
                    for message in messages:
                        self.error(f"{key}.{code}.{path}".rstrip("."), message)
        return result
