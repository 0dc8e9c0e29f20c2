"""Review pages: a reviewer's queue (filters, sorting, counts per state and
batch approval) and one application on one page, with everything needed to
decide it and the decision form.

Who sees what:

- the queue: reviewers and program managers, their ``review_queue`` (the
  stage's level is their department's, the enterprise inside its region;
  program managers: final stages);
- an application: reviewers, the applications of their queue and those they
  decided before; program managers and auditors, every submitted
  application. Anything else answers 404. The decision form is shown only
  to a user who ``may_decide`` the application; the services check the rest
  (separation of duties, budget and cap) and their refusals are shown
  beside the form.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, user_roles
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.forms import valid_filters
from enterprises import sme
from enterprises.models import Document, Enterprise, Membership
from enterprises.selectors import CreditStatus, credit_status

from .applications import (
    application_approve_batch,
    application_decide,
    availability,
    may_decide,
)
from .eligibility.registry import FAIL, NOT_APPLICABLE, PASS, REVIEW, RULES
from .forms_review import (
    LEVEL_LABELS,
    ReviewDecisionForm,
    ReviewQueueFilterForm,
)
from .models import Application, RejectionReason, Review, Voucher
from .selectors_review import review_queue
from .views import STEP_LABELS

S = Application.Status
REVIEW_ROLES = (Role.REVIEWER, Role.PROGRAM_MANAGER)
READER_ROLES = (Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR)
# Roles that read every submitted application (read-only unless they may
# decide it: program managers at final stages).
READ_ALL_ROLES = frozenset({Role.PROGRAM_MANAGER, Role.AUDITOR})
PAGE_SIZE = 50
# An enterprise registered less than this many months before signing the
# contract is worth a second look.
RECENT_REGISTRATION_MONTHS = 6

QUEUE_ORDERING = {
    "submitted": (F("submitted_at").asc(nulls_last=True), "pk"),
    "-submitted": (F("submitted_at").desc(nulls_last=True), "-pk"),
    "-requested": (F("requested_subsidy").desc(nulls_last=True), "pk"),
    "requested": (F("requested_subsidy").asc(nulls_last=True), "pk"),
    "enterprise": ("enterprise__name", "pk"),
}

OUTCOME_LABELS = {
    PASS: gettext_lazy("Pass"),
    FAIL: gettext_lazy("Fail"),
    REVIEW: gettext_lazy("Needs review"),
    NOT_APPLICABLE: gettext_lazy("Not applicable"),
}


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _rule_title(code: str) -> str:
    rule = RULES.get(code)
    if rule is None:
        return code
    return rule.title_en if _english() else rule.title_zh


def _rules_of(application: Application) -> list[dict[str, Any]]:
    """The stored screening's rule results, in the page's language."""
    if application.screening is None:
        return []
    return [
        {
            "code": r["code"],
            "title": _rule_title(r["code"]),
            "outcome": r["outcome"],
            "outcome_label": OUTCOME_LABELS.get(r["outcome"], r["outcome"]),
            "reason": r["reason_en"] if _english() else r["reason_zh"],
            "facts": r.get("facts") or {},
        }
        for r in application.screening.result.get("rules", [])
    ]


# -- the queue --------------------------------------------------------------------


def _queue(user, filters: dict) -> QuerySet[Application]:
    qs = (
        review_queue(user=user)
        .select_related("program", "enterprise__region", "provider", "screening")
        .defer("draft", "screening__facts")
    )
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(enterprise__name__icontains=q)
            | Q(enterprise__uscc__icontains=q.upper())
        )
    if filters.get("program"):
        qs = qs.filter(program__code=filters["program"])
    if filters.get("level"):
        qs = qs.filter(stage_level=filters["level"])
    if filters.get("needs_review"):
        qs = qs.filter(needs_review=filters["needs_review"] == "yes")
    if filters.get("submitted_from"):
        qs = qs.filter(submitted_at__date__gte=filters["submitted_from"])
    if filters.get("submitted_to"):
        qs = qs.filter(submitted_at__date__lte=filters["submitted_to"])
    order = filters.get("order") or "submitted"
    return qs.order_by(*QUEUE_ORDERING.get(order, QUEUE_ORDERING["submitted"]))


def _region_prefixes(user) -> list[str]:
    return [
        m.department.region.prefix
        for m in Membership.objects.filter(
            user=user, role__in=REVIEW_ROLES, department__isnull=False
        ).select_related("department__region")
    ]


def _state_counts(user) -> list[dict[str, Any]]:
    """How many applications of the user's regions are in each state (drafts
    are the applicants' own and not counted), in one query."""
    prefixes = _region_prefixes(user)
    if not prefixes:
        return []
    shown = [s for s in S if s != S.DRAFT]
    totals = Application.objects.filter(
        reduce(or_, (Q(enterprise__region__code__startswith=p) for p in set(prefixes)))
    ).aggregate(**{s.value: Count("pk", filter=Q(status=s)) for s in shown})
    return [
        {"status": s.value, "label": s.label, "count": totals[s.value]} for s in shown
    ]


