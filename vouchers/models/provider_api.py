"""What the provider API keeps: its keys, and the first answer to each
idempotency key (see vouchers.redemption.api)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProviderApiKey(models.Model):
    """A key a provider's staff made for its billing system. Only its
    SHA-256 digest is stored (the key is shown once); ``prefix`` finds the
    row, the digest proves the key. Revoked keys stay, for the audit."""

    provider = models.ForeignKey(
        "enterprises.Provider", on_delete=models.PROTECT, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotentRequest(models.Model):
    """The first answer given to a provider's ``Idempotency-Key``: replayed,
    status and body identical, to a retry with the same request; kept at
    least 30 days (lifecycle task)."""

    provider = models.ForeignKey(
        "enterprises.Provider", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the body as sent.
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    # The answer as rendered (bytes of JSON, key order kept), replayed as is.
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "key"], name="idempotent_request_one_per_key"
            ),
            models.CheckConstraint(
                condition=~Q(key=""), name="idempotent_request_key_given"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_created_idx")]

    def __str__(self):
        return f"{self.provider_id}:{self.key}"
