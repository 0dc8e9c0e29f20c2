"""The public self-check: facts from what an SME types in, no records.

Rules that need a provider or existing records answer "not applicable";
the estimate is still limited by the yearly cap and the remaining budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings

from enterprises import sme

from ..eligibility.engine import Decision, evaluate
from ..eligibility.facts import ContractFacts, EnterpriseFacts, Facts, Investment
from ..eligibility.gather import credit_entries_for
from ..models import Program
from ..programs.selectors import program_context, program_list_open, program_version_at
from .serializers import SelfCheckRequestSerializer, error_paths


def self_check_facts(
    *, enterprise: dict[str, Any], contract: dict[str, Any] | None, today: date
) -> Facts:
    """Facts from validated input (serializers.SelfCheckRequestSerializer): money as
    Decimal yuan, dates as date, codes already normalised and known."""
    group = sme.industry_group(enterprise["industry_code"])
    classification = sme.classify(
        group=group,
        employees=enterprise["employees"],
        revenue=enterprise["revenue"],
        total_assets=enterprise["total_assets"],
    )
    facts_enterprise = EnterpriseFacts(
        credit_code=enterprise["credit_code"],
        region_code=enterprise["region_code"],
        industry_code=enterprise["industry_code"],
        size_class=classification.size_class,
        employees=enterprise["employees"],
        revenue=enterprise["revenue"],
        total_assets=enterprise["total_assets"],
        established_on=enterprise.get("established_on"),
        size_basis={"inputs": classification.inputs, "steps": classification.steps},
        investments=tuple(
            Investment(year=i["year"], it=i["it"], ai=i["ai"])
            for i in sorted(
                enterprise.get("investments") or [], key=lambda i: i["year"]
            )
        ),
        credit_entries=credit_entries_for(enterprise["credit_code"]),
    )
    facts_contract = None
    if contract:
        amount: Decimal = contract["amount"]
        facts_contract = ContractFacts(
            signed_on=contract["signed_on"],
            term_months=contract["term_months"],
            amount=amount,
            eligible_amount=amount,
            year_contract_total=contract.get("year_contract_total") or amount,
            facility=contract.get("facility") or "",
        )
    return Facts(enterprise=facts_enterprise, decided_on=today, contract=facts_contract)


def self_check(
    *,
    program: Program,
    enterprise: dict[str, Any],
    contract: dict[str, Any] | None,
    today: date,
) -> Decision:
    facts = self_check_facts(enterprise=enterprise, contract=contract, today=today)
    return evaluate(program_context(program), facts)


def validate_self_check(data: Any) -> tuple[dict | None, dict[str, list[str]]]:
    """(validated data, {}) or (None, errors by field path), for the API
    and the page alike."""
    if not isinstance(data, dict):
        return None, {
            api_settings.NON_FIELD_ERRORS_KEY: [
                _("Invalid data. Expected a dictionary, but got {datatype}.").format(
                    datatype=type(data).__name__
                )
            ]
        }
    serializer = SelfCheckRequestSerializer(data=data)
    if not serializer.is_valid():
        return None, error_paths(serializer.errors)
    return serializer.validated_data, {}


def run_self_check(validated: dict) -> Decision:
    return self_check(
        program=validated["program"],
        enterprise=validated["enterprise"],
        contract=validated.get("contract"),
        today=timezone.localdate(),
    )


def self_check_programs() -> list[tuple[Program, Any]]:
    """The open programs with the parameters in force: what the page
    offers."""
    return [
        (program, program_version_at(program).parsed())
        for program in program_list_open().prefetch_related("versions")
    ]


def investment_years(
    programs: list[tuple[Program, Any]], code: str | None
) -> tuple[tuple[int, ...], list[Program]]:
    """The years to ask IT and AI investment for, and the programs that add
    them up (the benchmark rule): the chosen program's window; with none
    chosen, every year some open program's window covers."""
    chosen = [(p, params) for p, params in programs if p.code == code]
    users = [
        (p, params) for p, params in chosen or programs if params.investment_years()
    ]
    years = sorted({y for _, params in users for y in params.investment_years()})
    return tuple(years), [p for p, _ in users]
