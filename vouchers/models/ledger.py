"""The double-entry ledger's accounts and transfers (see vouchers.ledger)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.money import LEDGER_MONEY

from .programs import Program
from .vouchers import Voucher


class LedgerAccount(models.Model):
    """An account of the double-entry ledger. ``balance`` is a cache of the
    transfers (checked by ``vouchers.ledger.checks.check_ledger``); the database refuses a
    negative balance on every kind but the funding source, whose balance is
    minus what it has appropriated."""

    class Kind(models.TextChoices):
        FUNDING = "funding", _("Funding source")
        BUDGET = "budget", _("Program budget")
        RESERVED = "reserved", _("Reserved")
        VOUCHER = "voucher", _("Voucher")
        HELD = "held", _("Held")
        PROVIDER_PAYABLE = "provider_payable", _("Payable to provider")
        PAID_OUT = "paid_out", _("Paid out")
        RELEASED = "released", _("Released")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="accounts"
    )
    funding_source = models.CharField(max_length=10, blank=True)
    voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    balance = models.DecimalField(default=0, **LEDGER_MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="funding") | Q(balance__gte=0),
                name="ledger_balance_not_negative",
            ),
            models.UniqueConstraint(
                fields=["kind", "program", "funding_source"],
                condition=Q(voucher__isnull=True),
                name="ledger_one_program_account_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.program_id}:{self.kind}:{self.funding_source or self.voucher_id or ''}"


class LedgerTransfer(models.Model):
    """A movement of a positive amount from one account to another. Never
    updated or deleted (the database refuses it); corrections are new
    transfers."""

    debit = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="debits"
    )
    credit = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="credits"
    )
    amount = models.DecimalField(**LEDGER_MONEY)
    kind = models.CharField(max_length=40)
    reference_type = models.CharField(max_length=64, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
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
                condition=Q(amount__gt=0), name="ledger_transfer_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(debit=models.F("credit")),
                name="ledger_transfer_two_accounts",
            ),
        ]

    def __str__(self):
        return f"{self.debit_id} → {self.credit_id}: {self.amount}"
