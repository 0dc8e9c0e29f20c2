"""The applicant's notifications: an in-app message and an e-mail on every
state change of an application, in each recipient's language."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from accounts.roles import Role
from accounts.tasks import send_email
from enterprises.models import Membership

from ..models import Application, Notice, Notification, RejectionReason, Voucher


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
    notice = (
        Notice.objects.filter(application=application).first()
        if application.status == Application.Status.IN_NOTICE
        else None
    )
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
                "notice": notice,
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
