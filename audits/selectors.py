from datetime import datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent


def audit_event_list(
    *,
    action="",
    actor="",
    object_type="",
    object_id="",
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEvent]:
    """Events, newest first; ``object_type`` and ``object_id`` give one
    object's history."""
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(
            occurred_at__gte=datetime.combine(date_from, time.min, tzinfo=tz)
        )
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
        qs = qs.filter(occurred_at__lt=end)
    return qs.order_by("-id")
