"""Celery tasks of the reports."""

from celery import shared_task

from . import services


@shared_task(name="audits.tasks.report_build")
def report_build(report_id: int) -> str:
    return services.report_build(report_id).status
