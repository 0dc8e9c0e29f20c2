from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """One state change, written in the same transaction as the change.

    Append-only: rows are only ever inserted, through
    ``audits.services.audit_event_record``; the database refuses UPDATE and
    DELETE (and TRUNCATE on PostgreSQL). The sealer links each committed
    event into the tamper-evident chain (``ChainLink``) shortly after.
    """

    occurred_at = models.DateTimeField(
        _("time (UTC)"), auto_now_add=True, db_index=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept even if the account changes later: who it was at the time.
    actor_label = models.CharField(_("actor label"), max_length=254)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("values before"), null=True, blank=True)
    after = models.JSONField(_("values after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"


class PendingSeal(models.Model):
    """An event committed but not yet linked into the chain.

    ``audit_event_record`` inserts one with every event, in the business
    transaction; the sealer links the committed ones into the chain and
    deletes them. It is the sealer's work queue, not the record: losing a
    row here is detected (``audit_verify`` finds an event neither sealed nor
    waiting), and it keeps the sealer's read small however long the trail.
    """

    # DO_NOTHING: an event is never deleted (the trigger refuses it), and
    # the foreign-key constraint stays in the database.
    event = models.OneToOneField(
        AuditEvent, primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )

    class Meta:
        verbose_name = _("event waiting to be sealed")
        verbose_name_plural = _("events waiting to be sealed")

    def __str__(self):
        return f"event #{self.event_id}"


class ChainLink(models.Model):
    """An event's place in the tamper-evident chain (append-only).

    ``hash`` = the algorithm's digest of the event's canonical content, its
    position and ``prev_hash`` (the hash of the link before it); see
    ``audits.chain.canonical``. The algorithm is recorded per link so it can
    change later without breaking old links.
    """

    seq = models.BigIntegerField(_("position"), primary_key=True)
    event = models.OneToOneField(
        AuditEvent,
        verbose_name=_("event"),
        on_delete=models.DO_NOTHING,  # as PendingSeal.event
        related_name="chain_link",
    )
    algorithm = models.CharField(_("algorithm"), max_length=16)
    prev_hash = models.CharField(_("previous hash"), max_length=128)
    hash = models.CharField(_("hash"), max_length=128)
    sealed_at = models.DateTimeField(_("sealed at"))

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.hash[:16]}"


class ChainCheckpoint(models.Model):
    """The chain's head at one moment (append-only), taken on a schedule and
    on demand, printed in reports and downloadable, so a copy kept outside
    the system can later be compared with the chain."""

    seq = models.BigIntegerField(_("position"), unique=True)
    hash = models.CharField(_("head hash"), max_length=128)
    algorithm = models.CharField(_("algorithm"), max_length=16)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by_label = models.CharField(_("taken by"), max_length=254)

    class Meta:
        verbose_name = _("chain checkpoint")
        verbose_name_plural = _("chain checkpoints")
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.hash[:16]}"


