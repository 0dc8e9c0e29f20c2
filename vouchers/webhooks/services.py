"""Webhooks: endpoints made and disabled by a provider's staff (audited),
events emitted inside the transaction of the change they report, and
deliveries attempted with back-off until one is answered with 2xx.

A delivery row is written in the business transaction (so an event exists
exactly when its change committed) and sent after commit; the beat picks up
what a lost task or a crashed worker left (``deliveries_due``). An attempt
first claims its row for ``LEASE`` with a conditional UPDATE, so two
workers never send the same attempt, and the HTTP request runs outside any
transaction. The delivery rows are the delivery log; the audit trail
records the endpoint changes and every delivery asked for by a person.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from config.sealing import seal
from enterprises.models import Provider

from .. import error_codes
from ..models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..models.webhooks import SUBSCRIBABLE_EVENTS
from ..provider_api.services import provider_staff_or_refuse
from . import signing, transport

SECRET_PREFIX = "whsec_"
# Waits after the 1st, 2nd, … failed attempt; after the last, the delivery
# is failed (seven attempts over about 31 hours).
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
)
ATTEMPTS_MAX = len(BACKOFF) + 1
# How long an attempt holds its delivery (far above the HTTP timeout); a
# worker that dies mid-attempt leaves it to the beat after this.
LEASE = timedelta(minutes=2)
# A namespace for event ids: uuid5(namespace, "<event>:<object id>") is the
# same for every emission of the same event, so it is delivered once.
EVENT_NAMESPACE = uuid.UUID("6f2c1a8e-3b7d-5e0f-9a41-2d8c7b6e5f30")
USER_AGENT = "voucher-platform-webhooks/1"


def endpoints_max() -> int:
    return settings.WEBHOOK_ENDPOINTS_MAX


def _events_or_refuse(events: Iterable[str]) -> list[str]:
    chosen = [e for e in SUBSCRIBABLE_EVENTS if e in set(events)]
    unknown = set(events) - set(SUBSCRIBABLE_EVENTS)
    if unknown or not chosen:
        raise ApplicationError(
            _("Choose at least one of the events listed."),
            field="events",
            code=error_codes.INVALID,
        )
    return [str(e) for e in chosen]


@transaction.atomic
def endpoint_create(
    *, provider: Provider, user: User, url: str, events: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an HTTPS endpoint; returns it and its signing secret (shown
    once to the provider's staff)."""
    provider_staff_or_refuse(user, provider)
    url = (url or "").strip()
    if len(url) > WebhookEndpoint._meta.get_field("url").max_length:  # type: ignore[operator]
        raise ApplicationError(
            _("Keep the address under 500 characters."),
            field="url",
            code=error_codes.WEBHOOK_URL,
        )
    transport.destination(url)
    chosen = _events_or_refuse(events)
    # Counted under the provider's row lock, so two at once cannot pass the limit.
    Provider.objects.select_for_update().get(pk=provider.pk)
    if (
        WebhookEndpoint.objects.filter(provider=provider, is_active=True).count()
        >= endpoints_max()
    ):
        raise ApplicationError(
            _(
                "A provider has at most %(n)d active endpoints; disable one you no longer use first."
            )
            % {"n": endpoints_max()},
            code=error_codes.WEBHOOK_LIMIT,
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        provider=provider,
        url=url,
        events=chosen,
        secret_sealed=seal(secret),
        created_by=user,
    )
    audit_event_record(
        action=actions.WEBHOOK_ENDPOINT_CREATED,
        actor=user,
        target=endpoint,
        after={"provider": provider.uscc, "url": url, "events": chosen},
    )
    return endpoint, secret


