"""The public self-check: facts from what an SME types in, no records.

Rules that need a provider or existing records answer "not applicable";
the estimate is still limited by the yearly cap and the remaining budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from enterprises import sme

from ..models import Program
from ..selectors import program_context
from .engine import Decision, evaluate
from .facts import ContractFacts, EnterpriseFacts, Facts, Investment
from .gather import credit_entries_for


def self_check_facts(
    *, enterprise: dict[str, Any], contract: dict[str, Any] | None, today: date
) -> Facts:
    """Facts from validated input (see vouchers.api serializers): money as
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
