from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from enterprises.models import Region


class Program(models.Model):
    """A voucher program (e.g. HZ-COMPUTE-2026). Its numbers live in
    versions (``ProgramVersion``), each effective from a moment on."""

    class Kind(models.TextChoices):
        COMPUTE = "compute", _("Compute voucher")
        MODEL = "model", _("Model voucher")
        EVALUATION = "evaluation", _("Evaluation voucher")
        OTHER = "other", _("Other voucher")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed", "archived"]),
                name="program_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9][A-Z0-9-]{2,39}$"),
                name="program_code_format",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class ProgramVersion(models.Model):
    """One version of a program's parameters and rule set, effective from a
    moment on. Versions are never changed: a change is a new version, and a
    decision records the version it was made under."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("effective from"))
    # Validated by vouchers.params.ProgramParams.from_json before saving.
    params = models.JSONField(_("parameters"))
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("program version")
        verbose_name_plural = _("program versions")
        ordering = ["program_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"], name="program_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["program", "effective_from"],
                name="program_version_effective_unique",
            ),
        ]

    def __str__(self):
        return f"{self.program.code} v{self.number}"

    def parsed(self):
        from .params import ProgramParams

        return ProgramParams.from_json(self.params)


class EligibilityDecision(models.Model):
    """A stored eligibility decision: the facts it looked at, the program
    version it used and every rule's result, so it can be re-explained."""

    program_version = models.ForeignKey(
        ProgramVersion, on_delete=models.PROTECT, related_name="decisions"
    )
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    facts = models.JSONField()
    result = models.JSONField()
    eligible = models.BooleanField()
    needs_review = models.BooleanField()
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    subsidy = models.DecimalField(max_digits=16, decimal_places=2)
    budget_remaining = models.DecimalField(max_digits=16, decimal_places=2)
    engine_version = models.CharField(max_length=10)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(subsidy__gte=0), name="decision_subsidy_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id} v{self.program_version_id}"


MONEY = {"max_digits": 16, "decimal_places": 2}
LIVE_STATUSES = ("submitted", "in_review", "returned", "approved")


