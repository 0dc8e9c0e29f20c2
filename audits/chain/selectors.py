"""What the auditor's chain page shows: reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Max, Min
from django.db.models.query import QuerySet
from django.utils import timezone

from ..models import ChainCheckpoint, ChainLink, ChainVerification, PendingSeal

RECENT_LINKS = 1000


@dataclass(frozen=True)
class ChainStatus:
    head_seq: int
    head_hash: str
    head_algorithm: str
    last_sealed_at: datetime | None
    pending: int
    oldest_pending_at: datetime | None
    # the longest an event of the last RECENT_LINKS sealed waited
    recent_max_wait: timedelta | None
    max_delay: timedelta

    @property
    def oldest_wait(self) -> timedelta | None:
        if self.oldest_pending_at is None:
            return None
        return max(timezone.now() - self.oldest_pending_at, timedelta(0))

    @property
    def behind(self) -> bool:
        """The sealer has left an event waiting longer than the bound."""
        wait = self.oldest_wait
        return wait is not None and wait > self.max_delay


def chain_status() -> ChainStatus:
    head = (
        ChainLink.objects.order_by("-seq")
        .values("seq", "hash", "algorithm", "sealed_at")
        .first()
    )
    recent = ChainLink.objects.order_by("-seq").values("seq")[:RECENT_LINKS]
    return ChainStatus(
        head_seq=head["seq"] if head else 0,
        head_hash=head["hash"] if head else "",
        head_algorithm=head["algorithm"] if head else "",
        last_sealed_at=head["sealed_at"] if head else None,
        pending=PendingSeal.objects.count(),
        oldest_pending_at=PendingSeal.objects.aggregate(at=Min("event__occurred_at"))[
            "at"
        ],
        recent_max_wait=ChainLink.objects.filter(seq__in=recent).aggregate(
            wait=Max(
                ExpressionWrapper(
                    F("sealed_at") - F("event__occurred_at"),
                    output_field=DurationField(),
                )
            )
        )["wait"]
        if head
        else None,
        max_delay=timedelta(seconds=settings.AUDIT_SEAL_MAX_DELAY_SECONDS),
    )


def checkpoint_list() -> QuerySet[ChainCheckpoint]:
    return ChainCheckpoint.objects.order_by("-seq")


def verification_list() -> QuerySet[ChainVerification]:
    return ChainVerification.objects.order_by("-requested_at", "-id")
