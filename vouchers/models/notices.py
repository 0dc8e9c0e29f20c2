"""Public notice (公示): between an application's final approval and its
voucher, the enterprise, its city and the amount are published for the
program's notice period; anyone may object. The amount stays reserved in
the ledger meanwhile (the program's reserved accounts)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.money import MONEY
from config.states import StateMap

from .applications import Application
from .programs import Program
from .vouchers import Voucher


class NoticeStatus(models.TextChoices):
    IN_NOTICE = "in_notice", _("In public notice")
    ISSUED = "issued", _("Voucher issued")
    REJECTED = "rejected", _("Rejected after an objection")


N = NoticeStatus
NOTICE_STATES = StateMap(
    statuses=NoticeStatus,
    transitions={N.IN_NOTICE: frozenset({N.ISSUED, N.REJECTED})},
    refusal=_("A notice that is %(from)s cannot become %(to)s."),
)


class Notice(models.Model):
    """One finally approved application in public notice: the amount
    reserved for it (``amount``), from ``starts_on`` to ``ends_on`` (the
    last working day of the notice, included). Issued the day after, unless
    an objection is open or was upheld."""

    Status = NoticeStatus

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="notice"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="notices"
    )
    amount = models.DecimalField(_("amount reserved (yuan)"), **MONEY)
    # The requested subsidy when less could be reserved (budget or cap).
    reduced_from = models.DecimalField(null=True, blank=True, **MONEY)
    starts_on = models.DateField(_("notice from"))
    ends_on = models.DateField(_("notice until"))
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=N.IN_NOTICE
    )
    # The final approver: the voucher is issued in their name.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="notice"
    )

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["ends_on", "id"]
        indexes = [
            models.Index(
                fields=["program", "ends_on"],
                condition=Q(status="in_notice"),
                name="notice_open_by_program",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NoticeStatus.values), name="notice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="notice_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="notice_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(status="issued", voucher__isnull=False)
                | (~Q(status="issued") & Q(voucher__isnull=True)),
                name="notice_issued_has_voucher",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} ({self.starts_on}–{self.ends_on})"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("objection status", "Open")
    UPHELD = "upheld", pgettext_lazy("objection status", "Upheld")
    DISMISSED = "dismissed", pgettext_lazy("objection status", "Dismissed")
    # The notice ended otherwise (another objection was upheld).
    CLOSED = "closed", pgettext_lazy("objection status", "Closed with the notice")


OB = ObjectionStatus
OBJECTION_STATES = StateMap(
    statuses=ObjectionStatus,
    transitions={OB.OPEN: frozenset({OB.UPHELD, OB.DISMISSED, OB.CLOSED})},
    refusal=_("An objection that is %(from)s cannot become %(to)s."),
)


class Objection(models.Model):
    """An objection to an application in public notice, from anyone (no
    account): who, how to reach them, why, and optional evidence (PDF,
    JPEG or PNG, checked by content). While one is open the voucher waits;
    a program manager upholds it (the application is rejected) or
    dismisses it (the notice goes on), with a reason."""

    Status = ObjectionStatus

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="objections"
    )
    name = models.CharField(_("your name or organisation"), max_length=100)
    contact = models.CharField(_("how to reach you"), max_length=100)
    reason = models.TextField(_("what you object to"), max_length=2000)
    evidence = models.FileField(
        upload_to="objections/%Y/%m/", max_length=200, blank=True
    )
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_type = models.CharField(max_length=50, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=OB.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["notice"], condition=Q(status="open"), name="objection_open"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ObjectionStatus.values),
                name="objection_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="objection_resolved_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice.application.number}: {self.name}"
