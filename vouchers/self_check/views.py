"""The public eligibility self-check page (no login; nothing is stored).

The forms only render the fields: every rule is checked by the API's
serializer (serializers.py), whose errors are put beside the fields.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.formats import join_list
from config.money import percent
from enterprises.models import SizeClass
from enterprises.uscc import uscc_org_code_warning

from ..applications.links import apply_links
from ..eligibility.explain import (
    SELF_CHECK_OUTCOME_LABELS,
    calculation_rows,
    decision_answer,
)
from ..programs.labels import FACILITY_LABELS
from ..programs.selectors import program_version_at
from .api import SelfCheckThrottle, throttled_message
from .forms import (
    CONTRACT_FIELDS,
    ENTERPRISE_FIELDS,
    ContractFactsForm,
    EnterpriseFactsForm,
    InvestmentRowsForm,
    ProgramPickForm,
)
from .selectors import (
    investment_years,
    run_self_check,
    self_check_programs,
    validate_self_check,
)


def _payload(post, years) -> tuple[dict[str, Any], dict[str, str]]:
    """The serializer's input from the posted fields (empty ones left out),
    and where each investment row's errors go on the page."""
    value = {k: v.strip() for k, v in post.items() if isinstance(v, str)}

    def filled(names):
        return {n: value[n] for n in names if value.get(n)}

    payload: dict[str, Any] = filled(["program"])
    enterprise = filled(ENTERPRISE_FIELDS)
    investments, row_fields = [], {}
    for year in years:
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


def _facility_help(params) -> str:
    """What the program pays by facility type, in a sentence; "" when the
    facility does not change its rate."""
    if not params.facility_rates:
        return ""
    return _(
        "The rate of this program: %(rates)s; %(base)s when the type is not known."
    ) % {
        "rates": join_list(
            f"{label} {percent(params.facility_rates[f])}"
            for f, label in FACILITY_LABELS.items()
            if f in params.facility_rates
        ),
        "base": percent(params.base_rate),
    }


def _rate_note(params, decision, contract: dict | None) -> str:
    """Why the rate is what it is, where the facility type changes it."""
    if not params.facility_rates or decision.calculation is None:
        return ""
    facility = (contract or {}).get("facility") or ""
    if facility in params.facility_rates:
        if decision.rate == params.facility_rates[facility]:
            return str(FACILITY_LABELS[facility])
    elif decision.rate == params.base_rate:
        return _(
            "the base rate: the facility type is not known (up to %(rate)s with the right facility)"
        ) % {"rate": percent(max(params.facility_rates.values()))}
    return _("the spend tier's rate (the facility type does not matter here)")


def _result_view(program, decision, answer: dict, params, contract) -> dict[str, Any]:
    return {
        "program": program,
        "eligible": decision.eligible,
        "needs_review": decision.needs_review,
        "size_class": decision.size_class,
        "size_label": SizeClass(decision.size_class).label
        if decision.size_class in SizeClass.values
        else decision.size_class,
        "rules": [
            {
                **r,
                "outcome_label": SELF_CHECK_OUTCOME_LABELS.get(
                    r["outcome"], r["outcome"]
                ),
            }
            for r in answer["rules"]
        ],
        "rate": percent(decision.rate),
        "rate_note": _rate_note(params, decision, contract),
        "subsidy": decision.subsidy,
        "has_contract": decision.calculation is not None,
        "steps": calculation_rows(answer["calculation"]),
    }


# What the API's throttle reads off its view: the page shares the API's scope.
SELF_CHECK_SCOPE = SimpleNamespace(throttle_scope="self_check")


@require_http_methods(["GET", "POST"])
def self_check_page(request):
    """The self-check; ``?program=CODE`` (from a program's page) chooses the
    program, whose parameters decide the investment years and whether the
    facility type is asked."""
    data = request.POST if request.method == "POST" else None
    programs = self_check_programs()
    code = (data or request.GET).get("program", "").strip()
    chosen = next((params for p, params in programs if p.code == code), None)
    years, benchmark_programs = investment_years(programs, code)
    program_form = ProgramPickForm(
        data, programs=[p for p, _ in programs], initial={"program": code}
    )
    enterprise_form = EnterpriseFactsForm(data)
    investment_form = InvestmentRowsForm(data, years=years)
    contract_form = ContractFactsForm(
        data, facility_help=_facility_help(chosen) if chosen else None
    )
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
        payload, row_fields = _payload(data, years)
        validated, errors = validate_self_check(payload)
        if errors:
            top_errors = _attach_errors(errors, all_forms, row_fields)
        else:
            decision = run_self_check(validated)
            program = validated["program"]
            contract = {n: data.get(n, "") for n in CONTRACT_FIELDS}
            result = _result_view(
                program,
                decision,
                decision_answer(decision),
                chosen or program_version_at(program).parsed(),
                contract,
            )
            result["apply"] = apply_links(request.user, program.code, contract)
            warning = uscc_org_code_warning(validated["enterprise"]["credit_code"])
    return render(
        request,
        "vouchers/self_check.html",
        {
            "program_form": program_form,
            "enterprise_form": enterprise_form,
            "investment_form": investment_form,
            "investment_years": years,
            "benchmark_programs": benchmark_programs,
            "contract_form": contract_form,
            "has_errors": bool(top_errors) or any(form.errors for form in all_forms),
            "top_errors": top_errors,
            "result": result,
            "credit_code_warning": warning,
            "breadcrumbs": [(_("Eligibility self-check"), None)],
        },
    )
