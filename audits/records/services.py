"""The one state change of the records: a download, audited as an export."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User

from .. import actions
from ..services import audit_event_record


@transaction.atomic
def records_exported(
    *, actor: User, kind: str, filters: dict[str, Any], count: int
) -> None:
    """Someone downloaded a listing: which one, filtered how, how many rows."""
    audit_event_record(
        action=actions.RECORDS_EXPORTED,
        actor=actor,
        object_type=f"records.{kind}",
        after={
            "kind": kind,
            "filters": {k: str(getattr(v, "pk", v)) for k, v in filters.items()},
            "rows": count,
        },
    )
