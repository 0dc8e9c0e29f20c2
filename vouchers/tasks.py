"""Celery tasks of the voucher workflow (scheduled in config/celery.py)."""

from celery import shared_task

from . import notifications


@shared_task
def reviewer_digest() -> int:
    """E-mail each reviewer how many applications came into their queue in
    the last 24 hours (none to those with nothing new). Returns e-mails sent."""
    return notifications.reviewer_digest()
