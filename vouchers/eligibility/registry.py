"""Rules are registered here under stable codes; a program's rule set names them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ParamsError

PASS = "pass"
FAIL = "fail"
REVIEW = "review"
NOT_APPLICABLE = "not_applicable"
OUTCOMES = (PASS, FAIL, REVIEW, NOT_APPLICABLE)


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict, with everything needed to explain it later."""

    code: str
    outcome: str
    reason_zh: str
    reason_en: str
    facts: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self, language: str | None) -> str:
        return self.reason_en if (language or "").startswith("en") else self.reason_zh

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "outcome": self.outcome,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "facts": self.facts,
            "params": self.params,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuleResult:
        return cls(**data)


@dataclass(frozen=True)
class Rule:
    code: str
    title_zh: str
    title_en: str
    func: Callable[..., RuleResult]
    # Check and normalise the rule's parameters (raise params.ParamsError).
    check_params: Callable[[dict[str, Any]], dict[str, Any]]
    # Order in which the rules run and are shown.
    order: int


RULES: dict[str, Rule] = {}


def _no_params(params: dict[str, Any]) -> dict[str, Any]:
    if params:
        raise ParamsError({"": ["This rule takes no parameters."]})
    return {}


def rule(code: str, *, title_zh: str, title_en: str, order: int, params=None):
    """Register a rule function ``f(facts, params, ctx) -> RuleResult``."""

    def decorator(func):
        if code in RULES:
            raise ValueError(f"rule {code!r} registered twice")
        RULES[code] = Rule(
            code=code,
            title_zh=title_zh,
            title_en=title_en,
            func=func,
            check_params=params or _no_params,
            order=order,
        )
        return func

    return decorator


def result(
    code: str, outcome: str, zh: str, en: str, facts=None, params=None
) -> RuleResult:
    return RuleResult(code, outcome, zh, en, facts or {}, params or {})