@role_required(*REVIEW_ROLES)
def review_queue_page(request):
    form = ReviewQueueFilterForm(request.GET or None)
    filters = valid_filters(form)
    applications = _queue(request.user, filters)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    narrowed = {k for k in filters if k != "order"}
    rows = []
    for application in page.object_list:
        flags = [r["title"] for r in _rules_of(application) if r["outcome"] == REVIEW]
        rows.append(
            {
                "application": application,
                "level": LEVEL_LABELS.get(
                    application.stage_level, application.stage_level
                ),
                "flags": flags,
            }
        )
    return render(
        request,
        "vouchers/review/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "waiting": review_queue(user=request.user).count()
            if narrowed
            else page.paginator.count,
            "counts": _state_counts(request.user),
            "query": request.GET.urlencode(),
            "breadcrumbs": [(_("Review queue"), None)],
        },
    )


def _queue_url(query: str) -> str:
    params = QueryDict(query or "", mutable=True)
    params.pop("page", None)
    encoded = params.urlencode()
    return reverse("review:queue") + (f"?{encoded}" if encoded else "")


# Each approval commits on its own (the service's transactions), so one
# refusal undoes nothing else and the budget locks are held only while each
# voucher is issued.
@transaction.non_atomic_requests
@role_required(*REVIEW_ROLES)
@require_POST
def review_batch_approve(request):
    back = _queue_url(request.POST.get("query", ""))
    ids = {int(x) for x in request.POST.getlist("ids") if x.isdigit()}
    if not ids:
        messages.error(request, _("Select the applications to approve."))
        return redirect(back)
    applications = list(
        review_queue(user=request.user)
        .filter(pk__in=ids)
        .select_related("program_version", "enterprise")
        .order_by("pk")
    )
    done, refused = application_approve_batch(
        applications=applications, reviewer=request.user
    )
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)d application approved: %(numbers)s.",
                "%(n)d applications approved: %(numbers)s.",
                len(done),
            )
            % {"n": len(done), "numbers": ", ".join(str(a) for a in done)},
        )
    for application, message in refused:
        messages.error(
            request,
            _("%(number)s was not approved: %(reason)s")
            % {"number": application, "reason": message},
        )
    gone = len(ids) - len(applications)
    if gone:
        messages.warning(
            request,
            ngettext(
                "%(n)d selected application is no longer in your queue; "
                "it was left as it is.",
                "%(n)d selected applications are no longer in your queue; "
                "they were left as they are.",
                gone,
            )
            % {"n": gone},
        )
    return redirect(back)


# -- one application --------------------------------------------------------------


def _readable(user) -> QuerySet[Application]:
    """The applications the user may open here."""
    submitted = Application.objects.exclude(status=S.DRAFT)
    if user_roles(user) & READ_ALL_ROLES:
        return submitted
    decided = Review.objects.filter(application=OuterRef("pk"), reviewer=user)
    return submitted.filter(
        Q(pk__in=review_queue(user=user).values("pk")) | Exists(decided)
    )


