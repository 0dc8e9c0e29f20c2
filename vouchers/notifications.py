"""Notifications: in-app messages and e-mail on every state change of an
application, in each recipient's language; a daily digest for reviewers."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.roles import Role
from accounts.tasks import send_email
from enterprises.models import Membership

from .models import Application, Notification, RejectionReason, Voucher


def notify_applicant(application: Application, *, reasons=None, note: str = "") -> None:
    """Tell every member of the applicant enterprise what happened, in the
    application's timeline (in-app) and by e-mail, each in their language."""
    labels = {
        r.code: {"zh": r.label_zh, "en": r.label_en}
        for r in RejectionReason.objects.filter(
            code__in=[x for x in reasons or [] if isinstance(x, str)]
        )
    }
    reasons = [
        labels.get(r, {"zh": r, "en": r}) if isinstance(r, str) else r
        for r in reasons or []
    ]
    voucher = Voucher.objects.filter(application=application).first()
    members = Membership.objects.filter(
        enterprise_id=application.enterprise_id, role=Role.APPLICANT
    ).select_related("user")
    for membership in members:
        user = membership.user
        with translation.override(user.language):
            context = {
                "application": application,
                "status": application.get_status_display(),
                "reasons": reasons or [],
                "note": note,
                "language": user.language,
                "voucher": voucher,
                "reduced": voucher is not None
                and application.requested_subsidy is not None
                and voucher.face_value < application.requested_subsidy,
            }
            subject = render_to_string(
                "vouchers/email/status_subject.txt", context
            ).strip()
            body = render_to_string("vouchers/email/status_body.txt", context)
        Notification.objects.create(
            user=user, application=application, subject=subject[:200], body=body
        )
        to = [user.email]
        transaction.on_commit(
            lambda subject=subject, body=body, to=to: send_email.delay(
                subject=subject, body=body, to=to
            )
        )


def reviewer_digest(*, since=None) -> int:
    """E-mail each reviewer the number of applications that entered their
    queue since ``since`` (default: the last 24 hours). Returns e-mails sent."""
    from .selectors_review import review_queue

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
        new = review_queue(user=user).filter(updated_at__gte=since).count()
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
