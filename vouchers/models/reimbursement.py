"""Reimbursements (a program that reimburses after payment) and the
register of invoices that back a redemption of either mode."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.money import MONEY, yuan
from config.states import StateMap

from .programs import Program
from .redemption import Redemption
from .vouchers import Voucher


class ReimbursementStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Under review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid to the enterprise")


# Verified and paid claims carry a verified amount.
WITH_VERIFIED_AMOUNT = (ReimbursementStatus.VERIFIED, ReimbursementStatus.PAID)

REIMBURSEMENT_STATES = StateMap(
    statuses=ReimbursementStatus,
    transitions={
        ReimbursementStatus.SUBMITTED: frozenset(
            {ReimbursementStatus.VERIFIED, ReimbursementStatus.REJECTED}
        ),
        ReimbursementStatus.VERIFIED: frozenset({ReimbursementStatus.PAID}),
    },
    refusal=_("A reimbursement that is %(from)s cannot become %(to)s."),
)


class Reimbursement(models.Model):
    """The enterprise paid a provider itself and claims the amount from its
    voucher: the claimed amount is held on the voucher while a reviewer of
    its region checks the invoice and the proof of payment; the verified
    amount (at most the claim) becomes payable to the enterprise, the rest
    goes back on the voucher."""

    Status = ReimbursementStatus

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="reimbursements"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="reimbursements"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="reimbursements",
    )
    invoice_issuer = models.CharField(_("invoice issuer (credit code)"), max_length=18)
    invoice_issuer_name = models.CharField(_("invoice issuer"), max_length=200)
    invoice_number = models.CharField(_("invoice number"), max_length=40)
    invoice_date = models.DateField(_("invoice date"))
    amount = models.DecimalField(_("amount claimed (yuan)"), **MONEY)
    proof = models.ForeignKey(
        "enterprises.Document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proof of payment"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReimbursementStatus.choices,
        default=ReimbursementStatus.SUBMITTED,
    )
    verified_amount = models.DecimalField(
        _("verified amount (yuan)"), null=True, blank=True, **MONEY
    )
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The payment of the verified amount to the enterprise (a program
    # manager records it; the bank reference once).
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(
        _("payment reference"), max_length=60, blank=True
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reimbursement")
        verbose_name_plural = _("reimbursements")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="reimbursement_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReimbursementStatus.values),
                name="reimbursement_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=["verified", "paid"], verified_amount__gt=0)
                    & Q(verified_amount__lte=models.F("amount"))
                )
                | (
                    ~Q(status__in=["verified", "paid"])
                    & Q(verified_amount__isnull=True)
                ),
                name="reimbursement_verified_amount",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="paid", paid_on__isnull=False) & ~Q(payment_reference="")
                )
                | (~Q(status="paid") & Q(paid_on__isnull=True, payment_reference="")),
                name="reimbursement_paid_with_reference",
            ),
            models.UniqueConstraint(
                fields=["payment_reference"],
                condition=~Q(payment_reference=""),
                name="reimbursement_payment_reference_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="submitted"),
                name="reimbursement_queue_idx",
            ),
        ]

    def __str__(self):
        return f"{self.invoice_number} {yuan(self.amount)}"


class InvoiceUse(models.Model):
    """An invoice (issuer + number) backing a redemption: a provider's
    charge or an enterprise's reimbursement. The partial unique index makes
    one invoice back at most one live redemption across every program and
    both modes; a voided charge or a rejected reimbursement releases it."""

    invoice_issuer = models.CharField(max_length=18)
    invoice_number = models.CharField(max_length=40)
    redemption = models.OneToOneField(
        Redemption,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_use",
    )
    reimbursement = models.OneToOneField(
        Reimbursement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_use",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice use")
        verbose_name_plural = _("invoice uses")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_issuer", "invoice_number"],
                condition=Q(released_at__isnull=True),
                name="invoice_one_use",
            ),
            models.CheckConstraint(
                condition=Q(redemption__isnull=False, reimbursement__isnull=True)
                | Q(redemption__isnull=True, reimbursement__isnull=False),
                name="invoice_use_one_owner",
            ),
        ]

    def __str__(self):
        return f"{self.invoice_issuer}/{self.invoice_number}"
