"""Rules are registered here under stable codes; a program's rule set names them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .citations import cited_reason
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
    # The article the version says the rule implements ({"document": title,
    # "article": number}), set by the engine; None when the version cites none.
    cite: dict[str, str] | None = None

    def reason(self, language: str | None) -> str:
        """The bare reason (without the citation: see ``shown_reason``)."""
        return self.reason_en if (language or "").startswith("en") else self.reason_zh

    def shown_reason(self, language: str | None) -> str:
        """The reason as it is shown: followed by its citation."""
        return cited_reason(self.reason(language), self.cite, language)

    def to_json(self) -> dict[str, Any]:
        data = {
            "code": self.code,
            "outcome": self.outcome,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "facts": self.facts,
            "params": self.params,
        }
        # Only when cited, so decisions of versions without citations are
        # stored (and re-explained) exactly as before.
        if self.cite:
            data["cite"] = self.cite
        return data

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
