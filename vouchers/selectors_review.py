"""Reads for reviewers: their queue, scoped by department level and region."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.roles import Role
from enterprises.models import Membership

from .models import Application


def queue_condition(user) -> Q | None:
    """Applications waiting at a stage this user may decide: for each
    reviewer membership, the stage's level is the department's level and the
    enterprise is inside its region; program managers decide final stages."""
    conditions = []
    for m in Membership.objects.filter(
        user=user, department__isnull=False
    ).select_related("department__region"):
        region = m.department.region
        if m.role == Role.REVIEWER:
            conditions.append(
                Q(
                    stage_level=region.level,
                    enterprise__region__code__startswith=region.prefix,
                )
            )
        elif m.role == Role.PROGRAM_MANAGER:
            conditions.append(Q(final_stage=True))
    return reduce(or_, conditions) if conditions else None


def review_queue(*, user) -> QuerySet[Application]:
    condition = queue_condition(user)
    if condition is None:
        return Application.objects.none()
    return Application.objects.filter(condition, status=Application.Status.IN_REVIEW)
