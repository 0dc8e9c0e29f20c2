"""The program forms. ``ProgramForm`` is the one place where form fields
become a program version's parameters (``to_params``), where parameters
become form values again (``from_params``), and where the validator's
errors, keyed by parameter path (``spend_tiers.0.rate``, ``budget.city``,
``rules.benchmark_investment.it_min``), are put back beside the fields they
belong to (``add_params_errors``).

Rates are entered as decimals from 0 to 1 (0.30 = 30%), money as decimals in
yuan; nothing passes through a float.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError
from config.forms import apply_service_error
from enterprises.forms import region_field

from ..eligibility.errors import ParamsError
from ..eligibility.explain import ordered_rules, rule_title
from ..models import Program
from .labels import (
    CATEGORY_LABELS,
    DISBURSEMENT_LABELS,
    PRICE_ABOVE_LIST_LABELS,
    RELATED_PARTY_OUTCOME_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
)
from .params import (
    CITED_STEPS,
    DISBURSEMENT_MODES,
    FUNDING_SOURCES,
    PRICE_ABOVE_LIST,
    SIZE_CLASSES,
    STAGE_LEVELS,
    ProgramParams,
)
from .services import program_code_problem

# -- how form fields and parameter paths correspond ---------------------------

# Top-level parameters with a form field of the same name.
PLAIN_FIELDS = (
    "opens_on",
    "closes_on",
    "eligible_size_classes",
    "base_rate",
    "cap_per_enterprise_year",
    "contract_signed_from",
    "contract_signed_to",
    "max_term_months",
    "min_contract_amount",
    "voucher_validity_months",
    "disbursement_mode",
    "confirmation_window_days",
    "price_above_list",
    "statement_months",
    "public_notice_days",
    "review_stages",
    "excluded_categories",
)
FACILITY_FIELDS = {"domestic": "rate_domestic", "other": "rate_other"}
BUDGET_FIELDS = {source: f"budget_{source}" for source in FUNDING_SOURCES}
TIER_ROWS = (1, 2, 3)
# Policy documents the form has rows for, and each row's fields.
POLICY_ROWS = (1, 2)
POLICY_PARTS = ("title", "issuer", "number", "issued_on", "url", "articles")
# An article line: its number (第五条), a blank or a colon, its text.
ARTICLE_LINE = re.compile(r"^(\S+?)(?:[\s\u3000]+|[:：])\s*(.*)$")
# A rule's citation: a document's title, a blank, the article (第五条).
CITE_LINE = re.compile(r"^(.+?)[\s\u3000]+(\S+)$")
CITE_HELP = _(
    "The title of one of the policy documents above, a space, the article "
    "(杭州市算力券实施细则 第五条); shown after every reason of the rule."
)
# The calculation steps a version cites an article for (params.CITED_STEPS),
# each with its field's label: in the Rates and the Caps sections.
STEP_CITE_LABELS = {
    "rate": _("The rates rest on (document and article)"),
    "cap_remaining": _("The yearly cap rests on (document and article)"),
}
STEP_CITE_HELP = _(
    "The title of one of the policy documents below, a space, the article "
    "(杭州市算力券实施细则 第五条); shown beside this step of every calculation."
)
# rule code -> {parameter: form field}
RULE_PARAM_FIELDS = {
    "enterprise_type": {"allowed_prefixes": "enterprise_type_prefixes"},
    "credit": {"lookback_years": "credit_lookback_years"},
    "benchmark_investment": {
        "from_year": "benchmark_from_year",
        "to_year": "benchmark_to_year",
        "it_min": "benchmark_it_min",
        "ai_min": "benchmark_ai_min",
    },
    "related_party": {"outcome": "related_party_outcome"},
}
# Rules not ticked on a new program (they suit only special programs).
RULES_OFF_BY_DEFAULT = frozenset({"benchmark_investment"})

RATE_HELP = _("A decimal from 0 to 1: 0.30 = 30%.")
RATE_ERRORS = {
    # Django fills in %(limit_value)s: a literal percent sign is written %%.
    "min_value": _("A rate is between 0 and 1 (0.30 = 30%%)."),
    "max_value": _("A rate is between 0 and 1 (0.30 = 30%%)."),
}


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _rate_field(label, required=True, **kwargs):
    kwargs.setdefault("help_text", RATE_HELP)
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        error_messages=RATE_ERRORS,
        **kwargs,
    )


def _money_field(label, required=True, **kwargs):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0"),
        **kwargs,
    )


def _choices(labels: dict, keys) -> list[tuple[str, Any]]:
    return [(k, labels[k]) for k in keys]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _text(value) -> str | None:
    return str(value) if value is not None else None


class ProgramForm(forms.Form):
    """A program version's parameters. Subclasses add the identity (a new
    program) or the note and effective moment (a new version)."""

    # Application window
    opens_on = _date_field(_("Applications open on"))
    closes_on = _date_field(_("Applications close on"))
    eligible_size_classes = forms.MultipleChoiceField(
        label=_("Eligible size classes"),
        choices=_choices(SIZE_LABELS, SIZE_CLASSES),
        widget=forms.CheckboxSelectMultiple,
        initial=["medium", "small", "micro"],
    )
    # Rates
    base_rate = _rate_field(
        _("Base rate"),
        help_text=_(
            "Used when the facility type is not known. A decimal from 0 to 1: "
            "0.30 = 30%."
        ),
    )
    rate_domestic = _rate_field(
        _("Rate for a domestic compute facility"),
        required=False,
        help_text=_("Optional. A decimal from 0 to 1: 0.30 = 30%."),
    )
    rate_other = _rate_field(
        _("Rate for another compute facility"),
        required=False,
        help_text=_("Optional. A decimal from 0 to 1: 0.30 = 30%."),
    )
    # Caps and budget
    cap_per_enterprise_year = _money_field(
        _("Cap per enterprise per year (yuan)"),
        help_text=_("The most one enterprise can receive in a calendar year."),
    )
    budget_province = _money_field(_("Provincial funds (yuan)"), required=False)
    budget_city = _money_field(_("City funds (yuan)"), required=False)
    budget_district = _money_field(_("County or district funds (yuan)"), required=False)
    # Contracts
    contract_signed_from = _date_field(_("Contracts signed from"))
    contract_signed_to = _date_field(_("Contracts signed until"))
    max_term_months = forms.IntegerField(
        label=_("Longest contract term (months)"),
        min_value=1,
        max_value=120,
        initial=12,
    )
    min_contract_amount = _money_field(
        _("Smallest contract amount (yuan)"),
        initial=Decimal("0.00"),
        help_text=_("0 for no minimum."),
    )
    excluded_categories = forms.MultipleChoiceField(
        label=_("Line items that do not count"),
        choices=_choices(CATEGORY_LABELS, CATEGORY_LABELS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("These parts of a contract are left out of the subsidised amount."),
    )
    # Vouchers
    voucher_validity_months = forms.IntegerField(
        label=_("Voucher validity (months)"),
        min_value=1,
        max_value=60,
        initial=12,
    )
    disbursement_mode = forms.ChoiceField(
        label=_("How the subsidy is paid"),
        choices=[
            ("", _("Choose…")),
            *_choices(DISBURSEMENT_LABELS, DISBURSEMENT_MODES),
        ],
    )
    confirmation_window_days = forms.IntegerField(
        label=_("Days before a charge confirms itself"),
        min_value=1,
        max_value=60,
        initial=7,
        required=False,
        help_text=_(
            "When the provider deducts: a charge the enterprise neither confirms "
            "nor disputes is confirmed after this many days."
        ),
    )
    price_above_list = forms.ChoiceField(
        label=_("A unit price above the list price is"),
        choices=_choices(PRICE_ABOVE_LIST_LABELS, PRICE_ABOVE_LIST),
        initial="refuse",
        required=False,
    )
    statement_months = forms.TypedChoiceField(
        label=_("A provider's statement covers"),
        choices=[
            (1, _("one month")),
            (2, _("two months")),
            (3, _("a quarter")),
            (4, _("four months")),
            (6, _("half a year")),
            (12, _("a year")),
        ],
        coerce=int,
        initial=1,
        required=False,
    )
    # Review
    review_stages = forms.MultipleChoiceField(
        label=_("Review stages"),
        choices=_choices(STAGE_LABELS, STAGE_LEVELS),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "An application goes upward through the stages ticked: county, "
            "then city, then province."
        ),
    )
    public_notice_days = forms.IntegerField(
        label=_("Public notice (working days)"),
        min_value=0,
        max_value=30,
        initial=0,
        required=False,
        help_text=_(
            "After the final approval, the enterprise, its city and the amount are "
            "published for this many working days (公示) and anyone may object; the "
            "voucher is issued when the notice ends without an objection upheld. "
            "0: issued at once."
        ),
    )
    quotas = forms.CharField(
        label=_("Regional quotas"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One city or county a line: its division code and the amount in yuan, "
            "e.g. 330100 30000000.00. What the quotas leave is the shared budget."
        ),
    )
    quota_shared_pool = forms.BooleanField(
        label=_("A region whose quota is used up draws on the shared budget"),
        required=False,
        initial=True,
    )
    # Published information (the public program page)
    summary_zh = forms.CharField(
        label=_("What it funds (Chinese)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few sentences for applicants. Empty: a sentence from the kind."),
    )
    summary_en = forms.CharField(
        label=_("What it funds (English)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; the Chinese is shown when empty."),
    )
    materials_zh = forms.CharField(
        label=_("Materials to hand in (Chinese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The 申报材料清单: one item a line."),
    )
    materials_en = forms.CharField(
        label=_("Materials to hand in (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Optional: the same items in the same order, one a line."),
    )
    contact_office_zh = forms.CharField(
        label=_("Contact office (Chinese)"), required=False, max_length=200
    )
    contact_office_en = forms.CharField(
        label=_("Contact office (English)"), required=False, max_length=200
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"), required=False, max_length=30
    )
    contact_email = forms.CharField(
        label=_("Contact e-mail"), required=False, max_length=254
    )
    # Rule parameters (the rule checkboxes are added in __init__)
    enterprise_type_prefixes = forms.CharField(
        label=_("Admitted credit code prefixes"),
        required=False,
        initial="91",
        max_length=100,
        help_text=_(
            "The first two characters of the unified social credit code, "
            "separated by commas. 91 = enterprises registered by market regulation."
        ),
    )
    credit_lookback_years = forms.IntegerField(
        label=_("Credit look-back (years)"),
        required=False,
        min_value=0,
        max_value=10,
        initial=3,
        help_text=_("Dishonesty listings removed longer ago than this do not count."),
    )
    benchmark_from_year = forms.IntegerField(
        label=_("Investment window: first year"),
        required=False,
        min_value=2000,
        max_value=2100,
    )
    benchmark_to_year = forms.IntegerField(
        label=_("Investment window: last year"),
        required=False,
        min_value=2000,
        max_value=2100,
    )
    benchmark_it_min = _money_field(
        _("IT investment in the window must exceed (yuan)"), required=False
    )
    benchmark_ai_min = _money_field(
        _("AI investment in the window must exceed (yuan)"), required=False
    )
    related_party_outcome = forms.ChoiceField(
        label=_("When enterprise and provider are related"),
        choices=_choices(RELATED_PARTY_OUTCOME_LABELS, RELATED_PARTY_OUTCOME_LABELS),
        required=False,
        initial="review",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in TIER_ROWS:
            self.fields[f"tier_{n}_max"] = _money_field(
                _("Yearly contract total up to (yuan)"), required=False
            )
            self.fields[f"tier_{n}_rate"] = _rate_field(_("Rate"), required=False)
            self.fields[f"tier_{n}_sme_only"] = forms.BooleanField(
                label=_("SMEs only"), required=False, initial=True
            )
        for n in POLICY_ROWS:
            self.fields[f"policy_{n}_title"] = forms.CharField(
                label=_("Title"), required=False, max_length=200
            )
            self.fields[f"policy_{n}_issuer"] = forms.CharField(
                label=_("Issued by"), required=False, max_length=200
            )
            self.fields[f"policy_{n}_number"] = forms.CharField(
                label=_("Document number"),
                required=False,
                max_length=60,
                help_text=_("e.g. 浙经信〔2025〕12号"),
            )
            self.fields[f"policy_{n}_issued_on"] = _date_field(
                _("Issued on"), required=False
            )
            self.fields[f"policy_{n}_url"] = forms.CharField(
                label=_("Web address"), required=False, max_length=500
            )
            self.fields[f"policy_{n}_articles"] = forms.CharField(
                label=_("Articles"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_(
                    "One article a line: its number, a space, what it says "
                    "(第五条 补贴比例为合同金额的30%)."
                ),
            )
        for rule in ordered_rules():
            self.fields[f"rule_{rule.code}"] = forms.BooleanField(
                label=rule_title(rule.code),
                required=False,
                initial=rule.code not in RULES_OFF_BY_DEFAULT,
            )
            self.fields[f"cite_{rule.code}"] = forms.CharField(
                label=_("Implements (document and article)"),
                required=False,
                max_length=240,
                help_text=CITE_HELP,
            )
        for step in CITED_STEPS:
            self.fields[f"cite_{step}"] = forms.CharField(
                label=STEP_CITE_LABELS[step],
                required=False,
                max_length=240,
                help_text=STEP_CITE_HELP,
            )
        # Parameters of rules this form has no fields for, kept as they were.
        self.kept_rule_params: dict[str, dict] = {}
        # Form row of each spend tier in the params built last (index -> row).
        self._tier_rows: list[int] = []
        # The same for the policy documents.
        self._policy_rows: list[int] = []
        self.kept_documents: list[dict] = []

    # -- building the form from parameters -----------------------------------

    @classmethod
    def initial_from_params(cls, params: dict) -> dict[str, Any]:
        p = ProgramParams.from_json(params)
        initial: dict[str, Any] = {name: getattr(p, name) for name in PLAIN_FIELDS}
        for name in ("eligible_size_classes", "review_stages", "excluded_categories"):
            initial[name] = list(initial[name])
        for facility, name in FACILITY_FIELDS.items():
            initial[name] = p.facility_rates.get(facility)
        for source, name in BUDGET_FIELDS.items():
            initial[name] = p.budget.get(source)
        for n in TIER_ROWS:
            tier = p.spend_tiers[n - 1] if n <= len(p.spend_tiers) else None
            initial[f"tier_{n}_max"] = tier.max_year_total if tier else None
            initial[f"tier_{n}_rate"] = tier.rate if tier else None
            initial[f"tier_{n}_sme_only"] = tier.sme_only if tier else True
        initial |= _public_initial(p)
        initial["quotas"] = "\n".join(
            f"{code} {amount}" for code, amount in sorted(p.quotas.items())
        )
        initial["quota_shared_pool"] = p.quota_shared_pool
        for rule in ordered_rules():
            initial[f"rule_{rule.code}"] = rule.code in p.rules
        for code in _cited_codes():
            cite = p.citations.get(code)
            initial[f"cite_{code}"] = f"{cite.document} {cite.article}" if cite else ""
        for code, fields in RULE_PARAM_FIELDS.items():
            values = p.rules.get(code, {})
            for param, name in fields.items():
                if param in values:
                    value = values[param]
                    if isinstance(value, list):
                        value = ", ".join(value)
                    elif name in ("benchmark_it_min", "benchmark_ai_min"):
                        value = Decimal(value)
                    initial[name] = value
        return initial

    @classmethod
    def from_params(cls, params: dict, data=None, **kwargs):
        """The form filled from a version's parameters (``data`` on POST)."""
        initial = {**cls.initial_from_params(params), **kwargs.pop("initial", {})}
        form = cls(data, initial=initial, **kwargs)
        parsed = ProgramParams.from_json(params)
        form.kept_rule_params = {
            code: values
            for code, values in parsed.rules.items()
            if code not in RULE_PARAM_FIELDS and values
        }
        # Documents beyond the form's rows, kept as they were.
        form.kept_documents = [
            d.to_json() for d in parsed.policy_documents[len(POLICY_ROWS) :]
        ]
        # Categories this form has no checkbox for stay choosable.
        extra = [c for c in parsed.excluded_categories if c not in CATEGORY_LABELS]
        if extra:
            field = form.fields["excluded_categories"]
            field.choices = [*field.choices, *((c, c) for c in extra)]
        return form

    # -- building parameters from the form -----------------------------------

    def to_params(self) -> dict[str, Any]:
        """The parameters as the validator takes them: money and rates as
        decimal strings, dates as ISO strings. Works on a partly valid form
        too (missing values are left out), so ``clean`` can ask the
        validator about the rest."""
        d = self.cleaned_data
        tiers, self._tier_rows = [], []
        for n in TIER_ROWS:
            limit, rate = d.get(f"tier_{n}_max"), d.get(f"tier_{n}_rate")
            if limit is not None and rate is not None:
                tiers.append(
                    {
                        "max_year_total": str(limit),
                        "rate": str(rate),
                        "sme_only": bool(d.get(f"tier_{n}_sme_only")),
                    }
                )
                self._tier_rows.append(n)
        chosen_stages = d.get("review_stages") or []
        return {
            "opens_on": _iso(d.get("opens_on")),
            "closes_on": _iso(d.get("closes_on")),
            "eligible_size_classes": list(d.get("eligible_size_classes") or []),
            "base_rate": _text(d.get("base_rate")),
            "facility_rates": {
                facility: str(d[name])
                for facility, name in FACILITY_FIELDS.items()
                if d.get(name) is not None
            },
            "spend_tiers": tiers,
            "cap_per_enterprise_year": _text(d.get("cap_per_enterprise_year")),
            "budget": {
                source: str(d[name])
                for source, name in BUDGET_FIELDS.items()
                if d.get(name) is not None
            },
            "contract_signed_from": _iso(d.get("contract_signed_from")),
            "contract_signed_to": _iso(d.get("contract_signed_to")),
            "max_term_months": d.get("max_term_months"),
            "min_contract_amount": _text(d.get("min_contract_amount")),
            "voucher_validity_months": d.get("voucher_validity_months"),
            "disbursement_mode": d.get("disbursement_mode") or None,
            "confirmation_window_days": d.get("confirmation_window_days"),
            "price_above_list": d.get("price_above_list") or None,
            "statement_months": d.get("statement_months") or None,
            "public_notice_days": d.get("public_notice_days"),
            **self._quota_params(),
            # The order is fixed: upward.
            "review_stages": [s for s in STAGE_LEVELS if s in chosen_stages],
            "excluded_categories": list(d.get("excluded_categories") or []),
            "rules": {
                rule.code: self._rule_params(rule.code)
                for rule in ordered_rules()
                if d.get(f"rule_{rule.code}")
            },
            **self._public_params(),
            **self._citation_params(),
        }

    def _citation_params(self) -> dict[str, Any]:
        """The citations of the ticked rules (a rule not used cites nothing)
        and of the calculation steps."""
        d = self.cleaned_data
        codes = [
            *(rule.code for rule in ordered_rules() if d.get(f"rule_{rule.code}")),
            *CITED_STEPS,
        ]
        citations = {}
        for code in codes:
            match = CITE_LINE.match((d.get(f"cite_{code}") or "").strip())
            if match:
                citations[code] = {
                    "document": match.group(1).strip("《》 "),
                    "article": match.group(2),
                }
        return {"citations": citations} if citations else {}

    def _public_params(self) -> dict[str, Any]:
        """The published information as the validator takes it; empty
        parts left out (they are optional)."""
        d = self.cleaned_data

        def text(zh, en):
            zh, en = (d.get(zh) or "").strip(), (d.get(en) or "").strip()
            if not (zh or en):
                return None
            return {"zh": zh, "en": en} if en else {"zh": zh}

        data: dict[str, Any] = {}
        summary = text("summary_zh", "summary_en")
        if summary:
            data["summary"] = summary
        zh_items = _lines(d.get("materials_zh"))
        en_items = _lines(d.get("materials_en"))
        if zh_items or en_items:
            data["materials"] = [
                {"zh": zh, "en": en_items[i]} if i < len(en_items) else {"zh": zh}
                for i, zh in enumerate(zh_items or [""] * len(en_items))
            ]
        office = text("contact_office_zh", "contact_office_en")
        phone = (d.get("contact_phone") or "").strip()
        email = (d.get("contact_email") or "").strip()
        if office or phone or email:
            data["contact"] = {"office": office or {}, "phone": phone, "email": email}
        documents, self._policy_rows = [], []
        for n in POLICY_ROWS:
            values = {part: d.get(f"policy_{n}_{part}") for part in POLICY_PARTS}
            if not any(values.values()):
                continue
            documents.append(
                {
                    "title": (values["title"] or "").strip(),
                    "issuer": (values["issuer"] or "").strip(),
                    "number": (values["number"] or "").strip(),
                    "issued_on": _iso(values["issued_on"]),
                    "url": (values["url"] or "").strip(),
                    "articles": [_article(line) for line in _lines(values["articles"])],
                }
            )
            self._policy_rows.append(n)
        documents += self.kept_documents
        if documents:
            data["policy_documents"] = documents
        return data

    def _rule_params(self, code: str) -> dict[str, Any]:
        values = dict(self.kept_rule_params.get(code, {}))
        for param, name in RULE_PARAM_FIELDS.get(code, {}).items():
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            values[param] = str(value) if isinstance(value, Decimal) else value
        return values

    # -- checks ---------------------------------------------------------------

    def clean_enterprise_type_prefixes(self):
        raw = self.cleaned_data["enterprise_type_prefixes"]
        prefixes = [p for p in re.split(r"[\s,，、;；]+", raw.upper()) if p]
        if any(not re.fullmatch(r"[0-9A-Z]{2}", p) for p in prefixes):
            raise forms.ValidationError(
                _("Give two-character prefixes separated by commas, e.g. 91, 92.")
            )
        return prefixes or None

    def clean(self):
        cleaned = super().clean()
        for n in TIER_ROWS:
            limit_name, rate_name = f"tier_{n}_max", f"tier_{n}_rate"
            limit, rate = cleaned.get(limit_name), cleaned.get(rate_name)
            if (limit is None) != (rate is None) and not self._has_errors(
                limit_name, rate_name
            ):
                self.add_error(
                    rate_name if rate is None else limit_name,
                    _("Give both the limit and the rate, or leave the tier empty."),
                )
        budget_names = list(BUDGET_FIELDS.values())
        if all(cleaned.get(n) is None for n in budget_names) and not self._has_errors(
            *budget_names
        ):
            self.add_error(
                budget_names[0],
                _("Give the budget of at least one funding source."),
            )
        first, last = (
            cleaned.get("benchmark_from_year"),
            cleaned.get("benchmark_to_year"),
        )
        if cleaned.get("rule_benchmark_investment") and first and last and first > last:
            self.add_error(
                "benchmark_to_year", _("The last year must not be before the first.")
            )
        for code, fields in RULE_PARAM_FIELDS.items():
            if not cleaned.get(f"rule_{code}"):
                continue
            for name in fields.values():
                if name in self.errors:
                    continue
                if cleaned.get(name) in (None, ""):
                    self.add_error(name, _("Required when this rule is used."))
        en_items = _lines(cleaned.get("materials_en"))
        if en_items and len(en_items) != len(_lines(cleaned.get("materials_zh"))):
            self.add_error(
                "materials_en",
                _("Give as many English lines as Chinese ones, in the same order."),
            )
        for code in _cited_codes():
            value = (cleaned.get(f"cite_{code}") or "").strip()
            if value and not CITE_LINE.match(value):
                self.add_error(
                    f"cite_{code}",
                    _(
                        "Give the document's title, a space and the article "
                        "(杭州市算力券实施细则 第五条)."
                    ),
                )
        # The validator has the last word, on everything the fields allow
        # (the service checks again, and whether anything has changed).
        try:
            ProgramParams.from_json(self.to_params())
        except ParamsError as exc:
            self.add_params_errors(exc.errors)
        return cleaned

    def _has_errors(self, *names: str) -> bool:
        return any(name in self.errors for name in names)

    # -- putting errors back ---------------------------------------------------

    def _quota_params(self) -> dict[str, Any]:
        lines = [
            ln.split() for ln in (self.cleaned_data.get("quotas") or "").splitlines()
        ]
        quotas = {
            parts[0]: parts[1] if len(parts) == 2 else " ".join(parts[1:])
            for parts in lines
            if parts
        }
        if not quotas:
            return {}
        return {
            "quotas": quotas,
            "quota_shared_pool": bool(self.cleaned_data.get("quota_shared_pool")),
        }

    def field_for_path(self, path: str) -> str | None:
        """The form field a parameter path belongs to (None: the whole form)."""
        parts = path.split(".")
        head, rest = parts[0], parts[1:]
        name = None
        if head in PLAIN_FIELDS:
            name = head
        elif head == "facility_rates":
            name = FACILITY_FIELDS.get(rest[0]) if rest else "rate_domestic"
        elif head == "budget":
            name = BUDGET_FIELDS.get(rest[0]) if rest else BUDGET_FIELDS["province"]
        elif head == "spend_tiers":
            row = TIER_ROWS[0]
            if rest and rest[0].isdigit() and int(rest[0]) < len(self._tier_rows):
                row = self._tier_rows[int(rest[0])]
            key = "rate" if rest[1:] == ["rate"] else "max"
            name = f"tier_{row}_{key}"
        elif head == "summary":
            name = "summary_en" if rest == ["en"] else "summary_zh"
        elif head == "materials":
            name = "materials_en" if rest[1:] == ["en"] else "materials_zh"
        elif head == "contact":
            name = {
                ("office", "en"): "contact_office_en",
                ("phone",): "contact_phone",
                ("email",): "contact_email",
            }.get(tuple(rest), "contact_office_zh")
        elif head == "policy_documents":
            row = POLICY_ROWS[0]
            if rest and rest[0].isdigit() and int(rest[0]) < len(self._policy_rows):
                row = self._policy_rows[int(rest[0])]
            part = rest[1] if len(rest) > 1 and rest[1] in POLICY_PARTS else "title"
            name = f"policy_{row}_{part}"
        elif head in ("quotas", "quota_shared_pool"):
            name = "quotas"
        elif head == "citations" and rest:
            name = f"cite_{rest[0]}"
        elif head == "rules" and rest:
            code = rest[0]
            name = RULE_PARAM_FIELDS.get(code, {}).get(rest[1]) if rest[1:] else None
            name = name or f"rule_{code}"
        return name if name in self.fields else None

    def _fields_explaining(self, path: str, name: str) -> list[str]:
        """Fields whose own error already explains the error at ``path``."""
        head = path.split(".")[0]
        if path == "budget":
            return list(BUDGET_FIELDS.values())
        if head == "spend_tiers" and name.startswith("tier_"):
            row = name.split("_")[1]
            return [f"tier_{row}_max", f"tier_{row}_rate"]
        return [name]

    def add_params_errors(self, errors: dict[str, list[str]]) -> None:
        for path, messages in errors.items():
            name = self.field_for_path(path)
            if name and self._has_errors(*self._fields_explaining(path, name)):
                continue  # its field already says what is wrong
            for message in messages:
                if name:
                    self.add_error(name, message)
                else:
                    self.add_error(None, f"{path}: {message}" if path else message)

    def apply_service_error(self, exc: ApplicationError) -> None:
        """Put a service's refusal beside its field (or above the form);
        malformed parameters beside the fields of their paths."""
        errors = getattr(exc, "errors", None)
        if errors:
            self.add_params_errors(errors)
        else:
            apply_service_error(self, exc)

    # -- for the template ---------------------------------------------------------

    def tier_rows(self):
        return [
            (
                n,
                self[f"tier_{n}_max"],
                self[f"tier_{n}_rate"],
                self[f"tier_{n}_sme_only"],
            )
            for n in TIER_ROWS
        ]

    def policy_rows(self):
        return [
            (n, [self[f"policy_{n}_{part}"] for part in POLICY_PARTS])
            for n in POLICY_ROWS
        ]

    def rule_rows(self):
        """Each rule's checkbox with the fields of its parameters and the
        field of its citation."""
        return [
            (
                rule.code,
                self[f"rule_{rule.code}"],
                [self[name] for name in RULE_PARAM_FIELDS.get(rule.code, {}).values()],
                self[f"cite_{rule.code}"],
            )
            for rule in ordered_rules()
        ]


