"""Celery tasks of the review (scheduled in config/celery.py)."""

from celery import shared_task

from . import digest


# The name is the one the beat schedule and queued messages know.
@shared_task(name="vouchers.tasks.reviewer_digest")
def reviewer_digest() -> int:
    """E-mail each reviewer how many applications came into their queue in
    the last 24 hours (none to those with nothing new). Returns e-mails sent."""
    return digest.reviewer_digest()
