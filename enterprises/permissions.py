"""Object-level access to register objects.

Objects the user may not know exist answer 404; known objects the user may
not act on answer 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.permissions import user_roles
from accounts.roles import Role

from .models import Document, Enterprise, Membership, Provider
from .selectors import enterprise_visible

GOVERNMENT_READERS = {Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR}


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


def enterprise_for_reader_or_404(user, enterprise_pk) -> Enterprise:
    """An enterprise the user may read (own, region, or all for the province)."""
    enterprise = (
        enterprise_visible(user=user)
        .select_related("region__parent")
        .filter(pk=enterprise_pk)
        .first()
    )
    if enterprise is None:
        raise Http404
    return enterprise


def is_enterprise_member(user, enterprise) -> bool:
    return Membership.objects.filter(
        user=user, role=Role.APPLICANT, enterprise=enterprise
    ).exists()


def provider_for_staff_or_404(user, provider_pk) -> Provider:
    provider = Provider.objects.filter(
        pk=provider_pk, memberships__user=user, memberships__role=Role.PROVIDER_STAFF
    ).first()
    if provider is None:
        raise Http404
    return provider


def provider_for_reader_or_404(user, provider_pk) -> Provider:
    """Staff read their own provider; government roles read every provider."""
    if user_roles(user) & GOVERNMENT_READERS:
        provider = Provider.objects.filter(pk=provider_pk).first()
        if provider is not None:
            return provider
        raise Http404
    return provider_for_staff_or_404(user, provider_pk)


def document_for_user_or_404(user, document_pk) -> Document:
    """A document the user may download: its uploader; readers of its
    enterprise; staff of its provider and government readers."""
    document = Document.objects.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    if document.uploaded_by_id == user.pk:
        return document
    roles = user_roles(user)
    if document.enterprise_id:
        if (
            roles & GOVERNMENT_READERS
            and enterprise_visible(user=user).filter(pk=document.enterprise_id).exists()
        ):
            return document
        # Colleagues see what members uploaded, not a rejected stranger's claim.
        members = Membership.objects.filter(
            enterprise_id=document.enterprise_id, role=Role.APPLICANT
        )
        if (
            members.filter(user=user).exists()
            and members.filter(user_id=document.uploaded_by_id).exists()
        ):
            return document
    if document.provider_id and (
        roles & GOVERNMENT_READERS
        or Provider.objects.filter(
            Q(pk=document.provider_id),
            memberships__user=user,
            memberships__role=Role.PROVIDER_STAFF,
        ).exists()
    ):
        return document
    raise Http404
