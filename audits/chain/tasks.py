"""Celery tasks of the chain (scheduled in config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="audits.tasks.chain_seal")
def chain_seal() -> int:
    """Link the committed events waiting to be sealed; returns how many."""
    return services.chain_seal().sealed


@shared_task(name="audits.tasks.chain_checkpoint")
def chain_checkpoint() -> int | None:
    """Record the head; the position, or None when it has not moved."""
    checkpoint = services.chain_checkpoint_take()
    return checkpoint.seq if checkpoint else None


@shared_task(name="audits.tasks.chain_verify_nightly")
def chain_verify_nightly() -> int:
    """Queue a check of the whole chain; returns the verification's id."""
    return services.chain_verification_request().pk


@shared_task(name="audits.tasks.chain_verification_run")
def chain_verification_run(verification_id: int) -> str:
    return services.chain_verification_run(verification_id).status
