"""Redemptions: a provider's charge against a voucher (see vouchers.redemption)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.money import MONEY, yuan
from config.states import StateMap
from enterprises.models import Offering, unit_label

from .programs import Program
from .vouchers import Voucher

QUANTITY = {"max_digits": 18, "decimal_places": 4}
OFFERING_UNITS = Offering.Unit.choices


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", _("Pending confirmation")
    DISPUTED = "disputed", _("Disputed")
    CONFIRMED = "confirmed", _("Confirmed")
    VOIDED = "voided", _("Voided")


S = RedemptionStatus

# A charge is held on the voucher until the enterprise confirms it (or the
# confirmation window passes), disputes it, or the provider voids it. A
# dispute is decided by a reviewer of the enterprise's region: upheld
# (confirmed) or voided. Confirmed and voided are final.
REDEMPTION_STATES = StateMap(
    statuses=RedemptionStatus,
    transitions={
        S.PENDING: frozenset({S.CONFIRMED, S.DISPUTED, S.VOIDED}),
        S.DISPUTED: frozenset({S.CONFIRMED, S.VOIDED}),
    },
    refusal=_("A charge that is %(from)s cannot become %(to)s."),
)
# Statuses whose amount is still held on the voucher.
HELD_STATUSES = (S.PENDING, S.DISPUTED)


class Redemption(models.Model):
    """A charge by a provider against a voucher, for one offering: first a
    hold on the voucher's balance, then confirmed (payable to the provider)
    or voided (back on the voucher). The invoice (issuer + number) backs at
    most one redemption that is not voided."""

    Status = RedemptionStatus

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="redemptions"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="redemptions"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="redemptions"
    )
    provider = models.ForeignKey(
        "enterprises.Provider", on_delete=models.PROTECT, related_name="redemptions"
    )
    offering = models.ForeignKey(
        "enterprises.Offering", on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    # The offering's unit when charged: its code (shown in the reader's
    # language) and, for "other", the provider's own name of it.
    unit = models.CharField(_("unit"), max_length=20, choices=OFFERING_UNITS)
    unit_other = models.CharField(_("unit (if other)"), max_length=50, blank=True)
    unit_price = models.DecimalField(
        _("unit price (yuan)"), max_digits=14, decimal_places=4
    )
    list_price = models.DecimalField(
        _("list price when charged"), max_digits=14, decimal_places=4
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    above_list_price = models.BooleanField(_("above the list price"), default=False)
    period_start = models.DateField(_("used from"))
    period_end = models.DateField(_("used until"))
    invoice_issuer = models.CharField(_("invoice issuer (credit code)"), max_length=18)
    invoice_number = models.CharField(_("invoice number"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    confirm_by = models.DateTimeField(_("confirms itself at"))
    dispute_reason = models.TextField(_("reason of the dispute"), blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    statement = models.ForeignKey(
        "vouchers.Statement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
        help_text="The statement that lists this confirmed charge (one at most).",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="redemption_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gt=0),
                name="redemption_quantity_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="redemption_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RedemptionStatus.values),
                name="redemption_status_valid",
            ),
            models.UniqueConstraint(
                fields=["invoice_issuer", "invoice_number"],
                condition=~Q(status="voided"),
                name="redemption_one_invoice",
            ),
            models.CheckConstraint(
                condition=Q(statement__isnull=True)
                | Q(status=RedemptionStatus.CONFIRMED),
                name="redemption_stated_only_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-id"], name="redemption_provider_idx"),
            models.Index(
                fields=["confirm_by"],
                condition=Q(status="pending"),
                name="redemption_due_idx",
            ),
            models.Index(
                fields=["program", "provider", "decided_at"],
                condition=Q(status="confirmed", statement__isnull=True),
                name="redemption_unstated_idx",
            ),
        ]

    def __str__(self):
        return f"{self.invoice_number} {yuan(self.amount)}"

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language (the provider's own words for
        "other")."""
        return unit_label(self.unit, self.unit_other)

    @property
    def is_held(self) -> bool:
        return self.status in HELD_STATUSES
