"""Celery tasks of the provider API (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.tasks.idempotency_keys_purge")
def idempotency_keys_purge() -> int:
    """Forget the stored answers of idempotency keys older than the
    retention (31 days: providers are promised at least 30). Returns how
    many were removed."""
    return services.idempotency_keys_purge()
