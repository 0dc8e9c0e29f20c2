"""Celery tasks of redemption (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.tasks.redemptions_confirm_due")
def redemptions_confirm_due() -> int:
    """Confirm the pending charges whose confirmation window has passed
    (each in its own transaction; safe to run twice or in two workers).
    Returns how many were confirmed."""
    return services.redemptions_confirm_due()
