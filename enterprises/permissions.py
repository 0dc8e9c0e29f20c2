"""Object-level access to register objects.

Objects the user may not know exist answer 404; known objects the user may
not act on answer 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import Role

from .models import Enterprise, Membership


def enterprise_membership_or_404(user, enterprise_pk) -> Membership:
    """The user's own membership in the enterprise, or 404."""
    membership = (
        Membership.objects.select_related("enterprise")
        .filter(user=user, role=Role.APPLICANT, enterprise_id=enterprise_pk)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def require_enterprise_owner(membership: Membership) -> Enterprise:
    if not membership.is_owner:
        raise PermissionDenied
    return membership.enterprise


def reviewer_region_prefixes(user) -> list[str]:
    """The region prefixes of the departments where the user reviews."""
    return [
        m.department.region.prefix
        for m in Membership.objects.filter(
            user=user, role=Role.REVIEWER
        ).select_related("department__region")
    ]
