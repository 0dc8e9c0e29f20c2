"""The provider's webhook pages: its endpoints (register one, its secret
shown once; send a test; disable), the delivery log and one delivery with
its payload and last answer (send a failed one again)."""

from __future__ import annotations

import json

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

from ..models import WebhookDelivery, WebhookEndpoint
from . import selectors, services
from .forms import EndpointForm


def _crumbs(provider, *rest):
    return [
        (provider.name, reverse("enterprises:provider-detail", args=[provider.pk])),
        *rest,
    ]


@role_required(Role.PROVIDER_STAFF)
def webhooks(request, provider_pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    form = EndpointForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _endpoint, new_secret = services.endpoint_create(
                provider=provider,
                user=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            form = EndpointForm()
            messages.success(
                request,
                _(
                    "Endpoint registered. Copy its signing secret now: it is not shown again."
                ),
            )
    status = request.GET.get("status", "")
    response = render(
        request,
        "vouchers/webhooks/webhooks.html",
        {
            "provider": provider,
            "endpoints": selectors.endpoints_of(provider),
            "deliveries": selectors.deliveries_of(provider, status=status)[
                : selectors.LOG_LENGTH
            ],
            "status": status,
            "statuses": WebhookDelivery.Status.choices,
            "form": form,
            "new_secret": new_secret,
            "breadcrumbs": _crumbs(provider, (_("Webhooks"), None)),
        },
    )
    if new_secret:
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@role_required(Role.PROVIDER_STAFF)
@require_POST
def endpoint_disable(request, provider_pk: int, pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, provider=provider)
    try:
        services.endpoint_disable(endpoint=endpoint, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Endpoint disabled: nothing more is sent to it."))
    return redirect("vouchers:webhooks", provider_pk=provider.pk)


@role_required(Role.PROVIDER_STAFF)
@require_POST
def endpoint_ping(request, provider_pk: int, pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, provider=provider)
    try:
        delivery = services.endpoint_ping(endpoint=endpoint, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("vouchers:webhooks", provider_pk=provider.pk)
    messages.success(
        request, _("Test event sent; its answer is shown below once it arrives.")
    )
    return redirect(
        "vouchers:webhook-delivery", provider_pk=provider.pk, pk=delivery.pk
    )


@role_required(Role.PROVIDER_STAFF)
def delivery_detail(request, provider_pk: int, pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint"),
        pk=pk,
        endpoint__provider=provider,
    )
    return render(
        request,
        "vouchers/webhooks/delivery_detail.html",
        {
            "provider": provider,
            "delivery": delivery,
            "body": json.dumps(
                delivery.payload, ensure_ascii=False, indent=2, sort_keys=True
            ),
            "attempts_max": services.ATTEMPTS_MAX,
            "breadcrumbs": _crumbs(
                provider,
                (_("Webhooks"), reverse("vouchers:webhooks", args=[provider.pk])),
                (_("Delivery %(id)s") % {"id": delivery.pk}, None),
            ),
        },
    )


@role_required(Role.PROVIDER_STAFF)
@require_POST
def delivery_retry(request, provider_pk: int, pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    delivery = get_object_or_404(WebhookDelivery, pk=pk, endpoint__provider=provider)
    try:
        services.delivery_retry(delivery=delivery, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sent again; attempts start over."))
    return redirect(
        "vouchers:webhook-delivery", provider_pk=provider.pk, pk=delivery.pk
    )
