"""Celery tasks of the flags (the nightly scan is scheduled in config/celery.py)."""

from celery import shared_task

from ..models import FlagScan
from . import services


@shared_task(name="audits.tasks.flags_scan_nightly")
def flags_scan_nightly() -> int:
    """Run the rules over everything; returns how many flags were raised."""
    return services.flags_scan().raised


@shared_task(name="audits.tasks.flags_scan_run")
def flags_scan_run(scan_id: int) -> str:
    """Run a scan someone asked for on the flags page."""
    scan = FlagScan.objects.get(pk=scan_id)
    return services.flags_scan(scan=scan).status
