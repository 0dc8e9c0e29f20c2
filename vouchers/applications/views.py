"""The applicant's pages of an application: the list, a new draft, the steps
(contract, documents, review and submit), the application with its timeline
and versions, the receipt (受理回执) PDF, and withdrawing.

Every page is for applicants, and only for applications of an enterprise the
user is an applicant member of (another's answer 404). The steps change an
application only while it is a draft or returned for correction. Each view
parses the request and calls the services of ``vouchers.applications``;
every contract-step POST first keeps the raw input as the draft, so leaving
and coming back loses nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.forms import apply_service_error
from config.money import percent
from config.pdf import pdf_response
from enterprises.models import Document

from ..eligibility.explain import (
    APPLICANT_OUTCOME_LABELS,
    calculation_rows,
    decision_answer,
)
from ..models import (
    APPLICATION_STATES,
    EDITABLE_STATUSES,
    Application,
    ApplicationRevision,
    LineItem,
    Notice,
    Notification,
    Objection,
    Program,
    Voucher,
)
from ..programs.labels import STAGE_LABELS, category_labels
from ..programs.selectors import (
    program_accepts_submissions,
    program_list_open,
    program_version_at,
)
from . import selectors
from . import services as svc
from .documents import receipt_pdf
from .forms import (
    LINE_ROWS,
    ContractForm,
    DocumentsForm,
    NewApplicationForm,
    draft_data,
    line_field_names,
    line_rows_in,
)
from .links import carried_contract
from .selectors import application_for_member_or_404, latest_return
from .timeline import application_timeline, revision_history

S = Application.Status
LIST_PAGE_SIZE = 50
# Steps whose raw input the autosave endpoint keeps (uploads cannot be).
AUTOSAVE_STEPS = frozenset({"contract"})
STEPS = (
    ("program", gettext_lazy("Program")),
    ("contract", gettext_lazy("Contract")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
)


def _locked_answer(request, application: Application):
    """The answer to a step of an application that can no longer be changed:
    back to the application, saying why."""
    messages.info(
        request,
        _(
            "This application cannot be changed now: it is “%(status)s”. "
            "An application can be changed while it is a draft or returned "
            "for correction."
        )
        % {"status": application.get_status_display()},
    )
    return redirect("applications:detail", pk=application.pk)


# -- shared parts of the pages ----------------------------------------------------


def _excluded(application: Application) -> set[str]:
    """The line-item categories the program leaves out of the eligible base."""
    version = application.program_version or program_version_at(application.program)
    return set(version.parsed().excluded_categories)


def _lines(application: Application, excluded: set[str]) -> list[dict[str, Any]]:
    labels = category_labels()
    return [
        {
            "label": labels.get(line.category, line.category),
            "description": line.description,
            "amount": line.amount,
            "excluded": line.category in excluded,
        }
        for line in application.line_items.all()
    ]


def _step_context(application: Application, current: str) -> dict[str, Any]:
    params = program_version_at(application.program).parsed()
    categories = category_labels()
    return {
        "application": application,
        "steps": [
            {
                "key": key,
                "label": label,
                "current": key == current,
                "url": None
                if key == "program"
                else reverse(f"applications:{key}", kwargs={"pk": application.pk}),
            }
            for key, label in STEPS
        ],
        "returned": latest_return(application),
        "excluded_categories": [
            categories.get(c, c) for c in params.excluded_categories
        ],
        "excluded_codes": set(params.excluded_categories),
        "breadcrumbs": [
            (_("My applications"), reverse("applications:list")),
            (
                str(application),
                reverse("applications:detail", kwargs={"pk": application.pk}),
            ),
            (dict(STEPS)[current], None),
        ],
    }


def _estimate_view(application: Application) -> dict[str, Any]:
    """The live eligibility result and estimated subsidy (nothing stored)."""
    decision = selectors.application_estimate(application)
    answer = decision_answer(decision)
    return {
        "eligible": decision.eligible,
        "needs_review": decision.needs_review,
        "rate": percent(decision.rate),
        "subsidy": decision.subsidy,
        "has_contract": decision.calculation is not None,
        "rules": [
            {
                **r,
                "outcome_label": APPLICANT_OUTCOME_LABELS.get(
                    r["outcome"], r["outcome"]
                ),
            }
            for r in answer["rules"]
        ],
        "steps": calculation_rows(answer["calculation"]),
    }


# -- the list and a new draft -------------------------------------------------------


@role_required(Role.APPLICANT)
@require_GET
def application_list(request):
    """The applications of the user's enterprises, with counts per status and
    the unread notifications."""
    mine = selectors.applications_of_member(user=request.user)
    counts = dict(
        mine.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    status = request.GET.get("status", "")
    shown = mine.filter(status=status) if status in S.values else mine
    page = Paginator(
        shown.select_related("program", "enterprise").order_by("-updated_at", "-id"),
        LIST_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    return render(
        request,
        "vouchers/applications/list.html",
        {
            "page": page,
            "status_counts": [
                {"status": s.value, "label": s.label, "count": counts[s.value]}
                for s in S
                if counts.get(s.value)
            ],
            "total": sum(counts.values()),
            "status": status if status in S.values else "",
            "notifications": list(
                unread.select_related("application").order_by("-id")[:5]
            ),
            "unread_count": unread.count(),
            "breadcrumbs": [(_("My applications"), None)],
        },
    )


@role_required(Role.APPLICANT)
@require_http_methods(["GET", "POST"])
def application_new(request):
    """Choose the enterprise and an open program; the draft is created and
    the contract step comes next."""
    initial = {}
    wanted = request.GET.get("program", "").strip()
    if wanted.isdigit():
        initial["program"] = int(wanted)
    elif wanted:
        # A program page or a self-check result names the program by code.
        found = Program.objects.filter(code=wanted).values_list("pk", flat=True)
        if found:
            initial["program"] = found[0]
    # Contract figures typed in the self-check, handed on to the contract step.
    carried = carried_contract(request.GET)
    form = NewApplicationForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial=initial,
    )
    if len(form.fields["enterprise"].queryset) == 1:
        form.fields["enterprise"].initial = form.fields["enterprise"].queryset[0].pk
    if request.method == "POST" and form.is_valid():
        try:
            application = svc.application_create(
                enterprise=form.cleaned_data["enterprise"],
                program=form.cleaned_data["program"],
                user=request.user,
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The draft has been created. It is saved as you go: you can "
                    "leave and come back to it at any time."
                ),
            )
            contract_url = reverse("applications:contract", args=[application.pk])
            if carried:
                contract_url += "?" + urlencode(carried)
            return redirect(contract_url)
    programs = []
    for program in program_list_open():
        try:
            program_accepts_submissions(program)
        except ApplicationError as exc:
            programs.append({"program": program, "refusal": exc.message})
        else:
            programs.append({"program": program, "refusal": None})
    return render(
        request,
        "vouchers/applications/new.html",
        {
            "form": form,
            "programs": programs,
            "has_enterprise": form.fields["enterprise"].queryset.exists(),
            "carried": carried,
            "breadcrumbs": [
                (_("My applications"), reverse("applications:list")),
                (_("New application"), None),
            ],
        },
    )


# -- step: contract -----------------------------------------------------------------


def _contract_initial(application: Application) -> tuple[dict[str, Any], bool]:
    """The contract step's values: the draft's raw input when there is one
    not yet saved, else what was saved."""
    draft = (application.draft or {}).get("contract") or {}
    if any(str(value).strip() for value in draft.values()):
        return dict(draft), True
    initial: dict[str, Any] = {
        "provider": application.provider_id,
        "offering": application.offering_id,
        "contract_number": application.contract_number,
        "signed_on": application.contract_signed_on,
        "term_months": application.contract_term_months,
        "year_contract_total": application.year_contract_total,
    }
    for i, line in enumerate(application.line_items.all()):
        category, description, amount = line_field_names(i)
        initial |= {
            category: line.category,
            description: line.description,
            amount: line.amount,
        }
    return initial, False


def _with_carried(initial, from_draft, application, query) -> dict[str, Any]:
    """The contract step's first values with the self-check's figures
    (``?amount=…``, links.carried_contract) where nothing was saved or
    drafted yet: the amount as the first line, of the program's kind."""
    carried = carried_contract(query)
    if not carried or from_draft or application.line_items.exists():
        return initial
    amount = carried.pop("amount", None)
    values = {k: v for k, v in carried.items() if not initial.get(k)}
    if amount:
        category, _description, amount_field = line_field_names(0)
        kind = application.program.kind
        values |= {
            category: kind if kind in LineItem.Category.values else "other",
            amount_field: amount,
        }
    return {**initial, **values}


