"""Who verifies a reimbursement: a reviewer of a department whose region
holds the enterprise (the rule of the review queue and of disputes),
written once as the queue's condition and as its test on one claim."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from enterprises.selectors import in_regions, reviewer_regions

from ..models import Reimbursement


def verify_queue_condition(user: User) -> Q:
    return in_regions(reviewer_regions(user), field="enterprise__region")


def may_verify(user: User, reimbursement: Reimbursement) -> bool:
    return Reimbursement.objects.filter(
        verify_queue_condition(user), pk=reimbursement.pk
    ).exists()
