"""The vouchers app's Celery tasks, for Celery's autodiscovery (which looks
for ``<app>.tasks``): each sub-package keeps its own in its tasks.py."""

from .review.tasks import reviewer_digest

__all__ = ["reviewer_digest"]
