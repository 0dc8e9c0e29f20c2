"""Celery tasks of settlement (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.tasks.statements_build_due")
def statements_build_due() -> int:
    """Build the statements of the period that ended (idempotent: a rerun,
    or two workers at once, build each statement once). Returns how many
    statements exist for it now."""
    return len(services.statements_build_due())