def _application_or_404(user, pk) -> Application:
    application = (
        _readable(user)
        .select_related(
            "program",
            "program_version",
            "enterprise__region__parent",
            "provider",
            "offering",
            "screening",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


def _size_explanation(enterprise: Enterprise) -> dict[str, Any]:
    """The stored size classification, with labels for the template (as on
    the enterprise's own page)."""
    basis = enterprise.size_basis or {}
    group = None
    if enterprise.industry_group:
        group = sme.load_standard().groups.get(enterprise.industry_group)
    return {"basis": basis, "group": group, "steps": basis.get("steps", [])}


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _steps_of(application: Application) -> list[dict[str, Any]]:
    if application.screening is None:
        return []
    return [
        {
            "label": STEP_LABELS.get(step["step"], step["step"]),
            "value": step["value"],
            "percent": _percent(Decimal(step["value"]))
            if step["step"] == "rate"
            else None,
            "basis": step.get("basis", ""),
        }
        for step in application.screening.result.get("steps", [])
    ]


def _hints(
    application: Application,
    line_items: list,
    rules: list[dict[str, Any]],
    credit: str,
    provider_credit: str,
) -> list[dict[str, str]]:
    """What deserves a second look, each as a short sentence."""
    hints = []
    for rule in rules:
        if rule["outcome"] in (REVIEW, FAIL):
            hints.append(
                {
                    "kind": "related_party"
                    if rule["code"] == "related_party"
                    else "rule",
                    "text": f"{rule['title']}: {rule['reason']}",
                }
            )
    enterprise = application.enterprise
    if credit == CreditStatus.LISTED:
        hints.append(
            {
                "kind": "credit",
                "text": _(
                    "The enterprise is on the list of seriously dishonest entities."
                ),
            }
        )
    elif credit == CreditStatus.RECENT:
        hints.append(
            {
                "kind": "credit",
                "text": _(
                    "The enterprise was removed from the dishonesty list recently."
                ),
            }
        )
    if provider_credit in (CreditStatus.LISTED, CreditStatus.RECENT):
        hints.append(
            {
                "kind": "credit",
                "text": _(
                    "The provider is, or was recently, on the list of seriously "
                    "dishonest entities."
                ),
            }
        )
    if application.provider_id and application.contract_number:
        others = (
            Application.objects.filter(
                provider_id=application.provider_id,
                contract_number=application.contract_number,
            )
            .exclude(pk=application.pk)
            .exclude(status=S.DRAFT)
            .values_list("status", flat=True)
        )
        others = list(others)
        if others:
            states = ", ".join(
                f"{S(s).label} × {others.count(s)}" for s in sorted(set(others))
            )
            hints.append(
                {
                    "kind": "same_contract",
                    "text": ngettext(
                        "The same contract of this provider is in %(n)d other "
                        "application (%(states)s).",
                        "The same contract of this provider is in %(n)d other "
                        "applications (%(states)s).",
                        len(others),
                    )
                    % {"n": len(others), "states": states},
                }
            )
    signed, established = application.contract_signed_on, enterprise.established_on
    if signed and established:
        if established > signed:
            hints.append(
                {
                    "kind": "recent_registration",
                    "text": _(
                        "The enterprise was established on %(established)s, after "
                        "the contract was signed (%(signed)s)."
                    )
                    % {"established": established, "signed": signed},
                }
            )
        elif _months_later(established, RECENT_REGISTRATION_MONTHS) > signed:
            hints.append(
                {
                    "kind": "recent_registration",
                    "text": _(
                        "The enterprise was established on %(established)s, less "
                        "than %(months)d months before the contract was signed "
                        "(%(signed)s)."
                    )
                    % {
                        "established": established,
                        "months": RECENT_REGISTRATION_MONTHS,
                        "signed": signed,
                    },
                }
            )
    offering = application.offering
    if offering is not None:
        if not offering.is_active:
            hints.append(
                {
                    "kind": "price",
                    "text": _("The chosen offering is no longer offered."),
                }
            )
        # The contract's lines of the offering's kind (compute or model).
        amount = sum(
            (i.amount for i in line_items if i.category == offering.kind),
            Decimal("0.00"),
        )
        if amount > 0:
            units = (amount / offering.list_price).quantize(Decimal("0.01"))
            unit = (
                offering.unit_other
                if offering.unit == offering.Unit.OTHER and offering.unit_other
                else offering.get_unit_display()
            )
            hints.append(
                {
                    "kind": "price",
                    "text": _(
                        "At the offering's list price of %(price)s yuan per "
                        "%(unit)s, the contract's %(kind)s lines (%(amount)s yuan) "
                        "pay for %(units)s units: compare with the quantity in "
                        "the contract."
                    )
                    % {
                        "price": f"{offering.list_price.normalize():f}",
                        "unit": unit,
                        "kind": str(offering.get_kind_display()).lower(),
                        "amount": f"{amount:,.2f}",
                        "units": f"{units:,}",
                    },
                }
            )
    return hints


def _reviews(application: Application) -> list[dict[str, Any]]:
    reviews = list(application.reviews.select_related("reviewer").order_by("id"))
    codes = {c for r in reviews for c in r.reasons}
    labels = {r.code: r.label for r in RejectionReason.objects.filter(code__in=codes)}
    return [
        {
            "review": r,
            "level": LEVEL_LABELS.get(r.level, r.level),
            "reasons": [labels.get(c, c) for c in r.reasons],
        }
        for r in reviews
    ]


def _stages(application: Application) -> list[dict[str, Any]]:
    if application.program_version is None:
        return []
    levels = application.program_version.parsed().review_stages
    return [
        {
            "label": LEVEL_LABELS.get(level, level),
            "current": application.status == S.IN_REVIEW and i == application.stage,
            "done": application.status == S.APPROVED
            or (application.status == S.IN_REVIEW and i < application.stage),
        }
        for i, level in enumerate(levels)
    ]


def _is_stale(form_data, application: Application) -> bool:
    """The reviewer decided on an earlier state of the application (someone
    else decided it meanwhile, or it was corrected and resubmitted)."""
    if application.status != S.IN_REVIEW:
        return True
    for name, current in (
        ("stage", application.stage),
        ("revision", application.revision),
    ):
        value = form_data.get(name, "")
        if value.isdigit() and int(value) != current:
            return True
    return False


def _lower(label) -> str:
    return str(label).lower()


def _decided_message(before: Application, after: Application, voucher) -> str:
    if voucher is not None:
        return _("Approved: voucher %(code)s of %(amount)s yuan has been issued.") % {
            "code": voucher.code,
            "amount": f"{voucher.face_value:,.2f}",
        }
    if after.status == S.IN_REVIEW:
        return _(
            "Approved at the %(level)s stage: %(number)s goes on to the %(next)s stage."
        ) % {
            "level": _lower(LEVEL_LABELS.get(before.stage_level, before.stage_level)),
            "number": after,
            "next": _lower(LEVEL_LABELS.get(after.stage_level, after.stage_level)),
        }
    if after.status == S.RETURNED:
        return _("%(number)s has been returned to the applicant for correction.") % {
            "number": after
        }
    return _("%(number)s has been rejected.") % {"number": after}


@role_required(*READER_ROLES)
def review_detail(request, pk):
    application = _application_or_404(request.user, pk)
    can_decide = may_decide(request.user, application)
    form = None
    if request.method == "POST":
        if not user_roles(request.user) & set(REVIEW_ROLES):
            raise PermissionDenied
        if _is_stale(request.POST, application):
            messages.warning(
                request,
                _(
                    "This application changed while you were looking at it "
                    "(decided by someone else, or corrected). Here is where it "
                    "stands now."
                ),
            )
            return redirect("review:detail", pk=application.pk)
        if not can_decide:
            raise PermissionDenied
        form = ReviewDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            expected = request.POST.get("expected_amount", "").strip()
            try:
                expected_amount = Decimal(expected) if expected else None
            except ArithmeticError:
                expected_amount = None
            try:
                decided = application_decide(
                    application=application,
                    reviewer=request.user,
                    decision=data["decision"],
                    reasons=data["reasons"],
                    note=data["note"],
                    expected_amount=expected_amount,
                )
            except ApplicationError as exc:
                form.apply_service_error(exc)
            else:
                voucher = Voucher.objects.filter(application=decided).first()
                messages.success(
                    request, _decided_message(application, decided, voucher)
                )
                if voucher is not None:
                    return redirect("review:detail", pk=application.pk)
                return redirect("review:queue")
    elif can_decide:
        form = ReviewDecisionForm(
            initial={"stage": application.stage, "revision": application.revision}
        )
    return render(
        request,
        "vouchers/review/detail.html",
        _detail_context(request, application, form, can_decide),
    )


def _detail_context(request, application, form, can_decide) -> dict[str, Any]:
    enterprise = application.enterprise
    rules = _rules_of(application)
    credit, credit_entries = credit_status(uscc=enterprise.uscc)
    provider_credit = (
        credit_status(uscc=application.provider.uscc)[0]
        if application.provider
        else CreditStatus.CLEAR
    )
    final_open = application.status == S.IN_REVIEW and application.final_stage
    line_items = list(application.line_items.all())
    return {
        "application": application,
        "enterprise": enterprise,
        "size": _size_explanation(enterprise),
        "shareholders": list(enterprise.shareholders.all()),
        "credit": credit,
        "credit_entries": credit_entries,
        "line_items": line_items,
        "documents": [
            {
                "attached": d,
                "label": Document.Kind(d.kind).label
                if d.kind in Document.Kind.values
                else d.kind,
            }
            for d in application.documents.select_related("document")
        ],
        "rules": rules,
        "steps": _steps_of(application),
        "hints": _hints(application, line_items, rules, credit, provider_credit),
        "reviews": _reviews(application),
        "stages": _stages(application),
        "level_label": LEVEL_LABELS.get(
            application.stage_level, application.stage_level
        ),
        "availability": availability(application) if final_open else None,
        "voucher": Voucher.objects.filter(application=application).first(),
        "form": form,
        "can_decide": can_decide,
        "breadcrumbs": [
            *(
                [(_("Review queue"), reverse("review:queue"))]
                if user_roles(request.user) & set(REVIEW_ROLES)
                else []
            ),
            (str(application), None),
        ],
    }
