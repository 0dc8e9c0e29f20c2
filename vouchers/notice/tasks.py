"""Celery task of the public notice (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.tasks.notices_issue_due")
def notices_issue_due() -> int:
    """Issue the vouchers of the notices that ended yesterday or before with
    no open objection (each in its own transaction; safe to run twice).
    Returns how many were issued."""
    return services.notices_issue_due()
