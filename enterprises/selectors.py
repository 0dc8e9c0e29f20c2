"""Reads on the register, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import user_roles
from accounts.roles import Role

from .credit import DEFAULT_LOOKBACK_YEARS, on_list, on_list_within, years_before
from .filings import filing_key
from .models import (
    DishonestEntity,
    Enterprise,
    EnterpriseClaim,
    GenAIFiling,
    InvestmentDeclaration,
    Membership,
    Offering,
    Provider,
    Region,
)

CREDIT_LOOKBACK_YEARS = DEFAULT_LOOKBACK_YEARS


class CreditStatus:
    LISTED = "listed"  # on the list today
    RECENT = "recent"  # removed within the look-back
    CLEAR = "clear"


def enterprise_list_for_member(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, role=Role.APPLICANT)
        .select_related("enterprise__region")
        .order_by("enterprise__name")
    )


# Region scoping: a government role acts on the enterprises registered
# inside its department's region (``Region.prefix`` of the division code).
# These two functions are the one place that says so, in Python and in SQL:
# the register, the claims queue, the review queues and ``may_decide`` use
# them.


def department_regions(user: User, *roles: str) -> list[tuple[str, Region]]:
    """(role, region) of each of the user's department memberships in one
    of ``roles``."""
    return [
        (m.role, m.department.region)
        for m in Membership.objects.filter(
            user=user, role__in=roles, department__isnull=False
        ).select_related("department__region")
    ]


def in_regions(regions: Iterable[Region], *, field: str = "region") -> Q:
    """A condition on ``<field>`` (a Region foreign key): inside one of
    ``regions``. No regions: a condition nothing meets."""
    prefixes = sorted({r.prefix for r in regions})
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__code__startswith": p}) for p in prefixes))


def reviewer_regions(user: User) -> list[Region]:
    """The regions of the departments where the user reviews."""
    return [region for _role, region in department_regions(user, Role.REVIEWER)]


def enterprise_visible(*, user: User) -> QuerySet[Enterprise]:
    """Every enterprise the user may read: program managers and auditors all,
    reviewers their region, applicants their own."""
    roles = user_roles(user)
    if roles & {Role.PROGRAM_MANAGER, Role.AUDITOR}:
        return Enterprise.objects.all()
    conditions = []
    if Role.REVIEWER in roles:
        conditions.append(in_regions(reviewer_regions(user)))
    if Role.APPLICANT in roles:
        conditions.append(Q(memberships__user=user, memberships__role=Role.APPLICANT))
    if not conditions:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(reduce(or_, conditions)).distinct()


def _listed_today(today: date) -> QuerySet[DishonestEntity]:
    return DishonestEntity.objects.filter(
        uscc=OuterRef("uscc"), listed_on__lte=today
    ).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=today))


def _listed_recently(today: date, years: int) -> QuerySet[DishonestEntity]:
    return DishonestEntity.objects.filter(
        uscc=OuterRef("uscc"),
        removed_on__gt=years_before(today, years),
        removed_on__lte=today,
    )


def with_credit_flags(
    qs: QuerySet[Enterprise], *, today: date | None = None
) -> QuerySet:
    today = today or timezone.localdate()
    return qs.annotate(
        credit_listed=Exists(_listed_today(today)),
        credit_recent=Exists(_listed_recently(today, CREDIT_LOOKBACK_YEARS)),
    )


def credit_status(
    *, uscc: str, today: date | None = None, lookback_years: int = CREDIT_LOOKBACK_YEARS
) -> tuple[str, list[DishonestEntity]]:
    """The credit status of a code and the list entries behind it."""
    today = today or timezone.localdate()
    entries = list(DishonestEntity.objects.filter(uscc=uscc).order_by("-listed_on"))
    status = CreditStatus.CLEAR
    for entry in entries:
        if on_list(entry.listed_on, entry.removed_on, today):
            return CreditStatus.LISTED, entries
        if on_list_within(entry.listed_on, entry.removed_on, today, lookback_years):
            status = CreditStatus.RECENT
    return status, entries


def enterprise_register_list(
    *,
    user: User,
    q: str = "",
    region: str = "",
    industry_group: str = "",
    size_class: str = "",
    credit: str = "",
    order: str = "name",
) -> QuerySet[Enterprise]:
    qs = with_credit_flags(enterprise_visible(user=user)).select_related("region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    if region:
        area = Region.objects.filter(code=region).first()
        qs = qs.filter(region__code__startswith=area.prefix) if area else qs.none()
    if industry_group:
        qs = qs.filter(industry_group=industry_group)
    if size_class:
        qs = qs.filter(size_class=size_class)
    if credit == CreditStatus.LISTED:
        qs = qs.filter(credit_listed=True)
    elif credit == CreditStatus.RECENT:
        qs = qs.filter(credit_listed=False, credit_recent=True)
    elif credit == CreditStatus.CLEAR:
        qs = qs.filter(credit_listed=False, credit_recent=False)
    allowed = {
        "name",
        "-name",
        "region",
        "-region",
        "size_class",
        "-revenue",
        "revenue",
    }
    order = order if order in allowed else "name"
    order_field = order.replace("region", "region_id")
    return qs.order_by(order_field, "pk")


def declarations_current(*, enterprise: Enterprise) -> QuerySet[InvestmentDeclaration]:
    return InvestmentDeclaration.objects.filter(
        enterprise=enterprise, superseded_at__isnull=True
    ).order_by("year")


def declaration_history(*, enterprise: Enterprise) -> QuerySet[InvestmentDeclaration]:
    return (
        InvestmentDeclaration.objects.filter(enterprise=enterprise)
        .select_related("declared_by")
        .prefetch_related("evidence")
        .order_by("-year", "-version")
    )


def claim_queue(*, user: User) -> QuerySet[EnterpriseClaim]:
    """The claims of enterprises in the regions where the user reviews."""
    return (
        EnterpriseClaim.objects.filter(
            in_regions(reviewer_regions(user), field="enterprise__region")
        )
        .select_related("enterprise__region", "claimant", "licence")
        .order_by("status", "created_at")
    )


def provider_list_for_member(*, user: User) -> QuerySet[Provider]:
    return Provider.objects.filter(
        memberships__user=user, memberships__role=Role.PROVIDER_STAFF
    ).order_by("name")


def provider_review_list(*, status: str = "") -> QuerySet[Provider]:
    qs = Provider.objects.all()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "created_at")


def providers_approved() -> QuerySet[Provider]:
    """Only approved providers may be picked in applications or charge vouchers."""
    return Provider.objects.filter(status=Provider.Status.APPROVED).order_by("name")


def government_staff_list() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(department__isnull=False)
        .select_related("user", "department__region")
        .order_by("department__region_id", "role", "user__email")
    )


# -- the list of filed generative-AI services --------------------------------------


class FilingStatus:
    """Where a model offering's filing number stands on the imported list."""

    LISTED = "listed"  # on the list, not revoked
    REVOKED = "revoked"  # on the list, revoked (on or before today)
    ABSENT = "absent"  # not on the list (or no number at all)
    NOT_NEEDED = ""  # a compute offering: no filing


