"""Issued vouchers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.money import MONEY
from config.states import StateMap

from .applications import Application
from .programs import Program


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


# An active voucher expires at the end of its validity (vouchers.lifecycle,
# nightly) or is revoked by a program manager; both are final.
VOUCHER_STATES = StateMap(
    statuses=VoucherStatus,
    transitions={
        VoucherStatus.ACTIVE: frozenset({VoucherStatus.EXPIRED, VoucherStatus.REVOKED})
    },
    refusal=_("A voucher that is %(from)s cannot become %(to)s."),
)


class Voucher(models.Model):
    """An issued voucher: bound to the enterprise, with its face value and
    expiry. Its balance lives in the ledger (its voucher account)."""

    Status = VoucherStatus

    code = models.CharField(_("voucher code"), max_length=19, unique=True)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="voucher"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="vouchers"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="vouchers"
    )
    face_value = models.DecimalField(_("face value (yuan)"), **MONEY)
    issued_at = models.DateTimeField(_("issued"))
    expires_on = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # When and why it stopped being active (expired or revoked); the unused
    # balance was released to the program budget then.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(face_value__gt=0), name="voucher_face_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VoucherStatus.values),
                name="voucher_status_valid",
            ),
        ]

    def __str__(self):
        return self.code


class VoucherReminder(models.Model):
    """An expiry reminder sent for a voucher (30 and 7 days before): the
    unique pair makes the nightly task send each one once."""

    voucher = models.ForeignKey(
        Voucher, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "days_before"], name="voucher_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.voucher_id}:{self.days_before}"
