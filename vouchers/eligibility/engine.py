"""Run a program version's rule set over facts and compute the subsidy.

Subsidy = min(rate × eligible contract amount, remaining enterprise cap,
remaining program budget), rounded half-up to the fen. The calculation is
returned step by step, and the whole decision (rules, rate, subsidy) is
JSON-serialisable so it can be stored and re-explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from config.money import ZERO, quantize
from enterprises.sme import SME_CLASSES

from ..programs.params import ProgramParams
from . import rules as _rules  # noqa: F401  (registers the rules it runs)
from .facts import Facts
from .registry import FAIL, REVIEW, RULES, RuleResult

ENGINE_VERSION = "1"


@dataclass(frozen=True)
class ProgramContext:
    """The program as a decision sees it: identity, region, kind, and one
    version's parameters, plus the budget still free when deciding."""

    code: str
    version: int
    kind: str
    region_code: str
    region_prefix: str
    region_name_zh: str
    region_name_en: str
    params: ProgramParams
    budget_remaining: Decimal
    calculation: Calculation | None = None


@dataclass(frozen=True)
class Calculation:
    eligible_amount: Decimal
    rate: Decimal
    rate_basis: str
    gross: Decimal
    gross_rounded: Decimal
    cap_remaining: Decimal
    budget_remaining: Decimal
    subsidy: Decimal
    steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    program: str
    version: int
    rules: list[RuleResult]
    eligible: bool
    needs_review: bool
    size_class: str
    rate: Decimal
    subsidy: Decimal
    calculation: Calculation | None
    engine_version: str = ENGINE_VERSION

    def to_json(self) -> dict[str, Any]:
        calc = self.calculation
        return {
            "program": self.program,
            "version": self.version,
            "engine_version": self.engine_version,
            "eligible": self.eligible,
            "needs_review": self.needs_review,
            "size_class": self.size_class,
            "rate": str(self.rate),
            "subsidy": str(self.subsidy),
            "rules": [r.to_json() for r in self.rules],
            "steps": calc.steps if calc else [],
        }


def select_rate(params: ProgramParams, facts: Facts) -> tuple[Decimal, str, str]:
    """The rate and a short note of why (en, zh): the best spend tier that
    applies, else the rate of the provider's facility type, else the base
    rate."""
    contract = facts.contract
    is_sme = facts.enterprise.size_class in SME_CLASSES
    if contract is not None:
        applicable = [
            t
            for t in params.spend_tiers
            if contract.year_contract_total <= t.max_year_total
            and (is_sme or not t.sme_only)
        ]
        if applicable:
            best = max(applicable, key=lambda t: t.rate)
            who = "SME " if best.sme_only else ""
            who_zh = "中小企业" if best.sme_only else ""
            return (
                best.rate,
                f"spend tier: {who}year total {contract.year_contract_total} "
                f"<= {best.max_year_total}",
                f"{who_zh}年度合同合计 {contract.year_contract_total} ≤ {best.max_year_total}",
            )
        if contract.facility and contract.facility in params.facility_rates:
            facility_zh = {"domestic": "国产算力设施", "other": "其他算力设施"}
            return (
                params.facility_rates[contract.facility],
                f"facility: {contract.facility}",
                f"算力设施：{facility_zh.get(contract.facility, contract.facility)}",
            )
    return params.base_rate, "base rate", "基础补贴比例"


def calculate(ctx: ProgramContext, facts: Facts) -> Calculation | None:
    if facts.contract is None:
        return None
    params = ctx.params
    rate, basis, basis_zh = select_rate(params, facts)
    eligible = facts.contract.eligible_amount
    gross = rate * eligible
    gross_rounded = quantize(gross)
    committed = facts.history.enterprise_year_committed if facts.history else ZERO
    cap_remaining = max(params.cap_per_enterprise_year - committed, ZERO)
    budget_remaining = max(ctx.budget_remaining, ZERO)
    subsidy = quantize(min(gross, cap_remaining, budget_remaining))
    steps = [
        {"step": "eligible_amount", "value": str(eligible)},
        _cited_step(
            params,
            {"step": "rate", "value": str(rate), "basis": basis, "basis_zh": basis_zh},
        ),
        {"step": "rate_times_amount", "value": str(gross)},
        _cited_step(
            params,
            {
                "step": "cap_remaining",
                "value": str(cap_remaining),
                "basis": f"{params.cap_per_enterprise_year} - {committed}",
                "basis_zh": f"{params.cap_per_enterprise_year} − {committed}（本年度已占用）",
            },
        ),
        {"step": "budget_remaining", "value": str(budget_remaining)},
        {
            "step": "subsidy",
            "value": str(subsidy),
            "basis": "min(...), rounded half-up to the fen",
            "basis_zh": "取三者最小值，四舍五入到分",
        },
    ]
    return Calculation(
        eligible_amount=eligible,
        rate=rate,
        rate_basis=basis,
        gross=gross,
        gross_rounded=gross_rounded,
        cap_remaining=cap_remaining,
        budget_remaining=budget_remaining,
        subsidy=subsidy,
        steps=steps,
    )


def _cited_step(params: ProgramParams, step: dict[str, Any]) -> dict[str, Any]:
    """The step with the article the version says its figure comes from
    (``cite``, only when cited: a step of a version citing none is stored,
    and re-explained, exactly as before steps could cite)."""
    cite = params.citation(step["step"])
    return {**step, "cite": cite} if cite else step


def _cited(result: RuleResult, cite: dict[str, str] | None) -> RuleResult:
    """The rule's result with the article the version says it implements."""
    return replace(result, cite=cite) if cite else result


def evaluate(ctx: ProgramContext, facts: Facts) -> Decision:
    """Run every rule of the version's rule set, in rule order."""
    calc = calculate(ctx, facts)
    run_ctx = ProgramContext(**{**ctx.__dict__, "calculation": calc})
    codes = sorted(ctx.params.rules, key=lambda code: RULES[code].order)
    results = [
        _cited(
            RULES[code].func(facts, ctx.params.rule_params(code), run_ctx),
            ctx.params.citation(code),
        )
        for code in codes
    ]
    eligible = not any(r.outcome == FAIL for r in results)
    rate = calc.rate if calc else select_rate(ctx.params, facts)[0]
    return Decision(
        program=ctx.code,
        version=ctx.version,
        rules=results,
        eligible=eligible,
        needs_review=any(r.outcome == REVIEW for r in results),
        size_class=facts.enterprise.size_class,
        rate=rate,
        subsidy=calc.subsidy if (calc and eligible) else ZERO,
        calculation=calc,
    )
