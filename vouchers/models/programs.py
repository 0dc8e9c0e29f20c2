"""Programs and their versions: a program's identity and status, and its
numbers in immutable versions, each effective from a moment on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.states import StateMap
from enterprises.models import Region

from ..programs.params import ProgramParams


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


S = ProgramStatus
# draft → open | archived; open → closed; closed → open (reopened) | archived.
# Opening appropriates the budget (vouchers.programs.services).
PROGRAM_STATES = StateMap(
    statuses=ProgramStatus,
    transitions={
        S.DRAFT: frozenset({S.OPEN, S.ARCHIVED}),
        S.OPEN: frozenset({S.CLOSED}),
        S.CLOSED: frozenset({S.OPEN, S.ARCHIVED}),
    },
    refusal=_("A program that is %(from)s cannot become %(to)s."),
)


class Program(models.Model):
    """A voucher program (e.g. HZ-COMPUTE-2026). Its numbers live in
    versions (``ProgramVersion``), each effective from a moment on."""

    class Kind(models.TextChoices):
        COMPUTE = "compute", _("Compute voucher")
        MODEL = "model", _("Model voucher")
        EVALUATION = "evaluation", _("Evaluation voucher")
        OTHER = "other", _("Other voucher")

    Status = ProgramStatus

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
                condition=Q(status__in=ProgramStatus.values),
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

    def parsed(self) -> ProgramParams:
        return ProgramParams.from_json(self.params)


class ProgramChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting a second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ImpactStatus(models.TextChoices):
    PENDING = "pending", _("Being computed")
    DONE = "done", _("Computed")
    FAILED = "failed", _("Could not be computed")


C = ProgramChangeStatus
# proposed → approved (a version is made) | rejected | withdrawn; all final.
PROGRAM_CHANGE_STATES = StateMap(
    statuses=ProgramChangeStatus,
    transitions={C.PROPOSED: frozenset({C.APPROVED, C.REJECTED, C.WITHDRAWN})},
    refusal=_("A change that is %(from)s cannot become %(to)s."),
)


class ProgramChange(models.Model):
    """A proposed new version of an open or closed program's parameters
    (four eyes): one program manager proposes, another approves it, and
    only then is the version made (``version``). Proposed against the
    latest version (``base``): if another version came first, it can no
    longer be approved and is proposed again. One open proposal per
    program at a time."""

    Status = ProgramChangeStatus
    Impact = ImpactStatus

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="changes"
    )
    base = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    # Validated by ProgramParams.from_json before saving, like a version's.
    params = models.JSONField(_("parameters"))
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    # None: effective when approved.
    effective_from = models.DateTimeField(_("effective from"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProgramChangeStatus.choices,
        default=ProgramChangeStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    version = models.OneToOneField(
        ProgramVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change",
    )
    # What the proposal would have done on the program's past applications
    # (vouchers.programs.whatif), computed in the background after the
    # proposal; derived data, recomputed on request.
    impact_status = models.CharField(
        max_length=10, choices=ImpactStatus.choices, default=ImpactStatus.PENDING
    )
    impact = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("program change")
        verbose_name_plural = _("program changes")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(status="proposed"),
                name="program_change_one_open",
            ),
            # Four eyes, in the database too: nobody approves or rejects
            # their own proposal (withdrawing it is theirs).
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "withdrawn"])
                | ~Q(decided_by=models.F("proposed_by")),
                name="program_change_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status="approved", version__isnull=False)
                | (~Q(status="approved") & Q(version__isnull=True)),
                name="program_change_version_iff_approved",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_at__isnull=True)
                | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="program_change_decided_at",
            ),
        ]

    def __str__(self):
        return f"{self.program.code} change #{self.pk}"
