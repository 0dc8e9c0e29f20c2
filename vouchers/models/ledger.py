"""The double-entry ledger's accounts and transfers (see vouchers.ledger)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.money import LEDGER_MONEY, yuan

from .programs import Program
from .vouchers import Voucher

# Accounts that belong to one voucher, and to one provider (within a program).
# A voucher's own accounts: its balance, what is held on it (charges and
# reimbursements under review), what is payable to its enterprise.
VOUCHER_KINDS = ("voucher", "held", "enterprise_payable", "enterprise_paid")
PROVIDER_KINDS = ("provider_payable", "paid_out")
# Accounts for money from outside the program: their balance is minus what
# came in (a funding source's appropriation, the enterprises' repayments).
EXTERNAL_KINDS = ("funding", "repayments")


class LedgerAccount(models.Model):
    """An account of the double-entry ledger. ``balance`` is a cache of the
    transfers (checked by ``vouchers.ledger.checks.check_ledger``); the database refuses a
    negative balance on every kind but the external ones (EXTERNAL_KINDS),
    whose balance is minus what came in from them.

    Three owners: the program (funding, budget), one voucher (its remaining
    balance, what is held on it by pending charges and reimbursements under
    review, and what is payable to its enterprise), or one provider in
    the program (what the department owes it, and what it has paid). A
    charge therefore touches only its own voucher's rows; see
    ``vouchers/lock_objects.py``.
    """

    class Kind(models.TextChoices):
        FUNDING = "funding", _("Funding source")
        BUDGET = "budget", _("Program budget")
        # A city's or county's share of the budget (``region``), per source.
        QUOTA = "quota", _("Regional quota")
        RESERVED = "reserved", _("Reserved")
        VOUCHER = "voucher", _("Voucher")
        HELD = "held", _("Held")
        PROVIDER_PAYABLE = "provider_payable", _("Payable to provider")
        PAID_OUT = "paid_out", _("Paid out")
        RELEASED = "released", _("Released")
        ENTERPRISE_PAYABLE = "enterprise_payable", _("Payable to the enterprise")
        ENTERPRISE_PAID = "enterprise_paid", _("Paid to the enterprise")
        # Clawbacks: the enterprises as a source (minus what they repaid, like
        # funding) and the money recovered, kept apart from the budget.
        REPAYMENTS = "repayments", _("Repayments by enterprises")
        RECOVERED = "recovered", _("Recovered by clawback")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="accounts"
    )
    funding_source = models.CharField(max_length=10, blank=True)
    voucher = models.ForeignKey(
        Voucher,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    provider = models.ForeignKey(
        "enterprises.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The division a quota account is for (kind "quota" only).
    region = models.ForeignKey(
        "enterprises.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    balance = models.DecimalField(default=0, **LEDGER_MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EXTERNAL_KINDS) | Q(balance__gte=0),
                name="ledger_balance_not_negative",
            ),
            models.UniqueConstraint(
                fields=["kind", "program", "funding_source"],
                condition=Q(
                    voucher__isnull=True, provider__isnull=True, region__isnull=True
                ),
                name="ledger_one_program_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["program", "region", "funding_source"],
                condition=Q(region__isnull=False),
                name="ledger_one_quota_account_per_region",
            ),
            models.CheckConstraint(
                condition=Q(kind="quota", region__isnull=False)
                | (~Q(kind="quota") & Q(region__isnull=True)),
                name="ledger_quota_has_a_region",
            ),
            models.UniqueConstraint(
                fields=["voucher", "kind"],
                condition=Q(voucher__isnull=False),
                name="ledger_one_voucher_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["program", "provider", "kind"],
                condition=Q(provider__isnull=False),
                name="ledger_one_provider_account_per_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=VOUCHER_KINDS,
                        voucher__isnull=False,
                        provider__isnull=True,
                    )
                    | Q(
                        kind__in=PROVIDER_KINDS,
                        voucher__isnull=True,
                        provider__isnull=False,
                    )
                    | (
                        ~Q(kind__in=VOUCHER_KINDS + PROVIDER_KINDS)
                        & Q(voucher__isnull=True, provider__isnull=True)
                    )
                ),
                name="ledger_account_owner",
            ),
        ]

    def __str__(self):
        owner = (self.funding_source or self.voucher_id or self.provider_id or "") + (
            f"@{self.region_id}" if self.region_id else ""
        )
        return f"{self.program_id}:{self.kind}:{owner}"


class TransferKind(models.TextChoices):
    """Why money moved: the fixed list every transfer names one of."""

    BUDGET_APPROPRIATED = "budget_appropriated", _("Budget appropriated")
    BUDGET_REDUCED = "budget_reduced", _("Budget reduced")
    VOUCHER_ISSUED = "voucher_issued", _("Voucher issued")
    QUOTA_ALLOCATED = "quota_allocated", _("Budget allotted to a regional quota")
    QUOTA_RETURNED = "quota_returned", _("Regional quota cut, back to the budget")
    QUOTA_MOVED = "quota_moved", _("Unused quota moved to another region")
    NOTICE_RESERVED = (
        "notice_reserved",
        _("Reserved for an application in public notice"),
    )
    NOTICE_RELEASED = (
        "notice_released",
        _("Public notice ended, reservation returned to the budget"),
    )
    CHARGE_HELD = "charge_held", _("Charge held on the voucher")
    CHARGE_VOIDED = "charge_voided", _("Charge voided, hold returned")
    CHARGE_CONFIRMED = (
        "charge_confirmed",
        _("Charge confirmed, payable to the provider"),
    )
    STATEMENT_PAID = "statement_paid", _("Statement paid to the provider")
    VOUCHER_RELEASED = (
        "voucher_released",
        _("Unused balance released to the program budget"),
    )
    CLAWBACK_REPAID = "clawback_repaid", _("Clawback repaid by the enterprise")
    REIMBURSEMENT_PAID = (
        "reimbursement_paid",
        _("Verified reimbursement paid to the enterprise"),
    )
    REIMBURSEMENT_HELD = (
        "reimbursement_held",
        _("Reimbursement claimed, held on the voucher"),
    )
    REIMBURSEMENT_VERIFIED = (
        "reimbursement_verified",
        _("Reimbursement verified, payable to the enterprise"),
    )
    REIMBURSEMENT_RETURNED = (
        "reimbursement_returned",
        _("Reimbursement not verified, returned to the voucher"),
    )


class LedgerTransfer(models.Model):
    """A movement of a positive amount from one account to another. Never
    updated or deleted (the database refuses it); corrections are new
    transfers.

    ``key`` is unique: the operation that moves money names it (e.g.
    ``charge_held:42``), so the same operation replayed cannot move money a
    second time; the database refuses the duplicate. Transfers written
    before keys existed carry ``legacy:<id>``.
    """

    Kind = TransferKind

    debit = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="debits"
    )
    credit = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="credits"
    )
    amount = models.DecimalField(**LEDGER_MONEY)
    kind = models.CharField(max_length=40, choices=TransferKind.choices)
    key = models.CharField(max_length=100, unique=True)
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
        return f"{self.debit_id} → {self.credit_id}: {yuan(self.amount)}"
