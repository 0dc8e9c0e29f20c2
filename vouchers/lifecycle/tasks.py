"""Celery tasks of the voucher lifecycle (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="vouchers.tasks.vouchers_expire_due")
def vouchers_expire_due() -> int:
    """Expire the vouchers whose last valid day has passed (each in its own
    transaction; safe to run twice, in two workers, or after a worker died
    midway). Returns how many expired."""
    return services.vouchers_expire_due()


@shared_task(name="vouchers.tasks.voucher_expiry_reminders")
def voucher_expiry_reminders() -> int:
    """Send the 30- and 7-day expiry reminders that are due (each once).
    Returns how many went out."""
    return services.voucher_expiry_reminders()
