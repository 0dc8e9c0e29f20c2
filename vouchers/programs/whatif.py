"""What a proposed program change would have done (four eyes, issue 12):
the proposal's parameters run over the program's past applications, each
with the facts it was screened on (its stored decision), side by side with
what was decided then. How many would become eligible or ineligible, by
which rule, and the subsidy total against the proposed budget, by city and
by size class. Nothing stored changes: the result is kept on the change
(``ProgramChange.impact``) and downloadable as XLSX.

Each application is evaluated on its own against the whole proposed budget
(``budget_remaining`` = the proposal's budget), so the totals answer "what
would these applications have cost", to be read against the budget; the
yearly cap per enterprise applies as it did, from the stored history.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audits.reports.documents import workbook, workbook_bytes
from config.money import ZERO, quantize
from enterprises.models import Enterprise, Region

from ..eligibility.engine import evaluate
from ..eligibility.facts import Facts
from ..eligibility.registry import FAIL, RULES
from ..models import Application, ProgramChange, ProgramVersion
from ..programs.selectors import program_context

CHUNK = 500
logger = logging.getLogger(__name__)


def _failed(rules: list[dict[str, Any]]) -> list[str]:
    return [r["code"] for r in rules if r.get("outcome") == FAIL]


def _city_code(region_code: str) -> str:
    return region_code[:4] + "00"


def impact_compute(change: ProgramChange) -> dict[str, Any]:
    """The proposal's impact over the program's screened applications (not
    drafts: they have no stored decision), as JSON-ready data."""
    program = change.program
    proposed = ProgramVersion(
        program=program,
        number=change.base.number + 1,
        effective_from=change.effective_from or timezone.now(),
        params=change.params,
    )
    budget = quantize(sum(proposed.parsed().budget.values(), ZERO))
    ctx = replace(program_context(program, version=proposed), budget_remaining=budget)
    applications = (
        Application.objects.filter(program=program, screening__isnull=False)
        .select_related("screening", "enterprise")
        .order_by("pk")
    )
    lines: list[dict[str, Any]] = []
    newly_failed: Counter[str] = Counter()
    no_longer_failed: Counter[str] = Counter()
    for application in applications.iterator(chunk_size=CHUNK):
        stored = application.screening
        decision = evaluate(ctx, Facts.from_json(stored.facts))
        before = set(_failed(stored.result.get("rules", [])))
        after = {r.code for r in decision.rules if r.outcome == FAIL}
        newly_failed.update(after - before)
        no_longer_failed.update(before - after)
        lines.append(
            {
                "application": application.pk,
                "number": application.number,
                "enterprise": application.enterprise.name,
                "region": application.enterprise.region_id,
                "city": _city_code(application.enterprise.region_id),
                "size_class": decision.size_class,
                "status": application.status,
                "eligible_before": stored.eligible,
                "eligible_after": decision.eligible,
                "subsidy_before": str(stored.subsidy if stored.eligible else ZERO),
                "subsidy_after": str(decision.subsidy if decision.eligible else ZERO),
                "failed_after": sorted(after),
            }
        )
    return _summary(change, budget, lines, newly_failed, no_longer_failed)


def _group(lines: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for line in lines:
        g = groups.setdefault(
            line[key],
            {
                "key": line[key],
                "applications": 0,
                "eligible_before": 0,
                "eligible_after": 0,
                "subsidy_before": ZERO,
                "subsidy_after": ZERO,
            },
        )
        g["applications"] += 1
        g["eligible_before"] += line["eligible_before"]
        g["eligible_after"] += line["eligible_after"]
        g["subsidy_before"] += Decimal(line["subsidy_before"])
        g["subsidy_after"] += Decimal(line["subsidy_after"])
    return [
        {
            **g,
            "subsidy_before": str(g["subsidy_before"]),
            "subsidy_after": str(g["subsidy_after"]),
        }
        for _k, g in sorted(groups.items())
    ]


def _summary(change, budget, lines, newly_failed, no_longer_failed) -> dict[str, Any]:
    cities = {
        r.code: (r.name_zh, r.name_en)
        for r in Region.objects.filter(code__in={line["city"] for line in lines})
    }
    by_city = _group(lines, "city")
    for g in by_city:
        g["name_zh"], g["name_en"] = cities.get(g["key"], (g["key"], g["key"]))
    before = sum((Decimal(line["subsidy_before"]) for line in lines), ZERO)
    after = sum((Decimal(line["subsidy_after"]) for line in lines), ZERO)
    return {
        "computed_at": timezone.now().isoformat(),
        "base_version": change.base.number,
        "applications": len(lines),
        "eligible_before": sum(line["eligible_before"] for line in lines),
        "eligible_after": sum(line["eligible_after"] for line in lines),
        "became_eligible": sum(
            line["eligible_after"] and not line["eligible_before"] for line in lines
        ),
        "became_ineligible": sum(
            line["eligible_before"] and not line["eligible_after"] for line in lines
        ),
        "newly_failed_by_rule": dict(sorted(newly_failed.items())),
        "no_longer_failed_by_rule": dict(sorted(no_longer_failed.items())),
        "subsidy_before": str(before),
        "subsidy_after": str(after),
        "budget": str(budget),
        "by_city": by_city,
        "by_size_class": _group(lines, "size_class"),
        "lines": lines,
    }


def impact_store(change_id: int) -> str:
    """Compute the change's impact and keep it on the change (done), or
    mark it failed (logged); returns the status. Derived data: no audit
    event, and safe to run again (it replaces the last result)."""
    change = ProgramChange.objects.select_related("program", "base").get(pk=change_id)
    try:
        impact = impact_compute(change)
    except Exception:
        logger.exception("what-if of program change %s failed", change_id)
        ProgramChange.objects.filter(pk=change_id).update(
            impact_status=ProgramChange.Impact.FAILED, impact=None
        )
        return ProgramChange.Impact.FAILED
    ProgramChange.objects.filter(pk=change_id).update(
        impact_status=ProgramChange.Impact.DONE, impact=impact
    )
    return ProgramChange.Impact.DONE


def impact_request(change: ProgramChange) -> None:
    """Queue the computation once the caller's transaction commits (the
    proposal must be visible to the worker)."""
    from .tasks import program_change_impact

    ProgramChange.objects.filter(pk=change.pk).update(
        impact_status=ProgramChange.Impact.PENDING
    )
    transaction.on_commit(partial(program_change_impact.delay, change.pk))


def impact_xlsx(change: ProgramChange) -> bytes:
    """The impact as a workbook in Chinese: the summary, by city, by size
    class, and one row per application."""
    impact = change.impact or {}
    book, sheet = workbook()
    with translation.override("zh-hans"):
        sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            [
                (_("Program"), change.program.code),
                (pgettext("program", "Change"), f"#{change.pk}"),
                (_("Proposed on"), f"v{impact.get('base_version', '')}"),
                (pgettext("records", "Applications"), impact.get("applications", 0)),
                (_("Eligible as decided"), impact.get("eligible_before", 0)),
                (_("Eligible under the proposal"), impact.get("eligible_after", 0)),
                (_("Would become eligible"), impact.get("became_eligible", 0)),
                (_("Would become ineligible"), impact.get("became_ineligible", 0)),
                (
                    _("Subsidy as decided (yuan)"),
                    Decimal(impact.get("subsidy_before", "0")),
                ),
                (
                    _("Subsidy under the proposal (yuan)"),
                    Decimal(impact.get("subsidy_after", "0")),
                ),
                (_("Proposed budget (yuan)"), Decimal(impact.get("budget", "0"))),
            ],
        )
        groups = [
            pgettext("records", "Applications"),
            _("Eligible as decided"),
            _("Eligible under the proposal"),
            _("Subsidy as decided (yuan)"),
            _("Subsidy under the proposal (yuan)"),
        ]
        sheet(
            _("By city"),
            [_("City"), *groups],
            [(g["name_zh"], *_group_row(g)) for g in impact.get("by_city", [])],
        )
        sheet(
            _("By size class"),
            [_("Size class"), *groups],
            [
                (size_label(g["key"]), *_group_row(g))
                for g in impact.get("by_size_class", [])
            ],
        )
        sheet(
            pgettext("records", "Applications"),
            [
                _("Application number"),
                _("Enterprise"),
                _("Region code"),
                _("Size class"),
                _("Status"),
                _("Eligible as decided"),
                _("Eligible under the proposal"),
                _("Subsidy as decided (yuan)"),
                _("Subsidy under the proposal (yuan)"),
                _("Rules failed under the proposal"),
            ],
            [
                (
                    line["number"],
                    line["enterprise"],
                    line["region"],
                    size_label(line["size_class"]),
                    _status_label(line["status"]),
                    _("yes") if line["eligible_before"] else _("no"),
                    _("yes") if line["eligible_after"] else _("no"),
                    Decimal(line["subsidy_before"]),
                    Decimal(line["subsidy_after"]),
                    "、".join(rule_title(code) for code in line["failed_after"]),
                )
                for line in impact.get("lines", [])
            ],
        )
    return workbook_bytes(book)


def _group_row(g: dict[str, Any]) -> tuple:
    return (
        g["applications"],
        g["eligible_before"],
        g["eligible_after"],
        Decimal(g["subsidy_before"]),
        Decimal(g["subsidy_after"]),
    )


def _status_label(status: str) -> str:
    if status in Application.Status.values:
        return str(Application.Status(status).label)
    return status


def rule_title(code: str) -> str:
    """A rule's title in the active language (its code if unknown)."""
    rule = RULES.get(code)
    if rule is None:
        return code
    return (
        rule.title_en
        if (translation.get_language() or "").startswith("en")
        else rule.title_zh
    )


def size_label(code: str) -> str:
    choices = dict(Enterprise._meta.get_field("size_class").choices or [])
    return str(choices.get(code, code or "—"))
