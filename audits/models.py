from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One state change, written in the same transaction as the change.

    Append-only: rows are only ever inserted, through
    ``audits.services.audit_event_record``; on PostgreSQL a trigger refuses
    UPDATE and DELETE. The tamper-evident chain (sequence and hashes, sealed
    after commit) will be added on top of these rows.
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