class Application(models.Model):
    """An enterprise's application to a program, from draft to decision.

    States (vouchers.applications.TRANSITIONS):
      draft      the applicant fills the steps; saved as they go
      submitted  screened by the program's rules at once (transient)
      in_review  waiting at ``stage`` (an index into the version's stages)
      returned   sent back for correction; the applicant edits and resubmits
      approved   the last stage approved it and a voucher was issued
      rejected   by a rule that failed outright, or by a reviewer
      withdrawn  by the applicant, before a decision
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", pgettext_lazy("application status", "Approved")
        REJECTED = "rejected", pgettext_lazy("application status", "Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.CharField(
        _("application number"), max_length=40, unique=True, null=True, blank=True
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="applications"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # The version the application was last submitted under, and its stage.
    program_version = models.ForeignKey(
        ProgramVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stage = models.PositiveSmallIntegerField(_("review stage"), default=0)
    # The stage's level (county, city, province) and whether it is the last,
    # kept with the stage so the review queues are plain queries.
    stage_level = models.CharField(_("review level"), max_length=10, blank=True)
    final_stage = models.BooleanField(default=False)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    # Contract facts
    provider = models.ForeignKey(
        "enterprises.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    offering = models.ForeignKey(
        "enterprises.Offering",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    contract_signed_on = models.DateField(_("signing date"), null=True, blank=True)
    contract_term_months = models.PositiveSmallIntegerField(
        _("term (months)"), null=True, blank=True
    )
    year_contract_total = models.DecimalField(
        _("compute contracts this year, this one included (yuan)"),
        null=True,
        blank=True,
        **MONEY,
    )
    # Derived at submission
    contract_amount = models.DecimalField(
        _("contract amount (yuan)"), null=True, blank=True, **MONEY
    )
    eligible_amount = models.DecimalField(
        _("eligible amount (yuan)"), null=True, blank=True, **MONEY
    )
    requested_subsidy = models.DecimalField(
        _("estimated subsidy (yuan)"), null=True, blank=True, **MONEY
    )
    needs_review = models.BooleanField(_("flagged for review"), default=False)
    screening = models.ForeignKey(
        EligibilityDecision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Raw inputs of steps not yet valid: leaving and coming back loses nothing.
    draft = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["program", "status", "stage"]),
            models.Index(fields=["status", "stage_level"]),
            # Per-state counts of a region answered from the index alone.
            models.Index(
                fields=["enterprise", "status", "id"],
                name="application_enterprise_status",
            ),
            # Review queues in their order (oldest submitted first).
            models.Index(
                fields=["stage_level", "submitted_at", "id", "enterprise"],
                condition=Q(status="in_review"),
                name="application_queue_order",
            ),
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="in_review", final_stage=True),
                name="application_final_queue_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "in_review",
                        "returned",
                        "approved",
                        "rejected",
                        "withdrawn",
                    ]
                ),
                name="application_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(requested_subsidy__gte=0) | Q(requested_subsidy__isnull=True)
                )
                & (Q(contract_amount__gte=0) | Q(contract_amount__isnull=True))
                & (Q(eligible_amount__gte=0) | Q(eligible_amount__isnull=True)),
                name="application_amounts_not_negative",
            ),
            # One contract, one claim: a provider's contract number is in at
            # most one live application, across all programs.
            models.UniqueConstraint(
                fields=["provider", "contract_number"],
                condition=Q(status__in=LIVE_STATUSES) & ~Q(contract_number=""),
                name="application_one_contract_one_claim",
            ),
        ]

    def __str__(self):
        return self.number or gettext("Draft %(id)d") % {"id": self.pk}


class LineItem(models.Model):
    """A line of the contract; categories the program excludes (storage,
    network, security...) are taken out of the eligible base."""

    class Category(models.TextChoices):
        COMPUTE = "compute", _("Compute")
        MODEL = "model", _("Model service")
        STORAGE = "storage", _("Storage")
        NETWORK = "network", _("Network")
        SECURITY = "security", pgettext_lazy("line item category", "Security")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="line_items"
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="line_item_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.description} {self.amount}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents"
    )
    document = models.ForeignKey(
        "enterprises.Document", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.application} {self.kind}"


class ApplicationRevision(models.Model):
    """What was submitted each time (the history of each version)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["application_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="revision_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.application} r{self.number}"


class RejectionReason(models.Model):
    """The configurable list of reasons reviewers pick from."""

    code = models.SlugField(unique=True)
    label_zh = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return (
            self.label_en if (get_language() or "").startswith("en") else self.label_zh
        )


class Review(models.Model):
    """One reviewer's decision at one stage of one revision. Never changed;
    when a corrected application comes back, the earlier approvals are
    marked invalidated and the stages start again."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        RETURN = "return", _("Return for correction")
        REJECT = "reject", _("Reject")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviews"
    )
    revision = models.PositiveSmallIntegerField()
    stage = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=10)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["approve", "return", "reject"]),
                name="review_decision_valid",
            ),
        ]

    def __str__(self):
        return f"{self.application} stage {self.stage}: {self.decision}"


class Voucher(models.Model):
    """An issued voucher: bound to the enterprise, with its face value and
    expiry. Its balance lives in the ledger (its voucher account)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

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

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(face_value__gt=0), name="voucher_face_value_positive"
            ),
        ]

    def __str__(self):
        return self.code


class LedgerAccount(models.Model):
    """An account of the double-entry ledger. ``balance`` is a cache of the
    transfers (checked by ``manage.py check_ledger``); the database refuses a
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
    balance = models.DecimalField(max_digits=18, decimal_places=2, default=0)

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
    amount = models.DecimalField(max_digits=18, decimal_places=2)
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


class Notification(models.Model):
    """An in-app message (the same news also goes out by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    application = models.ForeignKey(
        Application,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.subject
