"""A program version's parameters: typed, validated, and stored as JSON.

Money and rates are Decimal (strings in JSON); dates are ISO strings. The
rule set is the mapping of rule codes the program uses to their parameters.
``ProgramParams.from_json`` refuses anything malformed with messages keyed by
field path, so a stored version is always well-formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import get_language
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
# Steps of the subsidy calculation (eligibility.engine.calculate) a version
# may cite an article for, beside its rules: the rate (base, tier or
# facility) and the yearly cap per enterprise. No rule has these codes.
CITED_STEPS = ("rate", "cap_remaining")
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
class Text:
    """A text written in Chinese and, optionally, in English; shown in the
    reader's language (the Chinese when there is no English)."""

    zh: str
    en: str = ""

    def __str__(self) -> str:
        if self.en and (get_language() or "").startswith("en"):
            return self.en
        return self.zh

    def to_json(self) -> dict:
        return {"zh": self.zh, "en": self.en} if self.en else {"zh": self.zh}


@dataclass(frozen=True)
class PolicyArticle:
    """One article of a policy document: its number as the document writes
    it (第五条) and a short text of what it says."""

    number: str
    text: str

    def to_json(self) -> dict:
        return {"number": self.number, "text": self.text}


@dataclass(frozen=True)
class PolicyDocument:
    """A policy document the program rests on (a 实施细则, a 若干措施),
    as published: in Chinese. Titles are unique in a version and article
    numbers in a document, so a citation is (title, article number)."""

    title: str
    issuer: str
    number: str = ""  # 文号, e.g. 浙经信〔2025〕12号
    issued_on: date | None = None
    url: str = ""
    articles: tuple[PolicyArticle, ...] = ()

    def article(self, number: str) -> PolicyArticle | None:
        return next((a for a in self.articles if a.number == number), None)

    def to_json(self) -> dict:
        data: dict[str, Any] = {"title": self.title, "issuer": self.issuer}
        if self.number:
            data["number"] = self.number
        if self.issued_on:
            data["issued_on"] = self.issued_on.isoformat()
        if self.url:
            data["url"] = self.url
        data["articles"] = [a.to_json() for a in self.articles]
        return data


@dataclass(frozen=True)
class Citation:
    """What a rule implements: an article of one of the version's policy
    documents, named by the document's title and the article's number."""

    document: str
    article: str

    def to_json(self) -> dict:
        return {"document": self.document, "article": self.article}


@dataclass(frozen=True)
class Contact:
    """Who answers applicants' questions: an office, a phone, an e-mail."""

    office: Text
    phone: str = ""
    email: str = ""

    def to_json(self) -> dict:
        data: dict[str, Any] = {"office": self.office.to_json()}
        if self.phone:
            data["phone"] = self.phone
        if self.email:
            data["email"] = self.email
        return data


