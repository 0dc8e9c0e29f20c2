"""The audits app's Celery tasks, for Celery's autodiscovery (which looks for
``<app>.tasks``): each sub-package keeps its own in its tasks.py."""

from .chain.tasks import (
    chain_checkpoint,
    chain_seal,
    chain_verification_run,
    chain_verify_nightly,
)
from .flags.tasks import flags_scan_nightly, flags_scan_run
from .reports.tasks import report_build

__all__ = [
    "chain_checkpoint",
    "chain_seal",
    "chain_verification_run",
    "chain_verify_nightly",
    "flags_scan_nightly",
    "flags_scan_run",
    "report_build",
]
