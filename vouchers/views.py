"""The public eligibility self-check page (no login; nothing is stored).

The forms here only render the fields: every rule is checked by the API's
serializer (vouchers.serializers), whose errors are put beside the fields.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django import forms
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enterprises.models import Provider, Region, SizeClass
from enterprises.uscc import uscc_org_code_warning

from .api import (
    SelfCheckThrottle,
    decision_answer,
    run_self_check,
    throttled_message,
    validate_self_check,
)
from .eligibility.registry import FAIL, NOT_APPLICABLE, PASS, REVIEW
from .params import FACILITIES
from .selectors import program_list_open

INVESTMENT_YEARS = tuple(range(2018, 2024))

# Fields posted under the names the serializer's enterprise and contract take.
ENTERPRISE_FIELDS = (
    "credit_code",
    "region_code",
    "industry_code",
    "employees",
    "revenue",
    "total_assets",
    "established_on",
)
CONTRACT_FIELDS = (
    "signed_on",
    "term_months",
    "amount",
    "facility",
    "year_contract_total",
)


def _text(label, help_text="", **attrs) -> forms.CharField:
    # Not required and no checks of their own: the serializer checks.
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.TextInput(attrs=attrs),
    )


def _date(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _select(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, widget=forms.Select()
    )


MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class ProgramPickForm(forms.Form):
    program = _select(gettext_lazy("Voucher program"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].widget.choices = [
            ("", gettext_lazy("— choose a program —")),
            *[(p.code, f"{p.name} ({p.code})") for p in program_list_open()],
        ]


class EnterpriseFactsForm(forms.Form):
    credit_code = _text(
        gettext_lazy("Unified social credit code"),
        gettext_lazy("18 characters, as printed on the business licence."),
        autocomplete="off",
        spellcheck="false",
        maxlength="40",
    )
    region_code = _select(gettext_lazy("Registered region"))
    industry_code = _text(
        gettext_lazy("Industry (GB/T 4754-2017)"),
        gettext_lazy(
            "Section letter and 2-digit division, e.g. I65 (software and IT services) "
            "or C39; real estate needs the 4-digit class, e.g. K7020."
        ),
        maxlength="5",
    )
    employees = _text(
        gettext_lazy("Employees at year end"), inputmode="numeric", maxlength="10"
    )
    revenue = _text(
        gettext_lazy("Operating revenue (yuan)"),
        gettext_lazy("Last year's figure in yuan, e.g. 12000000.00."),
        **MONEY_ATTRS,
    )
    total_assets = _text(
        gettext_lazy("Total assets (yuan)"),
        gettext_lazy("At the end of last year, in yuan."),
        **MONEY_ATTRS,
    )
    established_on = _date(
        gettext_lazy("Date of establishment"), gettext_lazy("Optional.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.select_related("parent").order_by("code")
        self.fields["region_code"].widget.choices = [
            ("", gettext_lazy("— choose the district or county —")),
            *[(r.code, f"{_region_label(r)} ({r.code})") for r in regions],
        ]


def _region_label(region: Region) -> str:
    if region.parent_id and region.level == Region.Level.COUNTY:
        return f"{region.parent.name} · {region.name}"
    return region.name


class InvestmentRowsForm(forms.Form):
    """IT and AI investment, one row per year (optional)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for year in INVESTMENT_YEARS:
            self.fields[f"it_{year}"] = _text(
                gettext_lazy("IT investment %(year)d (yuan)") % {"year": year},
                **MONEY_ATTRS,
            )
            self.fields[f"ai_{year}"] = _text(
                gettext_lazy("Of which AI %(year)d (yuan)") % {"year": year},
                **MONEY_ATTRS,
            )

    def rows(self):
        return [
            {"year": y, "it": self[f"it_{y}"], "ai": self[f"ai_{y}"]}
            for y in INVESTMENT_YEARS
        ]


class ContractFactsForm(forms.Form):
    signed_on = _date(gettext_lazy("Contract signed on"))
    term_months = _text(
        gettext_lazy("Term (months)"), inputmode="numeric", maxlength="4"
    )
    amount = _text(gettext_lazy("Contract amount (yuan)"), **MONEY_ATTRS)
    facility = _select(
        gettext_lazy("Compute facility"),
        gettext_lazy(
            "Some programs pay a higher rate for domestic compute facilities."
        ),
    )
    year_contract_total = _text(
        gettext_lazy("This year's compute contracts in total (yuan)"),
        gettext_lazy(
            "All of the enterprise's compute contracts this year, this one "
            "included. Leave empty if this is the only one."
        ),
        **MONEY_ATTRS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Provider.Facility.choices)
        self.fields["facility"].widget.choices = [
            ("", gettext_lazy("— not known or not compute —")),
            *[(f, labels.get(f, f)) for f in FACILITIES],
        ]


