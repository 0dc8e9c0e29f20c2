"""Provider webhooks: the HTTPS endpoints a provider registered, and every
delivery of an event to one of them (see vouchers.webhooks)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.sealing import seal, unseal


class WebhookEvent(models.TextChoices):
    CHARGE_CONFIRMED = "charge.confirmed", _("Charge confirmed")
    CHARGE_VOIDED = "charge.voided", _("Charge voided")
    CHARGE_DISPUTED = "charge.disputed", _("Charge disputed")
    STATEMENT_READY = "statement.ready", _("Statement ready")
    PING = "ping", _("Test (ping)")


# The kinds an endpoint can subscribe to (a ping goes to one endpoint only).
SUBSCRIBABLE_EVENTS = tuple(e for e in WebhookEvent if e != WebhookEvent.PING)


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookEndpoint(models.Model):
    """An HTTPS URL of a provider that receives the events it subscribed to.

    ``secret`` is the signing secret. Unlike an API key it cannot be kept as
    a digest: the server signs every delivery with it (HMAC-SHA256). It is
    stored sealed (``secret_sealed``, a Fernet token, config.sealing) and
    shown to the provider's staff once, when the endpoint is made. Disabled
    endpoints stay, for the audit and their delivery log."""

    provider = models.ForeignKey(
        "enterprises.Provider",
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=500)
    # A list of WebhookEvent values (validated in the service).
    events = models.JSONField(_("events"), default=list)
    secret_sealed = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url

    @property
    def secret(self) -> str:
        return unseal(self.secret_sealed)

    @secret.setter
    def secret(self, plain: str) -> None:
        self.secret_sealed = seal(plain)

    def event_labels(self) -> list[str]:
        """The subscribed events by name, in the language of the request."""
        labels = dict(WebhookEvent.choices)
        return [str(labels.get(e, e)) for e in self.events]


class WebhookDelivery(models.Model):
    """One event for one endpoint, with its attempts so far. ``event_id`` is
    the same for every re-emission of the same event, so the unique
    constraint makes it one delivery. ``failed`` means the last attempt
    failed too and no more are made (unless someone asks again)."""

    Event = WebhookEvent
    Status = WebhookDeliveryStatus

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=30, choices=WebhookEvent.choices)
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField()
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_one_per_event"
            ),
            models.CheckConstraint(
                condition=Q(status__in=WebhookDeliveryStatus.values),
                name="webhook_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(event__in=WebhookEvent.values),
                name="webhook_delivery_event_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self):
        return f"{self.event} {self.event_id}"
