"""Writes on the register: memberships and invitations.

Each function runs in one transaction and records its audit event in it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import DEPARTMENT_ROLES, ENTERPRISE_ROLES, PROVIDER_ROLES, Role
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError

from ..lock_objects import invitation_lock, membership_lock
from ..models import (
    Department,
    Enterprise,
    Invitation,
    Membership,
    Provider,
    Region,
)

INVITATION_VALID_DAYS = 14


def _membership_snapshot(m: Membership) -> dict:
    return {
        "user": m.user.email,
        "role": m.role,
        "organisation_type": m.organisation._meta.model_name,
        "organisation_id": m.organisation.pk,
        "organisation": str(m.organisation),
        "is_owner": m.is_owner,
    }


@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: str,
    organisation: Enterprise | Provider | Department,
    granted_by: User | None = None,
    is_owner: bool = False,
) -> Membership:
    """Give ``user`` a role in an organisation. Refuses duplicates."""
    kwargs: dict = {
        "user": user,
        "role": role,
        "is_owner": is_owner,
        "created_by": granted_by,
    }
    if isinstance(organisation, Enterprise) and role in ENTERPRISE_ROLES:
        kwargs["enterprise"] = organisation
    elif isinstance(organisation, Provider) and role in PROVIDER_ROLES:
        kwargs["provider"] = organisation
    elif isinstance(organisation, Department) and role in DEPARTMENT_ROLES:
        kwargs["department"] = organisation
    else:
        raise ApplicationError(
            _("This role cannot be given in this kind of organisation.")
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(**kwargs)
    except IntegrityError as exc:
        raise ApplicationError(
            _("%(user)s already has this role here.") % {"user": user.email},
            code="duplicate",
        ) from exc
    audit_event_record(
        action=actions.MEMBERSHIP_CREATED,
        actor=granted_by,
        target=membership,
        after=_membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, removed_by: User | None) -> None:
    """Take a role away. An enterprise's owner cannot be removed this way."""
    membership = membership_lock(membership.pk)
    if membership.is_owner:
        raise ApplicationError(_("The owner of an enterprise cannot be removed."))
    before = _membership_snapshot(membership)
    audit_event_record(
        action=actions.MEMBERSHIP_REMOVED,
        actor=removed_by,
        target=membership,
        before=before,
    )
    membership.delete()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, enterprise: Enterprise, email: str, invited_by: User
) -> tuple[Invitation, str]:
    """Invite a colleague by e-mail. Returns the invitation and its secret token,
    which only the e-mail carries."""
    email = email.strip().lower()
    if Membership.objects.filter(
        enterprise=enterprise, user__email__iexact=email
    ).exists():
        raise ApplicationError(
            _("%(email)s is already a member of this enterprise.") % {"email": email},
            field="email",
            code="already_member",
        )
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                enterprise=enterprise,
                email=email,
                token_hash=_hash_token(token),
                invited_by=invited_by,
                expires_at=timezone.now() + timedelta(days=INVITATION_VALID_DAYS),
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("%(email)s has already been invited and has not answered yet.")
            % {"email": email},
            field="email",
            code="already_invited",
        ) from exc
    audit_event_record(
        action=actions.INVITATION_SENT,
        actor=invited_by,
        target=invitation,
        after={"enterprise": enterprise.pk, "email": email},
    )
    return invitation, token


def invitation_find(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("enterprise")
        .filter(token_hash=_hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Accept an invitation: the signed-in user must own the invited address."""
    invitation = invitation_find(token)
    if invitation is None:
        raise ApplicationError(_("This invitation link is not valid."), code="invalid")
    invitation = invitation_lock(invitation.pk)
    if invitation.revoked_at or invitation.accepted_at:
        raise ApplicationError(_("This invitation is no longer open."), code="closed")
    if invitation.expires_at <= timezone.now():
        raise ApplicationError(
            _("This invitation has expired. Ask for a new one."), code="expired"
        )
    if invitation.email.lower() != user.email.lower():
        raise ApplicationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that address to accept it."
            )
            % {"email": invitation.email},
            code="wrong_user",
        )
    membership = membership_grant(
        user=user,
        role=Role.APPLICANT,
        organisation=invitation.enterprise,
        granted_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_event_record(
        action=actions.INVITATION_ACCEPTED,
        actor=user,
        target=invitation,
        after={"membership": membership.pk},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by: User | None) -> None:
    invitation = invitation_lock(invitation.pk)
    if invitation.revoked_at or invitation.accepted_at:
        raise ApplicationError(_("This invitation is no longer open."), code="closed")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_event_record(
        action=actions.INVITATION_REVOKED,
        actor=revoked_by,
        target=invitation,
        before={"email": invitation.email},
    )


def _department_names(region: Region) -> tuple[str, str]:
    if region.level == "province":
        return (
            "浙江省经济和信息化厅",
            "Zhejiang Provincial Department of Economy and Information Technology",
        )
    place_en = region.name_en
    return (
        f"{region.name_zh}经济和信息化局",
        f"{place_en} Bureau of Economy and Information Technology",
    )


@transaction.atomic
def department_ensure_all(*, actor: User | None = None) -> int:
    """Create the missing departments: one per region (province, cities,
    counties and districts). Returns how many were created."""
    existing = set(Department.objects.values_list("region_id", flat=True))
    created = 0
    for region in Region.objects.exclude(code__in=existing).order_by("code"):
        name_zh, name_en = _department_names(region)
        department = Department.objects.create(
            region=region, name_zh=name_zh, name_en=name_en
        )
        audit_event_record(
            action=actions.DEPARTMENT_CREATED,
            actor=actor,
            target=department,
            after={"region": region.code, "name": name_zh},
        )
        created += 1
    return created
