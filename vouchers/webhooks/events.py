"""The events the platform sends to providers, each with the same
representation of its object as the provider API answers (a charge as
``GET /api/v1/redemptions/<id>/``, a statement as
``GET /api/v1/statements/<id>/`` without its charges). Called inside the
transaction of the change, by the services that make it."""

from __future__ import annotations

from ..models import Redemption, Statement, WebhookEvent
from .services import webhook_event_emit

# The charge's new state → the event that reports it.
CHARGE_EVENTS = {
    Redemption.Status.CONFIRMED: WebhookEvent.CHARGE_CONFIRMED,
    Redemption.Status.VOIDED: WebhookEvent.CHARGE_VOIDED,
    Redemption.Status.DISPUTED: WebhookEvent.CHARGE_DISPUTED,
}


def charge_event_emit(redemption: Redemption) -> None:
    """Tell the provider that its charge is now confirmed, voided or disputed."""
    event = CHARGE_EVENTS.get(redemption.status)  # type: ignore[call-overload]
    if event is None:
        return
    # Imported here: the serializers import the redemption services.
    from ..provider_api.serializers import RedemptionSerializer

    webhook_event_emit(
        provider_id=redemption.provider_id,
        event=event,
        reference=str(redemption.pk),
        data=dict(RedemptionSerializer(redemption).data),
    )


def statement_ready_emit(statement: Statement) -> None:
    """Tell the provider that a statement is built and waits for its records."""
    from ..settlement.serializers import StatementSerializer

    webhook_event_emit(
        provider_id=statement.provider_id,
        event=WebhookEvent.STATEMENT_READY,
        reference=str(statement.pk),
        data=dict(StatementSerializer(statement).data),
    )