@role_required(Role.APPLICANT)
@require_http_methods(["GET", "POST"])
def application_contract(request, pk):
    application = application_for_member_or_404(request.user, pk)
    if application.status not in EDITABLE_STATUSES:
        return _locked_answer(request, application)
    from_draft = False
    if request.method == "POST":
        raw = draft_data(request.POST)
        try:
            # Autosave first: whatever happens next, the input is kept.
            svc.application_save_draft(
                application=application, user=request.user, step="contract", data=raw
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("applications:detail", pk=application.pk)
        if request.POST.get("action") == "draft":
            messages.success(
                request,
                _("Draft saved. It is kept as you typed it until you save the step."),
            )
            return redirect("applications:contract", pk=application.pk)
        form = ContractForm(
            request.POST,
            program=application.program,
            rows=line_rows_in(request.POST),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                svc.application_save_contract(
                    application=application,
                    user=request.user,
                    provider=data["provider"],
                    offering=data.get("offering"),
                    contract_number=data["contract_number"],
                    signed_on=data["signed_on"],
                    term_months=data["term_months"],
                    year_contract_total=data.get("year_contract_total"),
                    lines=data["lines"],
                )
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                # Saved: the draft has nothing the application lacks.
                svc.application_save_draft(
                    application=application, user=request.user, step="contract", data={}
                )
                messages.success(request, _("The contract has been saved."))
                return redirect("applications:documents", pk=application.pk)
    else:
        initial, from_draft = _contract_initial(application)
        initial = _with_carried(initial, from_draft, application, request.GET)
        # One spare row after the lines there are (at least LINE_ROWS rows).
        form = ContractForm(
            initial=initial,
            program=application.program,
            rows=max(line_rows_in(initial) + 1, LINE_ROWS),
        )
    context = _step_context(application, "contract")
    context |= {
        "form": form,
        "from_draft": from_draft,
        "autosave_url": reverse(
            "applications:autosave", kwargs={"pk": application.pk, "step": "contract"}
        ),
    }
    return render(request, "vouchers/applications/contract.html", context)


@role_required(Role.APPLICANT)
@require_POST
def application_autosave(request, pk, step):
    """Keep a step's raw input as the draft (posted by static/js/autosave.js
    while the user types); answers JSON."""
    if step not in AUTOSAVE_STEPS:
        raise Http404
    application = application_for_member_or_404(request.user, pk)
    if application.status not in EDITABLE_STATUSES:
        return JsonResponse(
            {
                "saved": False,
                "message": _("This application can no longer be changed."),
            },
            status=409,
        )
    try:
        svc.application_save_draft(
            application=application,
            user=request.user,
            step=step,
            data=draft_data(request.POST),
        )
    except ApplicationError as exc:
        return JsonResponse({"saved": False, "message": exc.message}, status=409)
    now = timezone.localtime()
    return JsonResponse(
        {
            "saved": True,
            "at": now.isoformat(),
            "message": _("Draft saved at %(time)s.") % {"time": f"{now:%H:%M:%S}"},
        }
    )


# -- step: documents ------------------------------------------------------------------


def _attached(application: Application) -> dict[str, Any]:
    return {
        a.kind: a.document
        for a in application.documents.select_related("document").order_by("id")
    }


@role_required(Role.APPLICANT)
@require_http_methods(["GET", "POST"])
def application_documents(request, pk):
    application = application_for_member_or_404(request.user, pk)
    if application.status not in EDITABLE_STATUSES:
        return _locked_answer(request, application)
    kinds = selectors.required_documents(application)
    attached = _attached(application)
    if request.method == "POST":
        form = DocumentsForm(
            request.POST, request.FILES, kinds=kinds, attached=attached
        )
        if form.is_valid():
            for kind in kinds:
                upload = form.cleaned_data.get(kind)
                if not upload:
                    continue
                try:
                    svc.application_attach(
                        application=application,
                        user=request.user,
                        kind=kind,
                        upload=upload,
                    )
                except ApplicationError as exc:
                    form.add_error(kind, exc.message)
            attached = _attached(application)
            if not form.errors:
                if request.POST.get("action") != "continue":
                    messages.success(request, _("The documents have been saved."))
                    return redirect("applications:documents", pk=application.pk)
                missing = [k for k in kinds if k not in attached]
                for kind in missing:
                    form.add_error(kind, _("Upload this document before going on."))
                if not missing:
                    return redirect("applications:review", pk=application.pk)
    else:
        form = DocumentsForm(kinds=kinds, attached=attached)
    context = _step_context(application, "documents")
    context |= {
        "form": form,
        "documents": [
            {"field": form[kind], "document": attached.get(kind)} for kind in kinds
        ],
    }
    return render(request, "vouchers/applications/documents.html", context)


# -- step: review and submit ------------------------------------------------------------


@role_required(Role.APPLICANT)
@require_http_methods(["GET", "POST"])
def application_review(request, pk):
    application = application_for_member_or_404(request.user, pk)
    if application.status not in EDITABLE_STATUSES:
        return _locked_answer(request, application)
    error = None
    if request.method == "POST":
        try:
            application = svc.application_submit(
                application=application, user=request.user
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            if application.status == S.REJECTED:
                messages.error(
                    request,
                    _(
                        "The application %(number)s was received, but the program's "
                        "rules reject it: the reasons are in its timeline."
                    )
                    % {"number": application.number},
                )
            else:
                messages.success(
                    request,
                    _(
                        "The application has been submitted under number %(number)s. "
                        "Its receipt can be downloaded below."
                    )
                    % {"number": application.number},
                )
            return redirect("applications:detail", pk=application.pk)
    labels = dict(Document.Kind.choices)
    context = _step_context(application, "review")
    context |= {
        "error": error,
        "missing": selectors.missing_parts(application),
        "lines": _lines(application, context["excluded_codes"]),
        "documents": [
            {"label": labels.get(kind, kind), "document": document}
            for kind, document in _attached(application).items()
        ],
        "estimate": _estimate_view(application),
        "resubmission": application.status == S.RETURNED,
    }
    return render(request, "vouchers/applications/review.html", context)


# -- the application: status, timeline, versions ------------------------------------------


@role_required(Role.APPLICANT)
@require_GET
def application_detail(request, pk):
    application = application_for_member_or_404(request.user, pk)
    # Opening the application reads its notifications.
    Notification.objects.filter(
        user=request.user, application=application, read_at__isnull=True
    ).update(read_at=timezone.now())
    reviews = list(application.reviews.select_related("reviewer").order_by("id"))
    revisions = list(
        ApplicationRevision.objects.filter(application=application)
        .select_related("submitted_by")
        .order_by("number")
    )
    voucher = Voucher.objects.filter(application=application).first()
    notice = Notice.objects.filter(application=application).first()
    status = application.status
    return render(
        request,
        "vouchers/applications/detail.html",
        {
            "application": application,
            "stage_label": STAGE_LABELS.get(
                application.stage_level, application.stage_level
            ),
            "timeline": application_timeline(
                application, reviews=reviews, revisions=revisions, voucher=voucher
            ),
            "history": revision_history(revisions),
            "voucher": voucher,
            "notice": notice,
            "objection_open": notice is not None
            and notice.objections.filter(status=Objection.Status.OPEN).exists(),
            "certificate_url": reverse("vouchers:certificate", args=[voucher.code])
            if voucher
            else None,
            "returned": latest_return(application),
            "lines": _lines(application, _excluded(application)),
            "can_edit": status == S.DRAFT,
            "can_correct": status == S.RETURNED,
            "can_withdraw": APPLICATION_STATES.allows(status, S.WITHDRAWN),
            "has_receipt": bool(application.number and application.submitted_at),
            "breadcrumbs": [
                (_("My applications"), reverse("applications:list")),
                (str(application), None),
            ],
        },
    )


@role_required(Role.APPLICANT)
@require_POST
def application_withdraw(request, pk):
    application = application_for_member_or_404(request.user, pk)
    try:
        svc.application_withdraw(application=application, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The application has been withdrawn."))
    return redirect("applications:detail", pk=application.pk)


# -- the receipt (受理回执) -------------------------------------------------------------------


@role_required(Role.APPLICANT)
@require_GET
def application_receipt(request, pk):
    """The receipt of the latest submission, as a PDF (drafts have none)."""
    application = application_for_member_or_404(request.user, pk)
    if not application.number or application.submitted_at is None:
        raise Http404
    return pdf_response(receipt_pdf(application), f"receipt-{application.number}.pdf")
