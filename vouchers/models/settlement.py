"""Statements, the provider's reconciliation of them and their payment
(see vouchers.settlement)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.money import MONEY
from config.states import StateMap

from .programs import Program


class StatementStatus(models.TextChoices):
    OPEN = "open", _("Open for reconciliation")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved for payment")
    PAID = "paid", _("Paid in full")


St = StatementStatus

# A statement is built open; the provider reconciles its own records with it
# and submits it; a program manager approves it (or returns it to the
# provider with a reason) and then records its payment. Paid is final.
STATEMENT_STATES = StateMap(
    statuses=StatementStatus,
    transitions={
        St.OPEN: frozenset({St.SUBMITTED}),
        St.SUBMITTED: frozenset({St.APPROVED, St.OPEN}),
        St.APPROVED: frozenset({St.PAID}),
    },
    refusal=_("A statement that is %(from)s cannot become %(to)s."),
)


class Statement(models.Model):
    """What the department owes one provider in one program for one period:
    the confirmed charges of the period that no earlier statement listed
    (a charge is on at most one statement: ``Redemption.statement``)."""

    Status = StatementStatus

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="statements"
    )
    provider = models.ForeignKey(
        "enterprises.Provider", on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    number = models.CharField(_("statement number"), max_length=40, unique=True)
    total = models.DecimalField(_("total (yuan)"), **MONEY)
    charge_count = models.PositiveIntegerField(_("charges"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.TextField(_("reason it was returned"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "provider", "period_start"],
                name="statement_one_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="statement_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(total__gt=0), name="statement_total_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StatementStatus.values),
                name="statement_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Reconciliation(models.Model):
    """One upload of the provider's own records for a statement, and what
    matching them against the statement's charges found. Every upload is
    kept; the newest is the one that counts."""

    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, related_name="reconciliations"
    )
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    matched = models.PositiveIntegerField(_("matched"))
    differences = models.PositiveIntegerField(_("differences"))
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.file_name}"


class ReconciliationOutcome(models.TextChoices):
    MATCHED = "matched", _("Matched")
    MISSING_ON_PLATFORM = "missing_on_platform", _("Not on the platform")
    MISSING_ON_PROVIDER = "missing_on_provider", _("Not in the provider's records")
    AMOUNT_DIFFERS = "amount_differs", _("Amount or voucher code differs")


class ReconciliationItem(models.Model):
    """One line of a reconciliation report: a charge and the provider's
    record of it, or what is on one side only."""

    Outcome = ReconciliationOutcome

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="items"
    )
    outcome = models.CharField(max_length=20, choices=ReconciliationOutcome.choices)
    redemption = models.ForeignKey(
        "vouchers.Redemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40)
    voucher_code = models.CharField(_("voucher code"), max_length=19, blank=True)
    platform_amount = models.DecimalField(null=True, blank=True, **MONEY)
    provider_amount = models.DecimalField(null=True, blank=True, **MONEY)
    provider_date = models.DateField(null=True, blank=True)
    line = models.PositiveIntegerField(_("line in the file"), null=True, blank=True)
    note = models.TextField(_("explanation"), blank=True)
    noted_at = models.DateTimeField(null=True, blank=True)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReconciliationOutcome.values),
                name="reconciliation_item_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number} {self.outcome}"

    @property
    def is_difference(self) -> bool:
        return self.outcome != self.Outcome.MATCHED


class Payment(models.Model):
    """The department's payment of an approved statement: the whole total,
    once (the ledger moves it from payable to paid out)."""

    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="payment"
    )
    reference = models.CharField(_("payment reference"), max_length=60)
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payment_amount_positive"
            ),
            models.UniqueConstraint(fields=["reference"], name="payment_one_reference"),
        ]

    def __str__(self) -> str:
        return self.reference
