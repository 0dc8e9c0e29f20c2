"""The reviewers' daily digest: how many applications came into each
reviewer's queue (scheduled in config/celery.py through tasks.py)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.roles import Role
from accounts.tasks import send_email
from enterprises.models import Membership

from ..models import Application, Review
from .selectors import review_queue


def entered_since(queue: QuerySet[Application], since) -> QuerySet[Application]:
    """The applications of ``queue`` that came into it since ``since``:
    submitted (or resubmitted) then, or approved then at the stage before
    (which moved them on). Other changes (a note, a document) do not count."""
    moved_on = Review.objects.filter(
        application=OuterRef("pk"),
        decision=Review.Decision.APPROVE,
        decided_at__gte=since,
        invalidated_at=None,
    )
    return queue.filter(Q(submitted_at__gte=since) | Exists(moved_on))


def reviewer_digest(*, since=None) -> int:
    """E-mail each reviewer the number of applications that entered their
    queue since ``since`` (default: the last 24 hours). Returns e-mails sent."""
    since = since or timezone.now() - timedelta(days=1)
    sent = 0
    reviewers = (
        Membership.objects.filter(role=Role.REVIEWER)
        .select_related("user")
        .order_by("user_id")
    )
    seen = set()
    for membership in reviewers:
        user = membership.user
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        new = entered_since(review_queue(user=user), since).count()
        if not new:
            continue
        with translation.override(user.language):
            context = {"count": new, "user": user}
            subject = render_to_string(
                "vouchers/email/digest_subject.txt", context
            ).strip()
            body = render_to_string("vouchers/email/digest_body.txt", context)
        send_email.delay(subject=subject, body=body, to=[user.email])
        sent += 1
    return sent
