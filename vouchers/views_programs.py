"""Program pages: the list, a program with its versions and history, a
version's parameters, the form for a new program, the form for a new
version of its parameters, and the status buttons.

Program managers write; auditors and reviewers read. Each view parses the
request and makes one service call; the parameters are built by the form.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, user_roles
from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError

from . import selectors, services
from .forms import (
    CATEGORY_LABELS,
    DISBURSEMENT_LABELS,
    FACILITY_LABELS,
    FUNDING_LABELS,
    OUTCOME_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
    ProgramCreateForm,
    ProgramEditForm,
    ProgramStatusForm,
    ordered_rules,
    rule_title,
)
from .models import Program, ProgramVersion
from .params import FUNDING_SOURCES, ProgramParams
from .permissions import PROGRAM_EDITORS, PROGRAM_READERS

S = Program.Status
# The order the status buttons are shown in.
STATUS_ORDER = (S.OPEN, S.CLOSED, S.ARCHIVED)


# -- parameters in readable form ------------------------------------------------


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _yuan(amount: Decimal) -> str:
    return _("%(amount)s yuan") % {"amount": f"{amount:,.2f}"}


def _months(n: int) -> str:
    return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}


def _list(labels: dict, values) -> str:
    return ", ".join(str(labels.get(v, v)) for v in values) or _("None")


def _rule_text(code: str, params: dict) -> str:
    if code == "enterprise_type":
        return _("Used: credit codes starting with %(prefixes)s") % {
            "prefixes": ", ".join(params.get("allowed_prefixes", []))
        }
    if code == "credit":
        n = params.get("lookback_years", 0)
        return ngettext(
            "Used: listings of the last %(n)d year count",
            "Used: listings of the last %(n)d years count",
            n,
        ) % {"n": n}
    if code == "benchmark_investment":
        return _(
            "Used: IT investment in %(first)s–%(last)s above %(it)s, "
            "of which AI above %(ai)s"
        ) % {
            "first": params.get("from_year"),
            "last": params.get("to_year"),
            "it": _yuan(Decimal(params.get("it_min", "0"))),
            "ai": _yuan(Decimal(params.get("ai_min", "0"))),
        }
    if code == "related_party":
        outcome = params.get("outcome", "")
        return _("Used: when related, %(outcome)s") % {
            "outcome": str(OUTCOME_LABELS.get(outcome, outcome)).lower()
        }
    if params:
        details = "; ".join(f"{k}: {v}" for k, v in params.items())
        return _("Used: %(details)s") % {"details": details}
    return _("Used")


def describe_params(params: dict) -> list[dict]:
    """A version's parameters as sections of rows (key, label, text,
    changed): rates as percentages, money in yuan with thousands
    separators, rules with their titles. The keys let two versions be
    compared row by row (``_mark_changes``)."""
    p = ProgramParams.from_json(params)
    tiers = [
        (
            f"tier.{i}",
            _("Spend tier %(n)d") % {"n": i},
            (
                _("yearly contract total up to %(limit)s: %(rate)s, SMEs only")
                if t.sme_only
                else _("yearly contract total up to %(limit)s: %(rate)s")
            )
            % {"limit": _yuan(t.max_year_total), "rate": _pct(t.rate)},
        )
        for i, t in enumerate(p.spend_tiers, start=1)
    ] or [("tier", _("Spend tiers"), _("None"))]
    sections = [
        {
            "title": _("Application window"),
            "rows": [
                ("window", _("Applications"), f"{p.opens_on} – {p.closes_on}"),
                (
                    "sizes",
                    _("Eligible size classes"),
                    _list(SIZE_LABELS, p.eligible_size_classes),
                ),
            ],
        },
        {
            "title": _("Rates"),
            "rows": [
                ("base_rate", _("Base rate"), _pct(p.base_rate)),
                *(
                    (
                        f"facility.{f}",
                        FACILITY_LABELS[f],
                        _pct(p.facility_rates[f])
                        if f in p.facility_rates
                        else _("the base rate applies"),
                    )
                    for f in FACILITY_LABELS
                ),
                *tiers,
            ],
        },
        {
            "title": _("Caps and budget"),
            "rows": [
                (
                    "cap",
                    _("Cap per enterprise per year"),
                    _yuan(p.cap_per_enterprise_year),
                ),
                *(
                    (f"budget.{s}", FUNDING_LABELS[s], _yuan(p.budget[s]))
                    for s in FUNDING_SOURCES
                    if s in p.budget
                ),
                ("budget", _("Total budget"), _yuan(p.total_budget)),
            ],
        },
        {
            "title": _("Contracts"),
            "rows": [
                (
                    "signed",
                    _("Signed between"),
                    f"{p.contract_signed_from} – {p.contract_signed_to}",
                ),
                ("term", _("Longest term"), _months(p.max_term_months)),
                ("min_amount", _("Smallest amount"), _yuan(p.min_contract_amount)),
                (
                    "excluded",
                    _("Line items that do not count"),
                    _list(CATEGORY_LABELS, p.excluded_categories),
                ),
            ],
        },
        {
            "title": _("Vouchers"),
            "rows": [
                ("validity", _("Valid for"), _months(p.voucher_validity_months)),
                (
                    "disbursement",
                    _("Paid"),
                    str(
                        DISBURSEMENT_LABELS.get(
                            p.disbursement_mode, p.disbursement_mode
                        )
                    ),
                ),
            ],
        },
        {
            "title": _("Review"),
            "rows": [
                (
                    "stages",
                    _("Stages"),
                    " → ".join(str(STAGE_LABELS.get(s, s)) for s in p.review_stages),
                )
            ],
        },
        {
            "title": _("Rules"),
            "rows": [
                (
                    f"rule.{rule.code}",
                    rule_title(rule),
                    _rule_text(rule.code, p.rules[rule.code])
                    if rule.code in p.rules
                    else _("Not used"),
                )
                for rule in ordered_rules()
            ],
        },
    ]
    for section in sections:
        section["rows"] = [
            {"key": key, "label": label, "text": text, "changed": False}
            for key, label, text in section["rows"]
        ]
    return sections


def _mark_changes(sections: list[dict], previous: list[dict] | None) -> list[str]:
    """Flag the rows that differ from the previous version's; return their
    labels."""
    if previous is None:
        return []
    before = {row["key"]: row for s in previous for row in s["rows"]}
    changed, seen = [], set()
    for section in sections:
        for row in section["rows"]:
            seen.add(row["key"])
            old = before.get(row["key"])
            row["changed"] = old is None or old["text"] != row["text"]
            if row["changed"]:
                changed.append(row["label"])
    # Rows the previous version had and this one has not (a tier removed).
    changed += [row["label"] for key, row in before.items() if key not in seen]
    return changed


def _current(versions: list[ProgramVersion], now) -> ProgramVersion | None:
    """As selectors.program_version_at, on versions already loaded."""
    started = [v for v in versions if v.effective_from <= now]
    if started:
        return max(started, key=lambda v: v.effective_from)
    return min(versions, key=lambda v: v.number) if versions else None


# -- pages ---------------------------------------------------------------------


@role_required(*PROGRAM_READERS)
def program_list(request):
    status = request.GET.get("status", "")
    if status not in S.values:
        status = ""
    counts = dict(
        Program.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    programs = Program.objects.select_related("region").prefetch_related("versions")
    if status:
        programs = programs.filter(status=status)
    page = Paginator(programs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for program in page.object_list:
        version = _current(list(program.versions.all()), now)
        params = version.parsed() if version else None
        rows.append(
            {
                "program": program,
                "version": version,
                "window": f"{params.opens_on} – {params.closes_on}" if params else "",
                "budget": f"{params.total_budget:,.2f}" if params else "",
            }
        )
    return render(
        request,
        "vouchers/programs/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "total": sum(counts.values()),
            "statuses": [(s, label, counts.get(s, 0)) for s, label in S.choices],
            "is_manager": Role.PROGRAM_MANAGER in user_roles(request.user),
            "breadcrumbs": [(_("Programs"), None)],
        },
    )


def _history(program: Program) -> list[tuple[AuditEvent, str]]:
    events = AuditEvent.objects.filter(
        object_type=Program._meta.label_lower, object_id=str(program.pk)
    ).order_by("id")
    history = []
    for e in events:
        after, before = e.after or {}, e.before or {}
        if e.action == actions.PROGRAM_STATUS_CHANGED:
            detail = " → ".join(
                str(S(v).label) if v in S.values else str(v)
                for v in (before.get("status"), after.get("status"))
                if v
            )
        elif "version" in after:
            detail = _("Version %(n)s") % {"n": after["version"]}
            if after.get("note"):
                detail += f" · {after['note']}"
        else:
            detail = ""
        history.append((e, detail))
    return history


@role_required(*PROGRAM_READERS)
def program_detail(request, code):
    program = get_object_or_404(
        Program.objects.select_related("region", "created_by"), code=code
    )
    versions = list(program.versions.select_related("created_by").order_by("number"))
    now = timezone.now()
    current = selectors.program_version_at(program, now)
    is_manager = Role.PROGRAM_MANAGER in user_roles(request.user)
    next_statuses = []
    if is_manager:
        allowed = services.TRANSITIONS.get(program.status, frozenset())
        next_statuses = [s for s in STATUS_ORDER if s in allowed]
    return render(
        request,
        "vouchers/programs/detail.html",
        {
            "program": program,
            "versions": versions,
            "current": current,
            "now": now,
            "sections": describe_params(current.params) if current else [],
            "is_manager": is_manager,
            "can_edit": is_manager and program.status != S.ARCHIVED,
            "next_statuses": next_statuses,
            "history": _history(program),
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (program.code, None),
            ],
        },
    )


@role_required(*PROGRAM_READERS)
def program_version(request, code, number):
    program = get_object_or_404(Program.objects.select_related("region"), code=code)
    version = get_object_or_404(
        ProgramVersion.objects.select_related("created_by"),
        program=program,
        number=number,
    )
    previous = program.versions.filter(number__lt=number).order_by("-number").first()
    sections = describe_params(version.params)
    changed = _mark_changes(
        sections, describe_params(previous.params) if previous else None
    )
    return render(
        request,
        "vouchers/programs/version.html",
        {
            "program": program,
            "version": version,
            "previous": previous,
            "current": selectors.program_version_at(program),
            "sections": sections,
            "changed": changed,
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (program.code, reverse("programs:detail", args=[program.code])),
                (_("Version %(n)s") % {"n": version.number}, None),
            ],
        },
    )


@role_required(*PROGRAM_EDITORS)
def program_create(request):
    form = ProgramCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            program = services.program_create(
                code=data["code"],
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                kind=data["kind"],
                region=data["region"],
                params=form.to_params(),
                actor=request.user,
            )
        except ApplicationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("Program %(code)s has been created as a draft.")
                % {"code": program.code},
            )
            return redirect("programs:detail", code=program.code)
    return render(
        request,
        "vouchers/programs/form.html",
        {
            "form": form,
            "program": None,
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (_("New program"), None),
            ],
        },
    )


@role_required(*PROGRAM_EDITORS)
def program_edit(request, code):
    program = get_object_or_404(Program.objects.select_related("region"), code=code)
    if program.status == S.ARCHIVED:
        messages.error(request, _("An archived program cannot be changed."))
        return redirect("programs:detail", code=program.code)
    # The latest version, not the one in force: a version scheduled for later
    # is the one the next change builds on.
    latest = program.versions.order_by("-number").first()
    form = ProgramEditForm.from_params(latest.params, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.program_change_params(
                program=program,
                params=form.to_params(),
                actor=request.user,
                note=form.cleaned_data["note"],
                effective_from=form.cleaned_data["effective_from"],
            )
        except ApplicationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("Version %(n)s has been saved.") % {"n": version.number},
            )
            return redirect("programs:detail", code=program.code)
    return render(
        request,
        "vouchers/programs/form.html",
        {
            "form": form,
            "program": program,
            "latest": latest,
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (program.code, reverse("programs:detail", args=[program.code])),
                (_("Change parameters"), None),
            ],
        },
    )


@role_required(*PROGRAM_EDITORS)
@require_POST
def program_status(request, code):
    program = get_object_or_404(Program, code=code)
    form = ProgramStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("programs:detail", code=program.code)
    try:
        program = services.program_set_status(
            program=program,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The program is now %(status)s.")
            % {"status": str(program.get_status_display()).lower()},
        )
    return redirect("programs:detail", code=program.code)