class ChainVerification(models.Model):
    """One run of the chain check (``audit_verify`` or the auditor's page):
    what it covered and what it found. Runs in the background; the page
    shows the latest."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        INTACT = "intact", _("intact")
        BROKEN = "broken", _("broken")
        FAILED = "failed", _("could not finish")

    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by_label = models.CharField(_("requested by"), max_length=254)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    first_seq = models.BigIntegerField(_("from position"), default=1)
    last_seq = models.BigIntegerField(_("to position"), null=True, blank=True)
    checked = models.BigIntegerField(_("links checked"), default=0)
    head_hash = models.CharField(_("head hash"), max_length=128, blank=True)
    break_seq = models.BigIntegerField(_("first break at"), null=True, blank=True)
    # What the first break is (audits.chain.verify.Break): its reason code
    # and facts, put in words when shown, in the reader's language.
    break_reason = models.CharField(_("reason"), max_length=32, blank=True)
    break_detail = models.JSONField(_("what was found"), null=True, blank=True)
    pending = models.BigIntegerField(_("waiting to be sealed"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("chain verification")
        verbose_name_plural = _("chain verifications")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def break_text(self) -> str:
        """The first break in words, in the active language."""
        if not self.break_reason:
            return ""
        from .chain.verify import describe

        return describe(self.break_reason, self.break_detail or {})


class FlagStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("flag status", "Open")
    DISMISSED = "dismissed", pgettext_lazy("flag status", "Dismissed")
    CONFIRMED = "confirmed", pgettext_lazy("flag status", "Confirmed")


class Flag(models.Model):
    """Something an auditor should look at, raised by a rule of
    ``audits.flags.rules`` with the facts that raised it. ``(rule, key)``
    names the anomaly, so a second scan raises no duplicate. Auditors
    triage it once: open → dismissed or confirmed, with a note."""

    Status = FlagStatus

    rule = models.CharField(_("rule"), max_length=32)
    key = models.CharField(max_length=200)
    # What it is about (an application, a charge, a voucher, an enterprise,
    # a provider), and whose it is, for filters and links.
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider = models.ForeignKey(
        "enterprises.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    program = models.ForeignKey(
        "vouchers.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The values that raised it, as found then (put in words when shown).
    facts = models.JSONField(_("facts"))
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("anomaly flag")
        verbose_name_plural = _("anomaly flags")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="flag_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=FlagStatus.values),
                name="flag_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (models.Q(triaged_at__isnull=False) & ~models.Q(note="")),
                name="flag_triaged_with_note",
            ),
        ]
        indexes = [models.Index(fields=["status", "-id"], name="flag_status_idx")]

    def __str__(self):
        return f"{self.rule} {self.key}"

    @property
    def text(self) -> str:
        """What raised it, in words, in the active language."""
        from .flags.rules import explain

        return explain(self.rule, self.facts)

    @property
    def rule_title(self) -> str:
        from .flags.rules import rule_title

        return rule_title(self.rule)


class FlagScan(models.Model):
    """One run of the flag rules (nightly, or asked for on the flags page)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("could not finish")

    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by_label = models.CharField(_("requested by"), max_length=254)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    raised = models.PositiveIntegerField(_("flags raised"), default=0)
    # Raised per rule code, e.g. {"same_contract": 2}.
    by_rule = models.JSONField(default=dict)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag scan")
        verbose_name_plural = _("flag scans")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M}"


def _report_path(instance: Report, filename: str) -> str:
    return f"reports/{instance.number}/{filename}"


class Report(models.Model):
    """One generated audit report: numbered, never overwritten (a
    regeneration is a new report). Built in the background; the files'
    SHA-256 and SM3 are stored so anyone can check a copy on the public
    verify page."""

    class Kind(models.TextChoices):
        PROGRAM = "program", _("Program report")
        PROVIDER = "provider", _("Provider reconciliation report")
        ENTERPRISE = "enterprise", _("Enterprise dossier")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being built")
        DONE = "done", _("ready")
        FAILED = "failed", _("could not be built")

    number = models.CharField(_("report number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    program = models.ForeignKey(
        "vouchers.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider = models.ForeignKey(
        "enterprises.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The provider report's period (charges made on these local days).
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # How far the build is (0–100) and what it is doing, for the page.
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by_label = models.CharField(_("requested by"), max_length=254)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The chain's checkpoint the report covers (taken when it was built).
    checkpoint_seq = models.BigIntegerField(null=True, blank=True)
    checkpoint_hash = models.CharField(max_length=128, blank=True)
    # The detail rows' fingerprint, printed in every page's footer.
    fingerprint = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(upload_to=_report_path, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_sm3 = models.CharField(max_length=64, blank=True)
    # Who signed the PDF (PAdES), "" when no signing key is configured.
    signer = models.CharField(_("signed by"), max_length=255, blank=True)
    xlsx = models.FileField(upload_to=_report_path, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    xlsx_sm3 = models.CharField(max_length=64, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit report")
        verbose_name_plural = _("audit reports")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return self.number

    @property
    def subject(self) -> str:
        """What the report is about, in words."""
        if self.kind == self.Kind.PROVIDER and self.provider is not None:
            return f"{self.provider.name} · {self.period_start} — {self.period_end}"
        if self.kind == self.Kind.ENTERPRISE and self.enterprise is not None:
            return f"{self.enterprise.name}（{self.enterprise.uscc}）"
        return str(self.program.name) if self.program is not None else "—"
