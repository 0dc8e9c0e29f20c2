"""Reads of settlement: who may read a statement, its lines, its newest
reconciliation, the managers' queue."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import user_roles
from accounts.roles import Role

from ..models import Reconciliation, Redemption, Statement

# Government roles that read every statement: managers approve and pay
# them, auditors check them.
STATEMENT_READERS = frozenset({Role.PROGRAM_MANAGER, Role.AUDITOR})


def statements_readable(user: User) -> QuerySet[Statement]:
    """The statements this user may read: every one for managers and
    auditors, its own provider's for provider staff, none otherwise."""
    statements = Statement.objects.select_related("program", "provider")
    if user_roles(user) & STATEMENT_READERS:
        return statements
    if Role.PROVIDER_STAFF in user_roles(user):
        return statements.filter(
            provider__memberships__user=user,
            provider__memberships__role=Role.PROVIDER_STAFF,
        )
    return statements.none()


def statement_for_reader_or_404(user: User, pk: int) -> Statement:
    statement = statements_readable(user).filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement


def statement_lines(statement: Statement) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(statement=statement)
        .select_related("voucher", "enterprise", "offering")
        .order_by("decided_at", "pk")
    )


def latest_reconciliation(statement: Statement) -> Reconciliation | None:
    return statement.reconciliations.order_by("-pk").first()


def statement_queue(status: str | None = None) -> QuerySet[Statement]:
    """The managers' list, oldest first within a status."""
    statements = Statement.objects.select_related("program", "provider")
    if status:
        statements = statements.filter(status=status)
    return statements.order_by("period_start", "pk")


__all__ = [
    "STATEMENT_READERS",
    "latest_reconciliation",
    "statement_for_reader_or_404",
    "statement_lines",
    "statement_queue",
    "statements_readable",
]