def _cited_codes() -> list[str]:
    """What has a citation field: every rule, then the calculation steps."""
    return [*(rule.code for rule in ordered_rules()), *CITED_STEPS]


def _lines(value) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _article(line: str) -> dict[str, str]:
    """第五条 补贴比例…: {"number": "第五条", "text": "补贴比例…"} (a line
    without a text keeps it empty, for the validator to ask for)."""
    match = ARTICLE_LINE.match(line)
    if not match:
        return {"number": line, "text": ""}
    return {"number": match.group(1), "text": match.group(2).strip()}


def _public_initial(p: ProgramParams) -> dict[str, Any]:
    """The form values of a version's published information."""
    initial: dict[str, Any] = {
        "summary_zh": p.summary.zh if p.summary else "",
        "summary_en": p.summary.en if p.summary else "",
        "materials_zh": "\n".join(m.zh for m in p.materials),
        "materials_en": "\n".join(m.en for m in p.materials)
        if any(m.en for m in p.materials)
        else "",
    }
    if p.contact:
        initial |= {
            "contact_office_zh": p.contact.office.zh,
            "contact_office_en": p.contact.office.en,
            "contact_phone": p.contact.phone,
            "contact_email": p.contact.email,
        }
    for n, document in zip(POLICY_ROWS, p.policy_documents, strict=False):
        initial |= {
            f"policy_{n}_title": document.title,
            f"policy_{n}_issuer": document.issuer,
            f"policy_{n}_number": document.number,
            f"policy_{n}_issued_on": document.issued_on,
            f"policy_{n}_url": document.url,
            f"policy_{n}_articles": "\n".join(
                f"{a.number} {a.text}" for a in document.articles
            ),
        }
    return initial


