"""Celery tasks of webhooks: one attempt of one delivery, and the beat's
pass over the deliveries that are due (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.tasks.webhook_deliver", ignore_result=True)
def webhook_deliver(delivery_id: int) -> None:
    """One attempt (skipped when not due or another worker has it)."""
    services.delivery_attempt(delivery_id)


@shared_task(name="vouchers.tasks.webhooks_deliver_due")
def webhooks_deliver_due() -> int:
    """Queue an attempt of every delivery that is due (retries, and those a
    lost task or a dead worker left); returns how many were queued."""
    due = services.deliveries_due()
    for pk in due:
        webhook_deliver.delay(pk)
    return len(due)
