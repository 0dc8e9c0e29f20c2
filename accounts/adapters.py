from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from audits import actions
from audits.services import audit_event_record
from config.client_ip import client_ip

from .services import user_consent_record


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up writes its audit event; e-mail leaves through a Celery task."""

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        # Keep the language the visitor was using when signing up.
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES):
            user.language = language
        data = getattr(form, "cleaned_data", {})
        user.full_name = data.get("full_name", user.full_name)
        user.phone = data.get("phone", user.phone)
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            audit_event_record(
                action=actions.USER_SIGNED_UP,
                actor=user,
                target=user,
                after={"email": user.email, "full_name": user.full_name},
            )
            if data.get("accept"):
                user_consent_record(user=user, client_ip=client_ip(request))
        return user

    def get_client_ip(self, request) -> str:
        # The address the audit trail records (config.client_ip), so the
        # per-address login limits see the client behind the proxy.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def send_mail(self, template_prefix, email, context):
        from .tasks import send_email

        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            # Our e-mails name the site and its address as configured, not
            # the host the request happened to use.
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "contact": settings.SUPPORT_CONTACT,
        }
        ctx.update(context)
        msg = self.render_mail(template_prefix, email, ctx)
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
