"""Decisions in the reader's language: rule titles, outcome labels for each
audience, and a decision as the API and the pages show it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from config.money import percent, yuan

from .citations import citation_text, cited_reason
from .engine import Decision
from .registry import FAIL, NOT_APPLICABLE, PASS, REVIEW, RULES, Rule

# A rule's outcome, as reviewers and program staff read it.
OUTCOME_LABELS = {
    PASS: _("Pass"),
    FAIL: _("Fail"),
    REVIEW: _("Needs review"),
    NOT_APPLICABLE: _("Not applicable"),
}
# As the applicant reads it on their own application, before it is reviewed.
APPLICANT_OUTCOME_LABELS = OUTCOME_LABELS | {
    REVIEW: _("Needs a reviewer's check"),
    NOT_APPLICABLE: _("Not applicable yet"),
}
# On the public self-check, where rules needing a contract or a provider wait.
SELF_CHECK_OUTCOME_LABELS = OUTCOME_LABELS | {
    NOT_APPLICABLE: _("Checked when you apply"),
}


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def rule_title(code: str) -> str:
    """The rule's title in the active language (the code if unknown)."""
    rule = RULES.get(code)
    if rule is None:
        return code
    return rule.title_en if _english() else rule.title_zh


def ordered_rules() -> list[Rule]:
    """Every registered rule, in the order they run and are shown."""
    return sorted(RULES.values(), key=lambda r: r.order)


def decision_answer(decision: Decision) -> dict[str, Any]:
    """The decision's data, reasons and titles in the active language (what
    the self-check API answers, and what the pages show)."""
    language = translation.get_language()
    return {
        "program": decision.program,
        "version": decision.version,
        "eligible": decision.eligible,
        "needs_review": decision.needs_review,
        "size_class": decision.size_class,
        "rules": [
            {
                "code": r.code,
                "title": rule_title(r.code),
                "outcome": r.outcome,
                "reason": r.shown_reason(language),
                "citation": citation_text(r.cite, language),
            }
            for r in decision.rules
        ],
        "rate": decision.rate,
        "subsidy": decision.subsidy,
        # Each step as stored, with its citation in words ("" when none).
        "calculation": [
            {**step, "citation": citation_text(step.get("cite"), language)}
            for step in (decision.calculation.steps if decision.calculation else [])
        ],
    }


def stored_rules(result: dict[str, Any] | None, labels=OUTCOME_LABELS) -> list[dict]:
    """A stored decision's rule results (``EligibilityDecision.result``), in
    the active language."""
    language = translation.get_language()
    return [
        {
            "code": r["code"],
            "title": rule_title(r["code"]),
            "outcome": r["outcome"],
            "outcome_label": labels.get(r["outcome"], r["outcome"]),
            "reason": stored_reason(r, language),
            "citation": citation_text(r.get("cite"), language),
            "facts": r.get("facts") or {},
        }
        for r in (result or {}).get("rules", [])
    ]


def stored_reason(rule: dict[str, Any], language: str | None) -> str:
    """A stored rule result's reason as it is shown: in ``language``, followed
    by the citation stored with it (none for versions that cite nothing)."""
    english = (language or "").startswith("en")
    reason = (rule.get("reason_en") if english else rule.get("reason_zh")) or ""
    return cited_reason(reason, rule.get("cite"), language)


# The subsidy calculation's steps (engine.calculate), as the pages name them.
STEP_LABELS = {
    "eligible_amount": _("Eligible contract amount (yuan)"),
    "rate": _("Subsidy rate"),
    "rate_times_amount": _("Rate × amount (yuan)"),
    "cap_remaining": _("Yearly cap per enterprise still free (yuan)"),
    "budget_remaining": _("Program budget still free (yuan)"),
    "subsidy": _(
        "Estimated subsidy: the smallest of the three, rounded to the fen (yuan)"
    ),
}


# An amount in yuan inside a stored basis text ("年度合同合计 500000.00 ≤ …").
_AMOUNT = re.compile(r"(?<![\d.,])\d+\.\d{2}(?![\d])")


def readable_amounts(text: str) -> str:
    """The basis as a reader sees amounts everywhere else: with thousands
    separators (500000.00 → 500,000.00). Stored decisions keep the plain
    figures; this is display only."""
    return _AMOUNT.sub(lambda m: yuan(Decimal(m.group(0))), text)


