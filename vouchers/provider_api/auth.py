"""Bearer authentication with a provider's API key, and per-key throttles."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from config.client_ip import ClientIpThrottleMixin

from ..models import ProviderApiKey
from .services import api_key_find, api_key_touch


class ProviderKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``; ``request.auth`` is the key's row,
    ``request.user`` the staff member who made it (the provider acts through
    it; audit events name the key)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(
            "latin-1", errors="replace"
        )
        if not header:
            return None
        scheme, _sep, presented = header.partition(" ")
        if scheme != self.keyword or not presented.strip():
            raise exceptions.AuthenticationFailed(
                _("Send the API key as: Authorization: Bearer <key>.")
            )
        row = api_key_find(presented.strip())
        if row is None:
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid or was revoked.")
            )
        if row.provider.status != row.provider.Status.APPROVED:
            raise exceptions.AuthenticationFailed(
                _("Your organisation is not an approved provider.")
            )
        api_key_touch(row)
        return (row.created_by, row)

    def authenticate_header(self, request):
        return self.keyword


class HasProviderKey(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ProviderApiKey)


class PerKeyThrottle(ClientIpThrottleMixin, ScopedRateThrottle):
    """Requests per API key at ``DEFAULT_THROTTLE_RATES[view.throttle_scope]``
    (read at request time, so a changed setting applies at once)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ProviderApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


def key_label(key: ProviderApiKey) -> str:
    """How audit events name an API key's action."""
    return f"api-key:{key.prefix} ({key.name}) {key.provider.uscc}"


class ProviderKeyScheme(OpenApiAuthenticationExtension):
    """The key in the OpenAPI schema: HTTP bearer."""

    target_class = ProviderKeyAuthentication
    name = "providerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A provider API key (vpk_…), made on the provider's API key page.",
        }
