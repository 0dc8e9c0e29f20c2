"""Program pages: the list, a program with its versions and history, a
version's parameters, the form for a new program, the form for a new
version of its parameters, and the status buttons.

Program managers write; auditors and reviewers read. Each view parses the
request and makes one service call; the parameters are built by the form.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, user_roles
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.formats import moment
from config.money import percent, yuan
from config.workdays import calendar_gaps
from enterprises.models import Region

from ..applications.links import apply_links
from ..ledger.selectors import quota_rows
from ..models import PROGRAM_STATES, Program, ProgramChange, ProgramVersion
from ..permissions import PROGRAM_EDITORS, PROGRAM_READERS
from . import selectors, services, whatif
from .describe import (
    contact_line,
    describe_params,
    funds_text,
    headline_rate,
    mark_changes,
    param_changes,
    rate_lines,
)
from .forms import (
    ChangeRejectForm,
    ProgramCreateForm,
    ProgramEditForm,
    ProgramStatusForm,
    QuotaMoveForm,
)
from .labels import PHASE_LABELS
from .whatif import impact_request

S = Program.Status
# The order the status buttons are shown in.
STATUS_ORDER = (S.OPEN, S.CLOSED, S.ARCHIVED)


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
    rows = []
    for program in page.object_list:
        version = selectors.program_version_at(program)
        params = version.parsed()
        rows.append(
            {
                "program": program,
                "version": version,
                "window": f"{params.opens_on} – {params.closes_on}",
                "budget": yuan(params.total_budget),
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
        allowed = PROGRAM_STATES.next_statuses(program.status)
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
            "history": selectors.program_history(program),
            "open_change": selectors.program_change_open(program),
            "changes": list(selectors.program_changes(program)[:20]),
            "quotas": quota_table(program),
            "calendar_gaps": calendar_gaps(timezone.localdate())
            if current and current.parsed().public_notice_days
            else [],
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (program.code, None),
            ],
        },
    )


# Public: no guard. Drafts answer 404 like unknown codes.
def program_public(request, code):
    """A published program as a visitor reads it: what it funds, rates and
    caps in words, the window, the materials to hand in, the policy
    documents and their articles, a contact; on to the self-check and to
    applying."""
    item = selectors.program_public_get(code)
    if item is None:
        raise Http404
    program, p = item.program, item.params
    sections = {s["key"]: s for s in describe_params(item.version.params)}
    return render(
        request,
        "vouchers/programs/public.html",
        {
            "item": item,
            "program": program,
            "p": p,
            "phase_label": PHASE_LABELS[item.phase],
            "funds": funds_text(program, p),
            "headline_rate": headline_rate(p),
            "rate_lines": rate_lines(p),
            "cap": yuan(p.cap_per_enterprise_year),
            "facts": [sections[k] for k in ("contracts", "vouchers", "rules")],
            "contact": contact_line(p.contact) if p.contact else "",
            "apply": apply_links(request.user, program.code)
            if item.phase == selectors.PHASE_OPEN
            else None,
            "breadcrumbs": [(program.name, None)],
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
    changed = mark_changes(
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
    # Once open, a change is a proposal a second manager approves (four
    # eyes, services.program_change_propose); one at a time.
    four_eyes = program.status in (S.OPEN, S.CLOSED)
    pending = selectors.program_change_open(program) if four_eyes else None
    if pending is not None:
        messages.info(
            request,
            _(
                "A change of this program awaits a second approval: it is decided or withdrawn before another is proposed."
            ),
        )
        return redirect("programs:change", code=program.code, pk=pending.pk)
    # The latest version, not the one in force: a version scheduled for later
    # is the one the next change builds on.
    latest = program.versions.order_by("-number").first()
    form = ProgramEditForm.from_params(latest.params, data=request.POST or None)
    if four_eyes:
        form.fields["effective_from"].help_text = _(
            "Leave empty for when the second program manager approves it. Applications decided before then keep the version they were decided under."
        )
    if request.method == "POST" and form.is_valid():
        try:
            if four_eyes:
                change = services.program_change_propose(
                    program=program,
                    params=form.to_params(),
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    effective_from=form.cleaned_data["effective_from"],
                )
            else:
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
            if four_eyes:
                messages.success(
                    request,
                    _(
                        "The change is proposed. It takes effect once another program manager approves it."
                    ),
                )
                return redirect("programs:change", code=program.code, pk=change.pk)
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
            "four_eyes": four_eyes,
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (program.code, reverse("programs:detail", args=[program.code])),
                (_("Change parameters"), None),
            ],
        },
    )


@role_required(*PROGRAM_READERS)
def program_change(request, code, pk):
    """A proposed change: what it changes in words against the version it
    was proposed on, and, for another program manager, approve or reject
    (with a reason); for its proposer, withdraw. POST is for program
    managers only."""
    program = get_object_or_404(Program.objects.select_related("region"), code=code)
    change = get_object_or_404(
        selectors.program_changes(program), program=program, pk=pk
    )
    is_manager = Role.PROGRAM_MANAGER in user_roles(request.user)
    reject_form = ChangeRejectForm(
        request.POST if request.POST.get("action") == "reject" else None
    )
    if request.method == "POST":
        if not is_manager:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "approve":
                version = services.program_change_approve(
                    change=change, actor=request.user
                )
                messages.success(
                    request,
                    _("Approved: version %(n)s is made from the change.")
                    % {"n": version.number},
                )
                return redirect("programs:detail", code=program.code)
            if action == "reject" and reject_form.is_valid():
                services.program_change_reject(
                    change=change,
                    actor=request.user,
                    reason=reject_form.cleaned_data["reason"],
                )
                messages.success(request, _("The change is rejected."))
                return redirect("programs:change", code=program.code, pk=change.pk)
            if action == "impact":
                with transaction.atomic():
                    impact_request(change)
                messages.success(request, _("The what-if is being computed again."))
                return redirect("programs:change", code=program.code, pk=change.pk)
            if action == "withdraw":
                services.program_change_withdraw(change=change, actor=request.user)
                messages.success(request, _("The change is withdrawn."))
                return redirect("programs:detail", code=program.code)
        except ApplicationError as exc:
            if action == "reject":
                reject_form.apply_service_error(exc)
            else:
                messages.error(request, exc.message)
    proposed = change.status == ProgramChange.Status.PROPOSED
    mine = change.proposed_by_id == request.user.pk
    return render(
        request,
        "vouchers/programs/change.html",
        {
            "program": program,
            "change": change,
            "changes": param_changes(change.params, change.base.params),
            "impact": _impact_view(change),
            "is_manager": is_manager,
            "may_decide": is_manager and proposed and not mine,
            "may_withdraw": is_manager and proposed and mine,
            "reject_form": reject_form,
            "breadcrumbs": [
                (_("Programs"), reverse("programs:list")),
                (program.code, reverse("programs:detail", args=[program.code])),
                (_("Change #%(n)s") % {"n": change.pk}, None),
            ],
        },
    )


def _impact_view(change: ProgramChange) -> dict | None:
    """The what-if as the change page shows it: totals formatted, rules by
    title, cities and size classes by name."""
    impact = change.impact
    if change.impact_status != ProgramChange.Impact.DONE or not impact:
        return None
    english = (get_language() or "").startswith("en")

    def groups(rows, name):
        return [
            {
                "name": name(g),
                "applications": g["applications"],
                "eligible_before": g["eligible_before"],
                "eligible_after": g["eligible_after"],
                "subsidy_before": yuan(Decimal(g["subsidy_before"])),
                "subsidy_after": yuan(Decimal(g["subsidy_after"])),
            }
            for g in rows
        ]

    budget = Decimal(impact["budget"])
    after = Decimal(impact["subsidy_after"])
    return {
        **{
            k: impact[k]
            for k in (
                "applications",
                "eligible_before",
                "eligible_after",
                "became_eligible",
                "became_ineligible",
            )
        },
        "computed_at": moment(datetime.fromisoformat(impact["computed_at"])),
        "subsidy_before": yuan(Decimal(impact["subsidy_before"])),
        "subsidy_after": yuan(after),
        "budget": yuan(budget),
        "share": percent((after / budget).quantize(Decimal("0.001")))
        if budget
        else "—",
        "over_budget": after > budget,
        "why": [_why(r) for r in whatif.rule_changes(change)],
        "by_city": groups(
            impact["by_city"], lambda g: g["name_en"] if english else g["name_zh"]
        ),
        "by_size_class": groups(
            impact["by_size_class"], lambda g: whatif.size_label(g["key"])
        ),
    }


def _why(rule: dict) -> str:
    """A rule by which applications would newly fail or no longer fail, in
    words, followed by the article it rests on (whatif.rule_changes)."""
    values = {"n": rule["n"], "rule": whatif.rule_title(rule["code"])}
    if rule["newly"]:
        text = ngettext(
            "%(n)s application would newly fail “%(rule)s”",
            "%(n)s applications would newly fail “%(rule)s”",
            rule["n"],
        )
    else:
        text = ngettext(
            "%(n)s application would no longer fail “%(rule)s”",
            "%(n)s applications would no longer fail “%(rule)s”",
            rule["n"],
        )
    return whatif.cited(text % values, rule["cites"], get_language())


@role_required(*PROGRAM_READERS)
def program_change_impact_xlsx(request, code, pk):
    """The what-if of a change as XLSX (audited)."""
    program = get_object_or_404(Program, code=code)
    change = get_object_or_404(
        ProgramChange.objects.select_related("program"), program=program, pk=pk
    )
    if change.impact_status != ProgramChange.Impact.DONE:
        raise Http404
    services.program_change_impact_exported(change=change, actor=request.user)
    response = HttpResponse(
        whatif.impact_xlsx(change),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{program.code}-change-{change.pk}-what-if.xlsx"'
    )
    return response


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


def _quota_label(code: str | None, names: dict[str, str]) -> str:
    return names.get(code, code) if code else str(_("Shared budget"))


def quota_table(program: Program) -> dict | None:
    """The program page's quota table: each division, then the shared
    budget, then the province's total (the roll-up)."""
    rows = quota_rows(program)
    if not rows:
        return None
    names = {
        r.code: r.name
        for r in Region.objects.filter(code__in=[r.region for r in rows if r.region])
    }
    return {
        "rows": [{"row": r, "name": _quota_label(r.region, names)} for r in rows],
        "allotted": sum((r.allotted for r in rows), Decimal("0")),
        "drawn": sum((r.drawn for r in rows if r.region), Decimal("0")),
        "unused": sum((r.unused for r in rows), Decimal("0")),
        "choices": [("", _quota_label(None, names))]
        + [(r.region, names.get(r.region, r.region)) for r in rows if r.region],
    }


@role_required(*PROGRAM_EDITORS)
@require_POST
def program_quota_move(request, code):
    program = get_object_or_404(Program, code=code)
    form = QuotaMoveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(reverse("programs:detail", args=[program.code]) + "#quotas")
    d = form.cleaned_data
    try:
        services.program_quota_move(
            program=program,
            from_region=d["from_region"] or None,
            to_region=d["to_region"] or None,
            amount=d["amount"],
            reason=d["reason"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(amount)s yuan of unused quota moved.") % {"amount": yuan(d["amount"])},
        )
    return redirect(reverse("programs:detail", args=[program.code]) + "#quotas")
