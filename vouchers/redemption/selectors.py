"""Reads on charges: who may read one (written once, here), a provider's
charges by status, a voucher's charges, the reviewer's dispute queue and a
charge's history."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import user_roles
from accounts.roles import Role
from audits.models import AuditEvent
from enterprises.models import Membership, Provider

from ..models import Redemption, Voucher
from .scope import dispute_queue_condition

S = Redemption.Status
# The provider's tabs: every charge, then each status.
STATUS_TABS = ("pending", "disputed", "confirmed", "voided")
RELATED = ("voucher", "enterprise", "provider", "offering", "program")


def redemption_reader_condition(user: User) -> Q:
    """The charges this user may read: program managers and auditors all;
    reviewers those of their region (the dispute queue's condition); the
    enterprise's applicants their own; the provider's staff their own. The
    same readers as the voucher's (``voucher_for_reader_or_404``), plus the
    provider that charged it."""
    roles = user_roles(user)
    if roles & {Role.PROGRAM_MANAGER, Role.AUDITOR}:
        return Q()
    conditions = []
    if Role.REVIEWER in roles:
        conditions.append(dispute_queue_condition(user))
    if Role.APPLICANT in roles:
        conditions.append(
            Q(
                enterprise_id__in=Membership.objects.filter(
                    user=user, role=Role.APPLICANT
                ).values("enterprise_id")
            )
        )
    if Role.PROVIDER_STAFF in roles:
        conditions.append(
            Q(
                provider_id__in=Membership.objects.filter(
                    user=user, role=Role.PROVIDER_STAFF
                ).values("provider_id")
            )
        )
    if not conditions:
        return Q(pk__in=[])
    return reduce(or_, conditions)


def redemption_for_reader_or_404(user: User, pk: int) -> Redemption:
    """The charge, if the user may read it; else 404, as for one that does
    not exist."""
    redemption = (
        Redemption.objects.select_related(*RELATED, "created_by", "decided_by")
        .filter(redemption_reader_condition(user), pk=pk)
        .first()
    )
    if redemption is None:
        raise Http404
    return redemption


def provider_charges(
    provider: Provider, *, status: str | None = None
) -> QuerySet[Redemption]:
    """The provider's charges, newest first; of one status when given."""
    charges = Redemption.objects.filter(provider=provider)
    if status:
        charges = charges.filter(status=status)
    return charges.select_related("voucher", "enterprise", "offering").order_by("-id")


def provider_charge_counts(provider: Provider) -> dict[str, int]:
    """How many charges the provider has in each status (and ``all``)."""
    counts = dict(
        Redemption.objects.filter(provider=provider)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {"all": sum(counts.values()), **{s: counts.get(s, 0) for s in S.values}}


def voucher_charges(voucher: Voucher) -> QuerySet[Redemption]:
    """The charges on the voucher, newest first."""
    return (
        Redemption.objects.filter(voucher=voucher)
        .select_related("provider", "offering")
        .order_by("-id")
    )


def dispute_queue(user: User) -> QuerySet[Redemption]:
    """The disputed charges this reviewer decides, the longest waiting first
    (a dispute's time is its ``decided_at``)."""
    return (
        Redemption.objects.filter(dispute_queue_condition(user), status=S.DISPUTED)
        .select_related("enterprise", "provider", "voucher")
        .order_by("decided_at", "id")
    )


def redemption_history(redemption: Redemption) -> QuerySet[AuditEvent]:
    """The charge's audit events, oldest first."""
    return (
        AuditEvent.objects.filter(
            object_type="vouchers.redemption", object_id=str(redemption.pk)
        )
        .select_related("actor")
        .order_by("id")
    )


__all__ = [
    "STATUS_TABS",
    "dispute_queue",
    "provider_charge_counts",
    "provider_charges",
    "redemption_for_reader_or_404",
    "redemption_history",
    "redemption_reader_condition",
    "voucher_charges",
]
