"""Who decides a disputed charge: a reviewer of a department whose region
holds the enterprise (the same region rule as the review queue), written
once as the dispute queue's condition and as its test on one charge."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from enterprises.selectors import in_regions, reviewer_regions

from ..models import Redemption


def dispute_queue_condition(user: User) -> Q:
    """Charges whose disputes this user decides (any status; the queue adds
    ``disputed``)."""
    return in_regions(reviewer_regions(user), field="enterprise__region")


def may_decide_dispute(user: User, redemption: Redemption) -> bool:
    return Redemption.objects.filter(
        dispute_queue_condition(user), pk=redemption.pk
    ).exists()


__all__ = ["dispute_queue_condition", "may_decide_dispute"]
