"""The demo's chain: everything the demo recorded sealed, a checkpoint and
one check by the auditor, so the chain page has something to show."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ..models import ChainVerification
from . import services


def load_chain_demo() -> dict[str, int]:
    """Seal, checkpoint and check (idempotent: a rerun adds a checkpoint and
    a check only when new events were sealed). Returns what it made."""
    sealed = services.chain_seal().sealed
    checkpoint = services.chain_checkpoint_take()
    if checkpoint is None:
        return {"audit events sealed": sealed}
    auditor = get_user_model().objects.filter(email="auditor@example.com").first()
    verification = ChainVerification.objects.create(
        requested_by_label=auditor.email if auditor else "system"
    )
    from .verify import chain_verify

    services.record_report(verification, chain_verify(jobs=1))
    return {"audit events sealed": sealed, "chain checks": 1}
