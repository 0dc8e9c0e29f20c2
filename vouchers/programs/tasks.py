"""Celery tasks of programs: the what-if of a proposed change."""

from celery import shared_task

from . import whatif


@shared_task(name="vouchers.tasks.program_change_impact")
def program_change_impact(change_id: int) -> str:
    """Compute what the proposed change would have done on the program's
    past applications and keep it on the change. Returns its status."""
    return whatif.impact_store(change_id)