FILING_STATUS_LABELS = {
    FilingStatus.LISTED: _("On the filing list"),
    FilingStatus.REVOKED: _("Filing revoked"),
    FilingStatus.ABSENT: _("Not on the filing list"),
}


def filing_statuses(numbers: Iterable[str], *, today: date | None = None) -> dict:
    """The status of each filing number (by ``filings.filing_key``), in one
    query: absent unless the list has it."""
    now = today or timezone.localdate()
    keys = {filing_key(n) for n in numbers if n and n.strip()}
    found = dict(
        GenAIFiling.objects.filter(number_key__in=keys).values_list(
            "number_key", "revoked_on"
        )
    )
    statuses = {}
    for key in keys:
        if key not in found:
            statuses[key] = FilingStatus.ABSENT
        elif (revoked_on := found[key]) is not None and revoked_on <= now:
            statuses[key] = FilingStatus.REVOKED
        else:
            statuses[key] = FilingStatus.LISTED
    return statuses


def _status_of(offering: Offering, statuses: dict) -> str:
    if offering.kind != Offering.Kind.MODEL:
        return FilingStatus.NOT_NEEDED
    if not (offering.filing_number or "").strip():
        return FilingStatus.ABSENT
    return statuses[filing_key(offering.filing_number)]


def offering_filing_status(offering: Offering, *, today: date | None = None) -> str:
    """Whether the offering may be sold as filed: compute offerings need no
    filing; a model offering's number must be on the list and not revoked."""
    numbers = [offering.filing_number] if offering.kind == Offering.Kind.MODEL else []
    return _status_of(offering, filing_statuses(numbers, today=today))


def offerings_with_filing_status(
    offerings: Iterable[Offering], *, today: date | None = None
) -> list[Offering]:
    """The offerings, each with ``filing_status`` and ``filing_status_label``
    set (one query for all), for the offering pages."""
    offerings = list(offerings)
    statuses = filing_statuses(
        [o.filing_number for o in offerings if o.kind == Offering.Kind.MODEL],
        today=today,
    )
    for o in offerings:
        o.filing_status = _status_of(o, statuses)
        o.filing_status_label = str(FILING_STATUS_LABELS.get(o.filing_status, ""))
    return offerings