@transaction.atomic
def endpoint_disable(*, endpoint: WebhookEndpoint, user: User) -> WebhookEndpoint:
    """Stop sending to an endpoint; its pending deliveries are failed."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    provider_staff_or_refuse(user, endpoint.provider)
    if not endpoint.is_active:
        raise ApplicationError(
            _("This endpoint is already disabled."), code=error_codes.TRANSITION
        )
    endpoint.is_active = False
    endpoint.disabled_at, endpoint.disabled_by = timezone.now(), user
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_by"])
    stopped = WebhookDelivery.objects.filter(
        endpoint=endpoint, status=WebhookDelivery.Status.PENDING
    ).update(
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=None,
        last_error="endpoint disabled",
    )
    audit_event_record(
        action=actions.WEBHOOK_ENDPOINT_DISABLED,
        actor=user,
        target=endpoint,
        before={"active": True},
        after={"active": False, "pending_deliveries_stopped": stopped},
    )
    return endpoint


def _event_id(event: str, reference: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{event}:{reference}")


def _in_background(pk: int) -> None:
    """The demo's delivery (no worker, tasks inline): on its own thread, so
    the request that emitted the event does not wait for the provider's
    endpoint (up to WEBHOOK_TIMEOUT_SECONDS when it does not answer)."""
    from .tasks import webhook_deliver

    def attempt() -> None:
        try:
            webhook_deliver.delay(pk)
        finally:
            connections.close_all()

    threading.Thread(target=attempt, name=f"webhook-{pk}", daemon=True).start()


def _schedule(deliveries: list[WebhookDelivery]) -> None:
    from .tasks import webhook_deliver

    send = (
        _in_background if settings.WEBHOOK_DELIVER_ON_THREAD else webhook_deliver.delay
    )
    for pk in [d.pk for d in deliveries]:
        transaction.on_commit(partial(send, pk))


def webhook_event_emit(
    *, provider_id: int, event: str, reference: str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    """One delivery of ``event`` per active endpoint of the provider that
    subscribed to it, written in the caller's transaction and sent after
    it commits. ``reference`` names the object (e.g. the charge's id): the
    same event for the same reference is one delivery, however often it is
    emitted."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "webhook_event_emit must run inside the change's transaction"
        )
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(provider_id=provider_id, is_active=True)
        if event in e.events
    ]
    if not endpoints:
        return []
    event_id = _event_id(event, reference)
    now = timezone.now()
    payload = {
        "id": str(event_id),
        "event": event,
        "created_at": now.isoformat(),
        "data": json.loads(json.dumps(data, default=str)),
    }
    made = []
    for endpoint in endpoints:
        delivery, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event_id=event_id,
            defaults={"event": event, "payload": payload, "next_attempt_at": now},
        )
        if created:
            made.append(delivery)
    _schedule(made)
    return made


@transaction.atomic
def endpoint_ping(*, endpoint: WebhookEndpoint, user: User) -> WebhookDelivery:
    """Send a test event to one endpoint (to try the receiver's check of the
    signature); it appears in the delivery log like any other."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    provider_staff_or_refuse(user, endpoint.provider)
    if not endpoint.is_active:
        raise ApplicationError(
            _("This endpoint is disabled."), code=error_codes.TRANSITION
        )
    now = timezone.now()
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=WebhookEvent.PING,
        event_id=event_id,
        payload={
            "id": str(event_id),
            "event": WebhookEvent.PING.value,
            "created_at": now.isoformat(),
            "data": {"provider": endpoint.provider.uscc, "requested_by": user.email},
        },
        next_attempt_at=now,
    )
    audit_event_record(
        action=actions.WEBHOOK_DELIVERY_REQUESTED,
        actor=user,
        target=delivery,
        after={"endpoint": endpoint.pk, "event": WebhookEvent.PING.value},
    )
    _schedule([delivery])
    return delivery


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery, user: User) -> WebhookDelivery:
    """Try a failed delivery again from its first wait (same event id, so
    a receiver that saw it already can tell)."""
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("endpoint__provider")
        .get(pk=delivery.pk)
    )
    provider_staff_or_refuse(user, delivery.endpoint.provider)
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise ApplicationError(
            _("Only a failed delivery can be sent again."), code=error_codes.TRANSITION
        )
    if not delivery.endpoint.is_active:
        raise ApplicationError(
            _("This endpoint is disabled."), code=error_codes.TRANSITION
        )
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_event_record(
        action=actions.WEBHOOK_DELIVERY_REQUESTED,
        actor=user,
        target=delivery,
        before={"status": WebhookDelivery.Status.FAILED.value},
        after={"status": WebhookDelivery.Status.PENDING.value},
    )
    _schedule([delivery])
    return delivery


def body(delivery: WebhookDelivery) -> bytes:
    """The request body: the payload as compact UTF-8 JSON, keys sorted."""
    return json.dumps(
        delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def _claim(pk: int, now: datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            pk=pk,
            status=WebhookDelivery.Status.PENDING,
        ).update(next_attempt_at=now + LEASE)
    )


def delivery_attempt(pk: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Make one attempt of a delivery that is due; None when it is not due
    or another worker has it. Never inside a transaction: the request can
    take up to the timeout and must not hold a lock."""
    now = now or timezone.now()
    if not _claim(pk, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    endpoint = delivery.endpoint
    content = body(delivery)
    timestamp = int(now.timestamp())
    answer = transport.post(
        endpoint.url,
        content,
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Voucher-Event": delivery.event,
            "X-Voucher-Delivery": str(delivery.event_id),
            "X-Voucher-Timestamp": str(timestamp),
            "X-Voucher-Signature": signing.signature(
                endpoint.secret, timestamp, content
            ),
        },
    )
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status_code": answer.status_code,
        "last_error": answer.error if not answer.ok else "",
    }
    if answer.ok:
        fields |= {
            "status": WebhookDelivery.Status.DELIVERED,
            "delivered_at": timezone.now(),
            "next_attempt_at": None,
        }
    elif attempts >= ATTEMPTS_MAX:
        fields |= {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
    else:
        fields["next_attempt_at"] = now + BACKOFF[attempts - 1]
    # Only the claimant writes (status still pending: a disable in between wins).
    WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.PENDING).update(
        **fields
    )
    delivery.refresh_from_db()
    return delivery


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
