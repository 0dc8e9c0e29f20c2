"""Who may decide an application, written once: the review queue's
condition, and ``may_decide`` as that same condition on one application.

- a reviewer decides the applications waiting at a stage of their
  department's level whose enterprise is registered inside its region;
- a program manager decides final stages, anywhere.

The services add the separation of duties (``separation_of_duties``):
nobody decides an application of an organisation they belong to, nor two
stages of one application.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from config.exceptions import ApplicationError
from enterprises.models import Membership
from enterprises.selectors import department_regions, in_regions

from .. import error_codes
from ..models import Application

S = Application.Status
DECIDING_ROLES = (Role.REVIEWER, Role.PROGRAM_MANAGER)


def queue_condition(user: User) -> Q:
    """Applications at a stage this user may decide (whatever their status;
    the queue adds ``in_review``). Nothing for a user without a deciding
    role."""
    conditions = []
    for role, region in department_regions(user, *DECIDING_ROLES):
        if role == Role.REVIEWER:
            conditions.append(
                Q(stage_level=region.level)
                & in_regions([region], field="enterprise__region")
            )
        else:
            conditions.append(Q(final_stage=True))
    return reduce(or_, conditions, Q(pk__in=[]))


def may_decide(user: User, application: Application) -> bool:
    """The application waits for a review at a stage this user decides."""
    return (
        application.status == S.IN_REVIEW
        and Application.objects.filter(
            queue_condition(user), pk=application.pk, status=S.IN_REVIEW
        ).exists()
    )


def separation_of_duties(user: User, application: Application) -> None:
    """Refuse a reviewer who belongs to the applicant or its provider, or who
    decided another stage of this revision."""
    own = Membership.objects.filter(user=user).filter(
        Q(enterprise_id=application.enterprise_id)
        | Q(provider_id=application.provider_id, provider__isnull=False)
    )
    if own.exists():
        raise ApplicationError(
            _(
                "You belong to the applicant or its provider: someone else must review this."
            ),
            code=error_codes.OWN_ORGANISATION,
        )
    if (
        application.reviews.filter(reviewer=user, invalidated_at__isnull=True)
        .exclude(stage=application.stage)
        .exists()
    ):
        raise ApplicationError(
            _(
                "You decided another stage of this application: someone else must decide this one."
            ),
            code=error_codes.TWO_STAGES,
        )
