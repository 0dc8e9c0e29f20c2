"""Reads of reimbursements: a voucher's, the reviewer's queue, one for a
reader, and the providers an enterprise may name as the invoice's issuer."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import user_roles
from accounts.roles import Role
from enterprises.models import Provider
from enterprises.permissions import is_enterprise_member
from enterprises.selectors import enterprise_visible

from ..models import Program, Reimbursement, Voucher
from ..programs.selectors import program_version_at
from .scope import may_verify, verify_queue_condition
from .services import MODE


def reimburses(voucher: Voucher) -> bool:
    """Whether the voucher's program reimburses after payment (its version
    in force now)."""
    params = program_version_at(voucher.program, timezone.now()).parsed()
    return params.disbursement_mode == MODE


def issuers_for(program: Program) -> QuerySet[Provider]:
    """Approved providers of the program's kind (who may issue the invoice)."""
    providers = Provider.objects.filter(status=Provider.Status.APPROVED)
    if program.kind == "model":
        providers = providers.filter(offers_model=True)
    elif program.kind == "compute":
        providers = providers.filter(offers_compute=True)
    return providers.order_by("name")


def voucher_reimbursements(voucher: Voucher) -> QuerySet[Reimbursement]:
    return voucher.reimbursements.order_by("-id")


def verify_queue(user: User) -> QuerySet[Reimbursement]:
    """Claims waiting for this reviewer, oldest first."""
    return (
        Reimbursement.objects.filter(verify_queue_condition(user), status="submitted")
        .select_related("enterprise__region", "voucher")
        .order_by("created_at", "id")
    )


def pay_queue() -> QuerySet[Reimbursement]:
    """Verified claims not yet paid to the enterprise, longest waiting
    first (for program managers)."""
    return (
        Reimbursement.objects.filter(status=Reimbursement.Status.VERIFIED)
        .select_related("enterprise__region", "voucher", "program")
        .order_by("decided_at", "id")
    )


def reimbursement_for_reader_or_404(user: User, pk: int) -> Reimbursement:
    """Members of the enterprise, reviewers of its region, program managers
    and auditors read a claim; anyone else gets 404."""
    r = (
        Reimbursement.objects.select_related(
            "voucher", "enterprise__region", "program", "proof", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if r is None:
        raise Http404
    if is_enterprise_member(user, r.enterprise) or may_verify(user, r):
        return r
    if user_roles(user) & {Role.PROGRAM_MANAGER, Role.AUDITOR} and (
        enterprise_visible(user=user).filter(pk=r.enterprise_id).exists()
    ):
        return r
    raise Http404
