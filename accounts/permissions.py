"""Who may use a page: role predicates and the view guards built on them.

Every view declares its guard. Anonymous users are sent to the login page;
signed-in users without the role get 403; government roles without a second
factor are sent to set up TOTP first. Object-level scoping lives in each app's
own permissions module.
"""

from __future__ import annotations

from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .roles import MFA_REQUIRED_ROLES, Role


def user_roles(user) -> frozenset[str]:
    """The roles the user holds through memberships (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("role", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def needs_mfa_setup(user, roles) -> bool:
    """True when the roles used need TOTP and the user has not set it up."""
    if not set(roles) & MFA_REQUIRED_ROLES:
        return False
    return not is_mfa_enabled(user, ["totp"])


def session_passed_mfa(request) -> bool:
    """True when this session's sign-in included the second factor (a TOTP
    code at login, at re-authentication, or when TOTP was set up in it)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def _guard(request, roles):
    """None when the request may go on, else the response to send."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    held = user_roles(user) & set(roles)
    if not held:
        raise PermissionDenied
    if held & MFA_REQUIRED_ROLES:
        if needs_mfa_setup(user, held):
            messages.warning(
                request,
                _(
                    "Your role needs two-factor authentication. "
                    "Set up an authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        if not session_passed_mfa(request):
            messages.warning(
                request,
                _("Confirm it is you with the code from your authenticator app."),
            )
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("mfa_reauthenticate")
            )
    return None


def signed_in(view):
    """Any signed-in user may use the view (objects are scoped inside it);
    one who holds a government role must also have passed TOTP, because that
    role widens what the view shows."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        government = user_roles(request.user) & MFA_REQUIRED_ROLES
        if government:
            response = _guard(request, government)
            if response is not None:
                return response
        return view(request, *args, **kwargs)

    return wrapped


def role_required(*roles: str):
    """Decorate a function view: only these roles may use it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = _guard(request, roles)
            if response is not None:
                return response
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


class RoleRequiredMixin:
    """Class-based views: set ``allowed_roles``."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        response = _guard(request, self.allowed_roles)
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)


GOVERNMENT_ROLES = (Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR)
