from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from audits import actions
from audits.services import audit_event_record


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up writes its audit event; e-mail leaves through a Celery task."""

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            audit_event_record(
                action=actions.USER_SIGNED_UP,
                actor=user,
                target=user,
                after={"email": user.email},
            )
        return user

    def send_mail(self, template_prefix, email, context):
        from .tasks import send_email

        msg = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(msg, "alternatives", []):
            if mimetype == "text/html":
                html = content
        kwargs = {
            "subject": msg.subject,
            "body": msg.body,
            "to": list(msg.to),
            "html": html,
        }
        transaction.on_commit(lambda: send_email.delay(**kwargs))