def calculation_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calculation's steps for a page: each with its label, its value
    (``amount`` for yuan, ``percent`` for the rate), the basis in the
    active language and the article the step's figure comes from
    (``citation``, "" when the version cites none)."""
    english = _english()
    language = translation.get_language()
    rows = []
    for step in steps:
        is_rate = step["step"] == "rate"
        rows.append(
            {
                "step": step["step"],
                "label": STEP_LABELS.get(step["step"], step["step"]),
                "value": step["value"],
                # Amounts go through the site's |yuan filter; the rate as percent.
                "amount": None if is_rate else step["value"],
                "percent": percent(Decimal(step["value"])) if is_rate else None,
                "basis": readable_amounts(
                    step.get("basis", "")
                    if english
                    else step.get("basis_zh", step.get("basis", ""))
                ),
                "citation": citation_text(step.get("cite"), language),
            }
        )
    return rows


# -- a stored decision beside the same decision made again ------------------------

SUMMARY_LABELS = {
    "eligible": _("Eligible"),
    "needs_review": _("Needs review"),
    "rate": _("Subsidy rate"),
    "subsidy": _("Estimated subsidy (yuan)"),
}


def _summary_text(key: str, value: Any) -> str:
    """One outcome of a decision as the pages write it (— when missing)."""
    if value is None:
        return "—"
    if key in ("eligible", "needs_review"):
        return str(_("Yes") if value else _("No"))
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return percent(amount) if key == "rate" else yuan(amount)


def _aligned(stored: list[dict], again: list[dict], key: str) -> list[tuple]:
    """Pairs (name, stored item, again item) of two lists of dicts matched by
    ``key``: in the stored order, then what only the rerun has."""
    by_key = {item[key]: item for item in again}
    pairs = [(item[key], item, by_key.get(item[key])) for item in stored]
    seen = {item[key] for item in stored}
    pairs += [(item[key], None, item) for item in again if item[key] not in seen]
    return pairs


def side_by_side(
    stored: dict[str, Any], again: dict[str, Any], labels=OUTCOME_LABELS
) -> dict[str, list[dict[str, Any]]]:
    """A stored decision (``EligibilityDecision.result``) beside the same
    decision made again (``Decision.to_json``), in the active language, for
    the decision page and ``manage.py decision_reexplain``: the outcome
    (``summary``), each rule matched by code (``rules``) and each step of the
    calculation matched by name (``steps``). Every row says whether the two
    ``agree``, comparing what is stored, not how it is shown."""
    summary = [
        {
            "key": key,
            "label": label,
            "stored": _summary_text(key, stored.get(key)),
            "again": _summary_text(key, again.get(key)),
            "agrees": stored.get(key) == again.get(key),
        }
        for key, label in SUMMARY_LABELS.items()
    ]
    stored_rule_rows = {r["code"]: r for r in stored_rules(stored, labels)}
    again_rule_rows = {r["code"]: r for r in stored_rules(again, labels)}
    rules = [
        {
            "code": code,
            "title": rule_title(code),
            "stored": stored_rule_rows.get(code),
            "again": again_rule_rows.get(code),
            "agrees": old == new,
        }
        for code, old, new in _aligned(
            stored.get("rules", []), again.get("rules", []), "code"
        )
    ]
    stored_steps = {s["step"]: s for s in calculation_rows(stored.get("steps", []))}
    again_steps = {s["step"]: s for s in calculation_rows(again.get("steps", []))}
    steps = [
        {
            "step": name,
            "label": STEP_LABELS.get(name, name),
            "stored": stored_steps.get(name),
            "again": again_steps.get(name),
            "stored_text": _step_text(stored_steps.get(name)),
            "again_text": _step_text(again_steps.get(name)),
            "agrees": old == new,
        }
        for name, old, new in _aligned(
            stored.get("steps", []), again.get("steps", []), "step"
        )
    ]
    return {"summary": summary, "rules": rules, "steps": steps}


def _step_text(row: dict[str, Any] | None) -> str:
    """A calculation step's value as the pages write it (— when missing)."""
    if row is None:
        return "—"
    if row["percent"] is not None:
        return row["percent"]
    try:
        return yuan(Decimal(row["value"]))
    except ArithmeticError:
        return str(row["value"])
