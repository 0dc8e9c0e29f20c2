"""Reads of webhooks for the provider's pages."""

from __future__ import annotations

from django.db.models import QuerySet

from enterprises.models import Provider

from ..models import WebhookDelivery, WebhookEndpoint

LOG_LENGTH = 50


def endpoints_of(provider: Provider) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(provider=provider).select_related(
        "created_by", "disabled_by"
    )


def deliveries_of(provider: Provider, *, status: str = "") -> QuerySet[WebhookDelivery]:
    """The provider's delivery log, newest first (optionally one status)."""
    qs = WebhookDelivery.objects.filter(endpoint__provider=provider).select_related(
        "endpoint"
    )
    if status in WebhookDelivery.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-id")
