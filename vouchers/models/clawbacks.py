"""Clawbacks: money a voucher's enterprise obtained improperly and must
repay, with the repayments recorded (each one a ledger transfer)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.money import MONEY, yuan
from config.states import StateMap

from .programs import Program
from .vouchers import Voucher


class ClawbackStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("clawback", "Open")
    REPAID = "repaid", pgettext_lazy("clawback", "Repaid")


# Open until the repayments add up to the amount (overdue is derived: open
# and past its due date).
CLAWBACK_STATES = StateMap(
    statuses=ClawbackStatus,
    transitions={ClawbackStatus.OPEN: frozenset({ClawbackStatus.REPAID})},
    refusal=_("A clawback that is %(from)s cannot become %(to)s."),
)


class Clawback(models.Model):
    """A demand for repayment recorded by a program manager: the amount,
    the legal basis it rests on, the facts and the due date."""

    Status = ClawbackStatus

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="clawbacks"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="clawbacks"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="clawbacks"
    )
    amount = models.DecimalField(_("amount to repay (yuan)"), **MONEY)
    repaid = models.DecimalField(_("repaid (yuan)"), default=0, **MONEY)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    reason = models.TextField(_("facts"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ClawbackStatus.choices,
        default=ClawbackStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("clawback")
        verbose_name_plural = _("clawbacks")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="clawback_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(repaid__gte=0, repaid__lte=models.F("amount")),
                name="clawback_repaid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClawbackStatus.values),
                name="clawback_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.voucher_id}:{yuan(self.amount)}"

    @property
    def outstanding(self):
        return self.amount - self.repaid


class ClawbackRepayment(models.Model):
    """A repayment received: its bank reference is unique, so the same
    payment cannot be recorded twice."""

    clawback = models.ForeignKey(
        Clawback, on_delete=models.PROTECT, related_name="repayments"
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid_on = models.DateField(_("date received"))
    reference = models.CharField(_("payment reference"), max_length=60, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="clawback_repayment_positive"
            )
        ]

    def __str__(self):
        return self.reference
