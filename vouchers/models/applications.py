"""Applications and what belongs to them: line items, documents, the
revision kept at each submission, reviews, the reasons reviewers pick from
and the in-app notifications about them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.money import MONEY, yuan
from config.states import StateMap

from .decisions import EligibilityDecision
from .programs import Program, ProgramVersion


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for correction")
    IN_NOTICE = "in_notice", _("In public notice")
    APPROVED = "approved", pgettext_lazy("application status", "Approved")
    REJECTED = "rejected", pgettext_lazy("application status", "Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationStatus
# Who moves an application where: vouchers.applications.services (the
# applicant) and vouchers.review.services (reviewers, the final approval).
APPLICATION_STATES = StateMap(
    statuses=ApplicationStatus,
    transitions={
        S.DRAFT: frozenset({S.SUBMITTED}),
        S.SUBMITTED: frozenset({S.IN_REVIEW, S.REJECTED, S.WITHDRAWN}),
        S.IN_REVIEW: frozenset(
            {S.IN_REVIEW, S.IN_NOTICE, S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN}
        ),
        # Public notice (vouchers.notice): issued at its end, or rejected
        # when an objection is upheld.
        S.IN_NOTICE: frozenset({S.APPROVED, S.REJECTED}),
        S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    },
    refusal=_("An application that is %(from)s cannot become %(to)s."),
)
# The applicant may change an application in these states.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.RETURNED})
# Applications that hold on to their contract (one contract, one claim).
LIVE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.RETURNED,
    ApplicationStatus.IN_NOTICE,
    ApplicationStatus.APPROVED,
)


class Application(models.Model):
    """An enterprise's application to a program, from draft to decision.

    States (the moves between them: ``APPLICATION_STATES`` below):
      draft      the applicant fills the steps; saved as they go
      submitted  screened by the program's rules at once (transient)
      in_review  waiting at ``stage`` (an index into the version's stages)
      returned   sent back for correction; the applicant edits and resubmits
      approved   the last stage approved it and a voucher was issued
      rejected   by a rule that failed outright, or by a reviewer
      withdrawn  by the applicant, before a decision
    """

    Status = ApplicationStatus

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
                condition=Q(status__in=ApplicationStatus.values),
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

    @property
    def submitted_version(self) -> ProgramVersion:
        """The version the application was last submitted under; a draft
        never submitted has none (an error to ask for)."""
        if self.program_version is None:
            raise ValueError(f"application {self.pk} was never submitted")
        return self.program_version


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
        return f"{self.description} {yuan(self.amount)}"


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


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for correction")
    REJECT = "reject", _("Reject")


class Review(models.Model):
    """One reviewer's decision at one stage of one revision. Never changed;
    when a corrected application comes back, the earlier approvals are
    marked invalidated and the stages start again."""

    Decision = ReviewDecision

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
                condition=Q(decision__in=ReviewDecision.values),
                name="review_decision_valid",
            ),
        ]

    def __str__(self):
        return f"{self.application} stage {self.stage}: {self.decision}"


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
