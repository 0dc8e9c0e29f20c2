"""Every row lock of the register (``select_for_update``).

Each service of the register locks the one row it changes, except a claim's
acceptance, which locks the claim and then its enterprise. The vouchers app
locks an enterprise too (an approval serialises the enterprise's approvals,
so its yearly cap holds): the whole order across both apps is written down
once, in vouchers/lock_objects.py.
"""

from __future__ import annotations

from .models import (
    Enterprise,
    EnterpriseClaim,
    InvestmentDeclaration,
    Invitation,
    Membership,
    Offering,
    Provider,
)


def enterprise_lock(pk: int) -> Enterprise:
    return Enterprise.objects.select_for_update().get(pk=pk)


def enterprise_lock_by_code(uscc: str) -> Enterprise | None:
    """The enterprise with this credit code, locked, or None (no lock)."""
    return Enterprise.objects.select_for_update().filter(uscc=uscc).first()


def claim_lock(pk: int) -> EnterpriseClaim:
    return (
        EnterpriseClaim.objects.select_for_update()
        .select_related("enterprise", "claimant")
        .get(pk=pk)
    )


def declaration_current_lock(
    enterprise: Enterprise, year: int
) -> InvestmentDeclaration | None:
    return (
        InvestmentDeclaration.objects.select_for_update()
        .filter(enterprise=enterprise, year=year, superseded_at__isnull=True)
        .first()
    )


def provider_lock(pk: int) -> Provider:
    return Provider.objects.select_for_update().get(pk=pk)


def offering_lock(pk: int) -> Offering:
    return Offering.objects.select_for_update().get(pk=pk)


def membership_lock(pk: int) -> Membership:
    return Membership.objects.select_for_update().get(pk=pk)


def invitation_lock(pk: int) -> Invitation:
    return Invitation.objects.select_for_update().get(pk=pk)
