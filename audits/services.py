"""The one place audit events are written."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction

from .context import current_context
from .models import AuditEvent, PendingSeal

SYSTEM_LABEL = "system"


def audit_event_record(
    *,
    action: str,
    actor=None,
    actor_label: str | None = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one state change. Call it inside the transaction of the change.

    ``actor`` is the user who acted, or None for the system; ``target`` the
    object changed (its type, id and text are taken from it). Values must be
    JSON-serialisable: pass money and dates as strings.
    """
    if not transaction.get_connection().in_atomic_block:
        # An event outside a transaction could survive a rolled-back change.
        raise RuntimeError(
            "audit_event_record must run inside the change's transaction"
        )
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
        object_repr = object_repr or str(target)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor_label is None:
        actor_label = actor.email if actor is not None else SYSTEM_LABEL
    ctx = current_context()
    event = AuditEvent.objects.create(
        actor=actor,
        actor_label=actor_label[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        before=before,
        after=after,
        request_id=ctx.request_id if ctx else "",
        client_ip=ctx.client_ip if ctx else None,
    )
    # The sealer links it into the chain once this transaction commits.
    PendingSeal.objects.create(event=event)
    if settings.AUDIT_SEAL_ON_COMMIT:  # the demo, which runs no beat
        from .chain.services import seal_quietly

        transaction.on_commit(seal_quietly)
    return event
