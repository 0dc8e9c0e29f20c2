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
