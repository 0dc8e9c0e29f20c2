"""Reads on the register, scoped to what the user may see."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.roles import Role

from .models import Enterprise, Membership, Provider


def enterprise_list_for_member(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, role=Role.APPLICANT)
        .select_related("enterprise__region")
        .order_by("enterprise__name")
    )


def enterprise_list_in_regions(*, prefixes: list[str]) -> QuerySet[Enterprise]:
    if not prefixes:
        return Enterprise.objects.none()
    condition = reduce(or_, (Q(region__code__startswith=p) for p in prefixes))
    return (
        Enterprise.objects.filter(condition)
        .select_related("region")
        .order_by("region_id", "name")
    )


def provider_list_for_member(*, user) -> QuerySet[Provider]:
    return Provider.objects.filter(
        memberships__user=user, memberships__role=Role.PROVIDER_STAFF
    ).order_by("name")


def government_staff_list() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(department__isnull=False)
        .select_related("user", "department__region")
        .order_by("department__region_id", "role", "user__email")
    )
