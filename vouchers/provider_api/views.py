"""The provider's API key page: its keys (name, prefix, created, last
used, revoked), a form to make one (the key is shown once, on the answer
page) and revocation."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.forms import apply_service_error
from enterprises.permissions import provider_for_staff_or_404

from ..models import ProviderApiKey
from . import services
from .forms import ApiKeyForm


@role_required(Role.PROVIDER_STAFF)
def api_keys(request, provider_pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            row, new_key = services.api_key_create(
                provider=provider, user=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            form = ApiKeyForm()
            messages.success(
                request,
                _("Key “%(name)s” made. Copy it now: it is not shown again.")
                % {"name": row.name},
            )
    response = render(
        request,
        "vouchers/provider_api/api_keys.html",
        {
            "provider": provider,
            "keys": ProviderApiKey.objects.filter(provider=provider).select_related(
                "created_by", "revoked_by"
            ),
            "form": form,
            "new_key": new_key,
            "api_base": request.build_absolute_uri(reverse("vouchers-api:redemptions")),
            "breadcrumbs": [
                (
                    provider.name,
                    reverse("enterprises:provider-detail", args=[provider.pk]),
                ),
                (_("API keys"), None),
            ],
        },
    )
    if new_key:
        response["Cache-Control"] = "no-store"  # the key must not stay in a cache
    return response


@role_required(Role.PROVIDER_STAFF)
@require_POST
def api_key_revoke(request, provider_pk: int, pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    key = get_object_or_404(ProviderApiKey, pk=pk, provider=provider)
    try:
        services.api_key_revoke(key=key, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Key “%(name)s” revoked: it is refused from now on.")
            % {"name": key.name},
        )
    return redirect("vouchers:api-keys", provider_pk=provider.pk)