class ProgramCreateForm(ProgramForm):
    code = forms.CharField(
        label=_("Program code"),
        max_length=40,
        help_text=_(
            "3–40 capital letters, digits and hyphens, e.g. HZ-COMPUTE-2026. "
            "It cannot be changed later."
        ),
    )
    name_zh = forms.CharField(label=_("Name in Chinese"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Choose…")), *Program.Kind.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = region_field(
            label=_("Region"),
            empty_label=_("Choose…"),
            help_text=_(
                "The province, a city or a county: enterprises registered there "
                "may apply."
            ),
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        problem = program_code_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code


class ProgramEditForm(ProgramForm):
    note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the new version and shown in its history."),
    )
    effective_from = forms.DateTimeField(
        label=_("Takes effect from"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text=_(
            "Leave empty for now. Applications decided before then keep the "
            "version they were decided under."
        ),
    )


class ChangeRejectForm(forms.Form):
    """Why a proposed program change is rejected (the service requires it)."""

    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def apply_service_error(self, exc) -> None:
        apply_service_error(self, exc)


class ProgramStatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=Program.Status.choices)


class QuotaMoveForm(forms.Form):
    """Move unused quota between divisions (empty: the shared budget); the
    service checks that both have a quota and that enough is unused."""

    from_region = forms.CharField(label=_("From"), required=False, max_length=6)
    to_region = forms.CharField(label=_("To"), required=False, max_length=6)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
