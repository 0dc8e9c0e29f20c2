"""The invoice register shared by both redemption modes: one invoice
(issuer + number) backs at most one live redemption, a provider's charge
or an enterprise's reimbursement, across every program. The partial unique
index ``invoice_one_use`` is the rule; these are its only writers."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils import timezone

from config.db import violates

from .models import InvoiceUse, Redemption, Reimbursement

ONE_USE = "invoice_one_use"
COLUMNS = ("invoice_issuer", "invoice_number")


def invoice_use(owner: Redemption | Reimbursement) -> InvoiceUse:
    """Record that ``owner`` is backed by its invoice; IntegrityError
    (``invoice_taken``) when a live redemption is backed by it already.
    Call it in the owner's transaction, without a savepoint of its own: a
    refusal leaves the caller's transaction at once."""
    field = "redemption" if isinstance(owner, Redemption) else "reimbursement"
    return InvoiceUse.objects.create(
        invoice_issuer=owner.invoice_issuer,
        invoice_number=owner.invoice_number,
        **{field: owner},
    )


def invoice_taken(exc: IntegrityError) -> bool:
    return violates(exc, ONE_USE, columns=COLUMNS)


def invoice_release(
    *, redemption: Redemption | None = None, reimbursement: Reimbursement | None = None
) -> None:
    """The voided charge's or rejected reimbursement's invoice may back
    another redemption."""
    owner = (
        {"redemption": redemption} if redemption else {"reimbursement": reimbursement}
    )
    InvoiceUse.objects.filter(released_at__isnull=True, **owner).update(
        released_at=timezone.now()
    )


def invoice_in_use(issuer: str, number: str) -> bool:
    return InvoiceUse.objects.filter(
        invoice_issuer=issuer, invoice_number=number, released_at__isnull=True
    ).exists()
