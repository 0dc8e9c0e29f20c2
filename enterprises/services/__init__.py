"""Writes on the register. Each function runs in one transaction and records
its audit event in it."""

from .memberships import (
    department_ensure_all,
    invitation_accept,
    invitation_create,
    invitation_find,
    invitation_revoke,
    membership_grant,
    membership_remove,
)

__all__ = [
    "department_ensure_all",
    "invitation_accept",
    "invitation_create",
    "invitation_find",
    "invitation_revoke",
    "membership_grant",
    "membership_remove",
]
