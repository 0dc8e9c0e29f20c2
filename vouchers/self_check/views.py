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

from config.money import percent
from enterprises.models import SizeClass
from enterprises.uscc import uscc_org_code_warning

from ..eligibility.explain import (
    SELF_CHECK_OUTCOME_LABELS,
    calculation_rows,
    decision_answer,
)
from .api import SelfCheckThrottle, throttled_message
from .forms import (
    CONTRACT_FIELDS,
    ENTERPRISE_FIELDS,
    INVESTMENT_YEARS,
    ContractFactsForm,
    EnterpriseFactsForm,
    InvestmentRowsForm,
    ProgramPickForm,
)
from .selectors import run_self_check, validate_self_check


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


def _result_view(program, decision, answer: dict) -> dict[str, Any]:
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
        "subsidy": decision.subsidy,
        "has_contract": decision.calculation is not None,
        "steps": calculation_rows(answer["calculation"]),
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