# The published program's information, with its empty value: a version
# stored before these existed reads as empty, and to_json leaves empty ones
# out, so such a version's document stays exactly as it was stored.
PUBLIC_DEFAULTS: dict[str, Any] = {
    "summary": None,
    "policy_documents": (),
    "materials": (),
    "contact": None,
    "citations": {},
}
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,29}$")


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
    # Quotas (名额/额度) of the budget by city or county (division code ->
    # yuan), carved out of the budget; the rest is the shared pool. A
    # voucher draws on its enterprise's quota first and, when
    # ``quota_shared_pool``, then on the shared pool (vouchers/ledger).
    quotas: dict[str, Decimal] = field(default_factory=dict)
    quota_shared_pool: bool = True
    # What the public program page says (binding on applicants, so changed
    # like every parameter): what it funds, the policy documents and their
    # articles, the materials to hand in (申报材料清单), and a contact.
    summary: Text | None = None
    policy_documents: tuple[PolicyDocument, ...] = ()
    materials: tuple[Text, ...] = ()
    contact: Contact | None = None
    # Rule code -> the article it implements (kept apart from the rules'
    # own parameters: the rules never see it, the engine copies it into
    # each result; see docs/architecture.md "Rules that cite their source"),
    # and calculation step (CITED_STEPS) -> the article of its figure, which
    # the engine copies into the step.
    citations: dict[str, Citation] = field(default_factory=dict)

    @property
    def total_budget(self) -> Decimal:
        return sum(self.budget.values(), Decimal("0"))

    def rule_params(self, code: str) -> dict[str, Any]:
        return self.rules.get(code, {})

    def policy_article(
        self, title: str, number: str
    ) -> tuple[PolicyDocument, PolicyArticle] | None:
        """The document titled ``title`` and its article ``number`` (what a
        citation such as 杭州市算力券实施细则 第五条 refers to), or None."""
        for document in self.policy_documents:
            if document.title == title:
                article = document.article(number)
                return (document, article) if article else None
        return None

    def citation(self, code: str) -> dict[str, str] | None:
        """The citation of rule or calculation step ``code`` as a rule result
        or a step stores it, or None."""
        cite = self.citations.get(code)
        return cite.to_json() if cite else None

    def investment_years(self) -> tuple[int, ...]:
        """The years whose IT and AI investment the benchmark rule adds up
        (empty when the program does not use the rule)."""
        params = self.rules.get("benchmark_investment")
        if not params:
            return ()
        return tuple(range(params["from_year"], params["to_year"] + 1))

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
            # Only when set, so versions from before it read back unchanged.
            **(
                {"public_notice_days": self.public_notice_days}
                if self.public_notice_days
                else {}
            ),
            **(
                {
                    "quotas": {k: str(v) for k, v in sorted(self.quotas.items())},
                    "quota_shared_pool": self.quota_shared_pool,
                }
                if self.quotas
                else {}
            ),
            **self._public_json(),
        }

    def _public_json(self) -> dict:
        data: dict[str, Any] = {}
        if self.summary:
            data["summary"] = self.summary.to_json()
        if self.policy_documents:
            data["policy_documents"] = [d.to_json() for d in self.policy_documents]
        if self.materials:
            data["materials"] = [m.to_json() for m in self.materials]
        if self.contact:
            data["contact"] = self.contact.to_json()
        if self.citations:
            data["citations"] = {
                code: cite.to_json() for code, cite in self.citations.items()
            }
        return data

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
            "quotas": p.quotas("quotas"),
            "quota_shared_pool": p.boolean("quota_shared_pool", default=True),
            "summary": p.text_value("summary", required=False),
            "policy_documents": p.policy_documents("policy_documents"),
            "materials": p.materials("materials"),
            "contact": p.contact("contact"),
        }
        params["citations"] = p.citations(
            "citations", params["rules"], params["policy_documents"]
        )
        budget_total = sum(params["budget"].values(), Decimal("0"))
        if (
            params["budget"]
            and sum(params["quotas"].values(), Decimal("0")) > budget_total
        ):
            p.error(
                "quotas",
                _("The quotas add up to more than the budget (%(budget)s yuan).")
                % {"budget": f"{budget_total:,.2f}"},
            )
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

    def quotas(self, key):
        """Division code (six digits, a city or a county) -> a positive
        amount; that the divisions exist and lie in the program's region is
        checked by the programs' services, which know the program."""
        raw = self.data.get(key)
        if raw in (None, "", {}):
            return {}
        if not isinstance(raw, dict):
            self.error(key, _("Give the quotas by division code."))
            return {}
        result = {}
        for code, amount in raw.items():
            if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
                self.error(
                    f"{key}.{code}", _("A quota is given to a six-digit division code.")
                )
                continue
            value = self.money(code, positive=True, path=f"{key}.{code}", raw=amount)
            if value is not None:
                result[code] = value
        return result

    def boolean(self, key, default):
        raw = self.data.get(key, default)
        if not isinstance(raw, bool):
            self.error(key, _("Answer true or false."))
            return default
        return raw

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

    # -- the published information -------------------------------------------

    def _plain(self, path, raw, *, max_length, required=True):
        """A trimmed one-language text at ``path`` ("" when absent and not
        required)."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.error(path, _("This field is required."))
            return ""
        if not isinstance(raw, str):
            self.error(path, _("Give a text."))
            return ""
        value = raw.strip()
        if len(value) > max_length:
            self.error(
                path,
                _("At most %(n)d characters (this has %(length)d).")
                % {"n": max_length, "length": len(value)},
            )
        return value

    def text_value(self, key, *, path=None, raw=_UNSET, required=True, max_length=2000):
        """A ``Text``: {"zh": ..., "en": ...}, the Chinese required."""
        path = path or key
        if raw is _UNSET:
            raw = self.data.get(key)
        if raw is None or raw == {}:
            if required:
                self.error(path, _("This field is required."))
            return None
        if not isinstance(raw, dict):
            self.error(path, _('Give the text as {"zh": …, "en": …}.'))
            return None
        unknown = set(raw) - {"zh", "en"}
        if unknown:
            self.error(path, _('Give the text as {"zh": …, "en": …}.'))
            return None
        zh = self._plain(f"{path}.zh", raw.get("zh"), max_length=max_length)
        en = self._plain(
            f"{path}.en", raw.get("en"), max_length=max_length, required=False
        )
        return Text(zh, en) if zh else None

    def _list(self, key):
        raw = self.data.get(key)
        if raw in (None, []):
            return []
        if not isinstance(raw, list):
            self.error(key, _("Give a list."))
            return []
        return raw

    def materials(self, key):
        items = []
        for i, raw in enumerate(self._list(key)):
            text = self.text_value(key, path=f"{key}.{i}", raw=raw, max_length=300)
            if text:
                items.append(text)
        return tuple(items)

    def policy_documents(self, key):
        documents, titles = [], set()
        for i, raw in enumerate(self._list(key)):
            path = f"{key}.{i}"
            if not isinstance(raw, dict):
                self.error(path, _("Each document needs a title and an issuer."))
                continue
            title = self._plain(f"{path}.title", raw.get("title"), max_length=200)
            issuer = self._plain(f"{path}.issuer", raw.get("issuer"), max_length=200)
            number = self._plain(
                f"{path}.number", raw.get("number"), max_length=60, required=False
            )
            issued_on = None
            if raw.get("issued_on") not in (None, ""):
                try:
                    issued_on = date.fromisoformat(str(raw["issued_on"]))
                except ValueError:
                    self.error(
                        f"{path}.issued_on", _("Enter a valid date (YYYY-MM-DD).")
                    )
            url = self._plain(
                f"{path}.url", raw.get("url"), max_length=500, required=False
            )
            if url:
                try:
                    URLValidator(schemes=["http", "https"])(url)
                except ValidationError:
                    self.error(
                        f"{path}.url", _("Enter a web address starting with https://.")
                    )
            if title and title in titles:
                self.error(
                    f"{path}.title",
                    _(
                        "Another document has this title: titles are what citations name."
                    ),
                )
            titles.add(title)
            articles = self._articles(f"{path}.articles", raw.get("articles"))
            if title and issuer:
                documents.append(
                    PolicyDocument(title, issuer, number, issued_on, url, articles)
                )
        return tuple(documents)

    def _articles(self, path, raw):
        if raw in (None, []):
            return ()
        if not isinstance(raw, list):
            self.error(path, _("Give a list of articles."))
            return ()
        articles, numbers = [], set()
        for i, item in enumerate(raw):
            at = f"{path}.{i}"
            if not isinstance(item, dict):
                self.error(at, _("Each article needs a number and a text."))
                continue
            number = self._plain(f"{at}.number", item.get("number"), max_length=30)
            text = self._plain(f"{at}.text", item.get("text"), max_length=500)
            if number and number in numbers:
                self.error(
                    f"{at}.number",
                    _("The document has article %(n)s twice.") % {"n": number},
                )
            numbers.add(number)
            if number and text:
                articles.append(PolicyArticle(number, text))
        return tuple(articles)

    def citations(self, key, rules, documents):
        """Rule code or calculation step -> {"document": title, "article":
        number}: each rule in the version's rule set or a step of
        ``CITED_STEPS``, each article in one of its documents."""
        raw = self.data.get(key)
        if raw in (None, {}):
            return {}
        if not isinstance(raw, dict):
            self.error(
                key, _("Give the citations as rule code → document and article.")
            )
            return {}
        by_title = {d.title: d for d in documents}
        # Rules named in the rule set, whether or not their parameters are
        # valid (those already have their own error); when the rule set is
        # not even a mapping, its error says it all.
        raw_rules = self.data.get("rules")
        used = set(raw_rules) if isinstance(raw_rules, dict) else set(RULES)
        result = {}
        for code, item in raw.items():
            path = f"{key}.{code}"
            # Every version calculates the rate and the cap: a step is used.
            if code not in RULES and code not in CITED_STEPS:
                self.error(path, _("Unknown rule or calculation step."))
                continue
            if code in RULES and code not in rules and code not in used:
                self.error(path, _("This version does not use this rule."))
                continue
            if not isinstance(item, dict) or set(item) - {"document", "article"}:
                self.error(path, _("Give the citation as a document and an article."))
                continue
            title = self._plain(
                f"{path}.document", item.get("document"), max_length=200
            )
            number = self._plain(f"{path}.article", item.get("article"), max_length=30)
            if not (title and number):
                continue
            document = by_title.get(title)
            if document is None:
                self.error(
                    f"{path}.document",
                    _("This version lists no policy document titled 《%(title)s》.")
                    % {"title": title},
                )
            elif document.article(number) is None:
                self.error(
                    f"{path}.article",
                    _("《%(title)s》 as this version lists it has no article %(n)s.")
                    % {"title": title, "n": number},
                )
            else:
                result[code] = Citation(title, number)
        return result

    def contact(self, key):
        raw = self.data.get(key)
        if raw in (None, {}):
            return None
        if not isinstance(raw, dict):
            self.error(key, _("Give the contact as an office, a phone and an e-mail."))
            return None
        office = self.text_value(
            key, path=f"{key}.office", raw=raw.get("office"), max_length=200
        )
        phone = self._plain(
            f"{key}.phone", raw.get("phone"), max_length=30, required=False
        )
        if phone and not PHONE.match(phone):
            self.error(
                f"{key}.phone",
                _(
                    "Enter a phone number of digits, spaces and hyphens, e.g. 0571-85251234."
                ),
            )
        email = self._plain(
            f"{key}.email", raw.get("email"), max_length=254, required=False
        )
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.error(f"{key}.email", _("Enter a valid e-mail address."))
        if not (phone or email) and office:
            self.error(f"{key}.phone", _("Give a phone number or an e-mail address."))
        return Contact(office, phone, email) if office else None