def _payload(post) -> tuple[dict[str, Any], dict[str, str]]:
    """The serializer's input from the posted fields (empty ones left out),
    and where each investment row's errors go on the page."""
    value = {k: v.strip() for k, v in post.items() if isinstance(v, str)}

    def filled(names):
        return {n: value[n] for n in names if value.get(n)}

    payload: dict[str, Any] = filled(["program"])
    enterprise = filled(ENTERPRISE_FIELDS)
    investments, row_fields = [], {}
    for year in INVESTMENT_YEARS:
        it, ai = value.get(f"it_{year}", ""), value.get(f"ai_{year}", "")
        if not (it or ai):
            continue
        path = f"enterprise.investments.{len(investments)}"
        row_fields.update(
            {
                path: f"it_{year}",
                f"{path}.year": f"it_{year}",
                f"{path}.it": f"it_{year}",
                f"{path}.ai": f"ai_{year}",
            }
        )
        # An empty half of a row counts as zero.
        investments.append({"year": year, "it": it or "0", "ai": ai or "0"})
    if investments:
        enterprise["investments"] = investments
    payload["enterprise"] = enterprise
    contract = filled(CONTRACT_FIELDS)
    if contract:
        payload["contract"] = contract
    return payload, row_fields


def _attach_errors(
    errors: dict[str, list[str]], forms_: list[forms.Form], row_fields: dict
) -> list[str]:
    """Put each message beside its field; return those that have no field."""
    fields = {name: form for form in forms_ for name in form.fields}
    top: list[str] = []
    for path, messages in errors.items():
        name = row_fields.get(path) or path.rsplit(".", 1)[-1]
        form = fields.get(name) if "." in path or path == "program" else None
        for message in messages:
            if form is not None:
                form.add_error(name, message)
            else:
                top.append(message)
    return top


OUTCOME_LABELS = {
    PASS: gettext_lazy("Pass"),
    FAIL: gettext_lazy("Fail"),
    REVIEW: gettext_lazy("Needs review"),
    NOT_APPLICABLE: gettext_lazy("Checked when you apply"),
}

STEP_LABELS = {
    "eligible_amount": gettext_lazy("Eligible contract amount (yuan)"),
    "rate": gettext_lazy("Subsidy rate"),
    "rate_times_amount": gettext_lazy("Rate × amount (yuan)"),
    "cap_remaining": gettext_lazy("Yearly cap per enterprise still free (yuan)"),
    "budget_remaining": gettext_lazy("Program budget still free (yuan)"),
    "subsidy": gettext_lazy(
        "Estimated subsidy: the smallest of the three, rounded to the fen (yuan)"
    ),
}


def _percent(rate: Decimal) -> str:
    text = f"{rate * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _result_view(program, decision, answer: dict) -> dict[str, Any]:
    steps = [
        {
            "label": STEP_LABELS.get(step["step"], step["step"]),
            # Amounts go through the site's |yuan filter; the rate as percent.
            "amount": None if step["step"] == "rate" else step["value"],
            "percent": _percent(Decimal(step["value"]))
            if step["step"] == "rate"
            else None,
            "basis": step.get("basis", "")
            if (get_language() or "").startswith("en")
            else step.get("basis_zh", step.get("basis", "")),
        }
        for step in answer["calculation"]
    ]
    return {
        "program": program,
        "eligible": decision.eligible,
        "needs_review": decision.needs_review,
        "size_class": decision.size_class,
        "size_label": SizeClass(decision.size_class).label
        if decision.size_class in SizeClass.values
        else decision.size_class,
        "rules": [
            {**r, "outcome_label": OUTCOME_LABELS.get(r["outcome"], r["outcome"])}
            for r in answer["rules"]
        ],
        "rate": _percent(decision.rate),
        "subsidy": decision.subsidy,
        "has_contract": decision.calculation is not None,
        "steps": steps,
    }


# What the API's throttle reads off its view: the page shares the API's scope.
SELF_CHECK_SCOPE = SimpleNamespace(throttle_scope="self_check")


@require_http_methods(["GET", "POST"])
def self_check_page(request):
    data = request.POST if request.method == "POST" else None
    program_form = ProgramPickForm(data)
    enterprise_form = EnterpriseFactsForm(data)
    investment_form = InvestmentRowsForm(data)
    contract_form = ContractFactsForm(data)
    all_forms = [program_form, enterprise_form, investment_form, contract_form]
    result = None
    warning = None
    top_errors: list[str] = []
    throttle = SelfCheckThrottle()
    if data is not None and not throttle.allow_request(request, SELF_CHECK_SCOPE):
        # The page shares the API's per-client limit.
        top_errors.append(throttled_message(throttle.wait()))
        data = None
    if data is not None:
        for form in all_forms:
            form.is_valid()  # binds cleaned_data so errors can be added
        payload, row_fields = _payload(data)
        validated, errors = validate_self_check(payload)
        if errors:
            top_errors = _attach_errors(errors, all_forms, row_fields)
        else:
            decision = run_self_check(validated)
            result = _result_view(
                validated["program"], decision, decision_answer(decision)
            )
            warning = uscc_org_code_warning(validated["enterprise"]["credit_code"])
    return render(
        request,
        "vouchers/self_check.html",
        {
            "program_form": program_form,
            "enterprise_form": enterprise_form,
            "investment_form": investment_form,
            "contract_form": contract_form,
            "has_errors": bool(top_errors) or any(form.errors for form in all_forms),
            "top_errors": top_errors,
            "result": result,
            "credit_code_warning": warning,
            "breadcrumbs": [(_("Eligibility self-check"), None)],
        },
    )
