"""Reads for reviewers: their queue (scoped by scope.queue_condition), the
queue filtered and sorted, counts per state in their regions, and the
applications they may open."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404

from accounts.models import User
from accounts.permissions import user_roles
from accounts.roles import Role
from enterprises.selectors import department_regions, in_regions

from ..eligibility.records import APPLICATION_SUBJECT
from ..models import Application, EligibilityDecision, Review
from .scope import DECIDING_ROLES, queue_condition

S = Application.Status
# Roles that read every submitted application (read-only unless they may
# decide it: program managers at final stages).
READ_ALL_ROLES = frozenset({Role.PROGRAM_MANAGER, Role.AUDITOR})

# Sort keys of the queue, with the fields they order by (ties by id).
QUEUE_ORDERING: dict[str, tuple[OrderBy | str, str]] = {
    "submitted": (F("submitted_at").asc(nulls_last=True), "pk"),
    "-submitted": (F("submitted_at").desc(nulls_last=True), "-pk"),
    "-requested": (F("requested_subsidy").desc(nulls_last=True), "pk"),
    "requested": (F("requested_subsidy").asc(nulls_last=True), "pk"),
    "enterprise": ("enterprise__name", "pk"),
}


def review_queue(*, user: User) -> QuerySet[Application]:
    """The applications waiting at a stage this user may decide."""
    return Application.objects.filter(queue_condition(user), status=S.IN_REVIEW)


def review_queue_filtered(
    *, user: User, filters: dict[str, Any]
) -> QuerySet[Application]:
    """The queue with the filters of the queue page (all optional: ``q``
    matches the number, the enterprise's name or credit code; ``program``,
    ``level``, ``needs_review`` yes/no, ``submitted_from``/``_to``) in the
    order ``order`` names (QUEUE_ORDERING; oldest submitted first)."""
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


def state_counts(*, user: User) -> list[dict[str, Any]]:
    """How many applications of the user's regions are in each state (drafts
    are the applicants' own and not counted), in one query."""
    regions = [region for _role, region in department_regions(user, *DECIDING_ROLES)]
    if not regions:
        return []
    shown = [s for s in S if s != S.DRAFT]
    totals = Application.objects.filter(
        in_regions(regions, field="enterprise__region")
    ).aggregate(**{s.value: Count("pk", filter=Q(status=s)) for s in shown})
    return [
        {"status": s.value, "label": s.label, "count": totals[s.value]} for s in shown
    ]


def applications_readable(*, user: User) -> QuerySet[Application]:
    """The applications the user may open on the review pages: every
    submitted one for program managers and auditors; for reviewers, those
    of their queue and those they decided before."""
    submitted = Application.objects.exclude(status=S.DRAFT)
    if user_roles(user) & READ_ALL_ROLES:
        return submitted
    decided = Review.objects.filter(application=OuterRef("pk"), reviewer=user)
    return submitted.filter(
        Q(pk__in=review_queue(user=user).values("pk")) | Exists(decided)
    )


def application_for_reader_or_404(user: User, pk: int) -> Application:
    application = (
        applications_readable(user=user)
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


def decision_for_reader_or_404(
    user: User, pk: int
) -> tuple[EligibilityDecision, Application | None]:
    """A stored decision and the application it screened (None for other
    subjects, such as a re-screening of enterprises), for whoever may read
    it: an application's screening, who may open the application on the
    review pages; any other decision, program managers and auditors."""
    decision = (
        EligibilityDecision.objects.select_related("program_version__program")
        .filter(pk=pk)
        .first()
    )
    if decision is None:
        raise Http404
    if decision.subject_type != APPLICATION_SUBJECT:
        if not user_roles(user) & READ_ALL_ROLES:
            raise Http404
        return decision, None
    if not decision.subject_id.isdigit():
        raise Http404
    application = (
        applications_readable(user=user)
        .select_related("program", "enterprise")
        .filter(pk=int(decision.subject_id))
        .first()
    )
    if application is None:
        raise Http404
    return decision, application
