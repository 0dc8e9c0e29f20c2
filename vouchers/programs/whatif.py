"""What a proposed program change would have done (four eyes, issue 12):
the proposal's parameters run over the program's past applications, each
with the facts it was screened on (its stored decision), side by side with
what was decided then. How many would become eligible or ineligible, by
which rule, and the subsidy total against the proposed budget, by city and
by size class. Each rule is shown with the article it rests on
(``eligibility.citations``): a failure under the proposal with the
proposed version's, a failure that would go with the one stored with the
old result. Nothing stored changes: the result is kept on the change
(``ProgramChange.impact``) and downloadable as XLSX.

Each application is evaluated on its own against the whole proposed budget
(``budget_remaining`` = the proposal's budget), so the totals answer "what
would these applications have cost", to be read against the budget; the
yearly cap per enterprise applies as it did, from the stored history.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audits.reports.documents import workbook, workbook_bytes
from config.formats import join_list
from config.money import ZERO, quantize
from enterprises.models import Enterprise, Region

from ..eligibility.citations import cited_reason
from ..eligibility.engine import evaluate
from ..eligibility.explain import rule_title
from ..eligibility.facts import Facts
from ..eligibility.registry import FAIL
from ..models import Application, ProgramChange, ProgramVersion
from ..programs.params import ProgramParams
from ..programs.selectors import program_context

CHUNK = 500
logger = logging.getLogger(__name__)


def _failed(rules: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A stored decision's failed rule results by code."""
    return {r["code"]: r for r in rules if r.get("outcome") == FAIL}


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
    # The citations stored with the old results of rules that would no
    # longer fail, each once (decisions of other versions may cite others).
    old_cites: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for application in applications.iterator(chunk_size=CHUNK):
        stored = application.screening
        decision = evaluate(ctx, Facts.from_json(stored.facts))
        failed_before = _failed(stored.result.get("rules", []))
        before = set(failed_before)
        after = {r.code for r in decision.rules if r.outcome == FAIL}
        newly_failed.update(after - before)
        no_longer_failed.update(before - after)
        for code in before - after:
            cite = failed_before[code].get("cite")
            if cite and cite not in old_cites[code]:
                old_cites[code].append(cite)
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
                "failed_before": sorted(before),
                "cites_before": {
                    code: failed_before[code]["cite"]
                    for code in sorted(before)
                    if failed_before[code].get("cite")
                },
                "failed_after": sorted(after),
            }
        )
    return _summary(change, budget, lines, newly_failed, no_longer_failed, old_cites)


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


def _summary(
    change, budget, lines, newly_failed, no_longer_failed, old_cites
) -> dict[str, Any]:
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
        "no_longer_failed_cites": {
            code: old_cites[code] for code in sorted(no_longer_failed)
        },
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
            _("Why, by rule"),
            [
                _("Rule"),
                _("Under the proposal"),
                pgettext("records", "Applications"),
                _("Implements (document and article)"),
            ],
            [
                (
                    rule_title(r["code"]),
                    _("would newly fail") if r["newly"] else _("would no longer fail"),
                    r["n"],
                    cites_text(r["cites"], "zh-hans"),
                )
                for r in rule_changes(change)
            ],
        )
        proposed = proposed_citations(change)
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
                _("Rules failed as decided"),
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
                    cited_rules(
                        line.get("failed_before", []), line.get("cites_before", {})
                    ),
                    cited_rules(line["failed_after"], proposed),
                )
                for line in impact.get("lines", [])
            ],
        )
    return workbook_bytes(book)


def proposed_citations(change: ProgramChange) -> dict[str, dict[str, str]]:
    """The citations of the proposed version (rule code -> document and
    article), as the engine copies them into its results."""
    params = ProgramParams.from_json(change.params)
    return {code: cite.to_json() for code, cite in params.citations.items()}


def rule_changes(change: ProgramChange) -> list[dict[str, Any]]:
    """The rules by which applications would newly fail, then those by
    which they would no longer fail: each with its code, how many (``n``)
    and what it rests on (``cites``): the proposed version's article for a
    failure under the proposal, the articles stored with the old results
    for a failure that would go (none for a what-if computed before they
    were kept)."""
    impact = change.impact or {}
    proposed = proposed_citations(change)
    stored = impact.get("no_longer_failed_cites", {})
    return [
        *(
            {"code": code, "n": n, "newly": True, "cites": _some(proposed.get(code))}
            for code, n in impact.get("newly_failed_by_rule", {}).items()
        ),
        *(
            {"code": code, "n": n, "newly": False, "cites": stored.get(code, [])}
            for code, n in impact.get("no_longer_failed_by_rule", {}).items()
        ),
    ]


def _some(cite: dict[str, str] | None) -> list[dict[str, str]]:
    return [cite] if cite else []


def cited(text: str, cites: list[dict[str, str]], language: str | None) -> str:
    """``text`` followed by each of its citations, as after a reason."""
    for cite in cites:
        text = cited_reason(text, cite, language)
    return text


def cites_text(cites: list[dict[str, str]], language: str | None) -> str:
    """The citations alone, one after the other ("" when none)."""
    return cited("", cites, language).strip()


def cited_rules(codes: list[str], cites: dict[str, dict[str, str]]) -> str:
    """Rules by title in the active language, each followed by its citation
    in ``cites`` (rule code -> citation): 合同（依据：《…》第八条）、…"""
    language = translation.get_language()
    return join_list(
        cited(rule_title(code), _some(cites.get(code)), language) for code in codes
    )


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


def size_label(code: str) -> str:
    choices = dict(Enterprise._meta.get_field("size_class").choices or [])
    return str(choices.get(code, code or "—"))
