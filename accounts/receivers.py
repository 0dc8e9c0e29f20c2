"""Audit events for what django.contrib.auth and allauth do on their own."""

# allauth exposes no public API to record an authentication step.
from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import email_confirmed, password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db import transaction
from django.dispatch import receiver

from audits import actions
from audits.services import audit_event_record


def _record(**kwargs):
    with transaction.atomic():
        audit_event_record(**kwargs)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    _record(action=actions.USER_LOGGED_IN, actor=user, target=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        _record(action=actions.USER_LOGGED_OUT, actor=user, target=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = get_user_model().objects.filter(email__iexact=attempted).first()
    _record(
        action=actions.USER_LOGIN_FAILED,
        actor=None,
        actor_label=attempted or "anonymous",
        target=user,
        object_type="" if user else "accounts.user",
        after={"email": attempted},
    )


@receiver(email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs):
    _record(
        action=actions.USER_EMAIL_CONFIRMED,
        actor=email_address.user,
        target=email_address.user,
        after={"email": email_address.email},
    )


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    _record(action=actions.USER_PASSWORD_CHANGED, actor=user, target=user)


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    _record(action=actions.USER_PASSWORD_RESET, actor=user, target=user)


@receiver(authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    if request is not None and authenticator.type == "totp":
        # Setting up TOTP proved a code: count it as this session's second
        # factor, as allauth does when the code is given at login.
        record_authentication(request, user, "mfa", id=authenticator.pk, type="totp")
        # allauth sends this signal on commit, which can come after the
        # session middleware has saved the session: save it again.
        request.session.save()
    _record(
        action=actions.USER_MFA_ACTIVATED,
        actor=user,
        target=user,
        after={"type": authenticator.type},
    )


@receiver(authenticator_removed)
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    _record(
        action=actions.USER_MFA_DEACTIVATED,
        actor=user,
        target=user,
        before={"type": authenticator.type},
    )
