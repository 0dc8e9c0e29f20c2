"""Provider pages: onboarding, profile and offerings (staff), and the detail
page program managers decide on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, signed_in, user_roles
from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError

from .. import selectors, services
from ..forms import OfferingForm, ProviderApplyForm, ProviderDecisionForm, ProviderForm
from ..models import Offering, Provider
from ..permissions import provider_for_reader_or_404, provider_for_staff_or_404
from ..selectors import FilingStatus, offerings_with_filing_status
from ..services.providers import EDITABLE, PROVIDER_STATES


def _apply_service_error(form, exc: ApplicationError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@role_required(Role.PROVIDER_STAFF)
def provider_mine(request):
    providers = selectors.provider_list_for_member(user=request.user)
    if len(providers) == 1:
        return redirect("enterprises:provider-detail", pk=providers[0].pk)
    return render(request, "enterprises/provider_mine.html", {"providers": providers})


@login_required
def provider_apply(request):
    """Any signed-in user can onboard their company as a provider; they
    become its staff and the program office reviews the application."""
    form = ProviderApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        uscc, licence = data.pop("uscc"), data.pop("licence")
        try:
            provider = services.provider_apply(
                user=request.user, uscc=uscc, data=data, licence_upload=licence
            )
        except ApplicationError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Your application has been sent to the program office for review."),
            )
            return redirect("enterprises:provider-detail", pk=provider.pk)
    return render(
        request,
        "enterprises/provider_apply.html",
        {"form": form, "breadcrumbs": [(_("Register as a provider"), None)]},
    )


@signed_in
def provider_detail(request, pk):
    provider = provider_for_reader_or_404(request.user, pk)
    roles = user_roles(request.user)
    is_staff = provider.memberships.filter(user=request.user).exists()
    is_manager = Role.PROGRAM_MANAGER in roles
    offering_form = None
    if is_staff and provider.status not in (Provider.Status.REMOVED,):
        offering_form = OfferingForm(request.POST or None)
        if request.method == "POST" and offering_form.is_valid():
            try:
                services.offering_add(
                    provider=provider,
                    data=offering_form.cleaned_data,
                    actor=request.user,
                )
            except ApplicationError as exc:
                _apply_service_error(offering_form, exc)
            else:
                messages.success(request, _("The offering has been added."))
                return redirect("enterprises:provider-detail", pk=provider.pk)
    elif request.method == "POST":
        raise PermissionDenied
    next_statuses = []
    if is_manager:
        next_statuses = [
            (s, Provider.Status(s).label)
            for s in sorted(PROVIDER_STATES.next_statuses(provider.status))
            if s != Provider.Status.APPLIED
        ]
    history = (
        AuditEvent.objects.filter(
            object_type="enterprises.provider", object_id=str(provider.pk)
        )
        .select_related("actor")
        .order_by("id")
    )
    offerings = offerings_with_filing_status(provider.offerings.all())
    return render(
        request,
        "enterprises/provider_detail.html",
        {
            "provider": provider,
            "offerings": offerings,
            "flagged_offerings": sum(
                1
                for o in offerings
                if o.is_active
                and o.filing_status in (FilingStatus.ABSENT, FilingStatus.REVOKED)
            ),
            "is_staff": is_staff,
            "can_edit": is_staff and provider.status in EDITABLE,
            "offering_form": offering_form,
            "decision_form": ProviderDecisionForm() if next_statuses else None,
            "next_statuses": next_statuses,
            "history": history,
            "documents": provider.documents.all(),
            "breadcrumbs": [
                (
                    (_("Providers"), reverse("enterprises:provider-review"))
                    if roles & {Role.PROGRAM_MANAGER, Role.AUDITOR}
                    else (_("My provider"), None)
                ),
                (provider.name, None),
            ],
        },
    )


@role_required(Role.PROVIDER_STAFF)
def provider_edit(request, pk):
    provider = provider_for_staff_or_404(request.user, pk)
    if provider.status not in EDITABLE:
        raise PermissionDenied
    fields = list(ProviderForm.base_fields)
    form = ProviderForm(
        request.POST or None, initial={f: getattr(provider, f) for f in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(
                provider=provider, data=form.cleaned_data, actor=request.user
            )
        except ApplicationError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, _("The provider profile has been saved."))
            return redirect("enterprises:provider-detail", pk=provider.pk)
    return render(
        request,
        "enterprises/provider_edit.html",
        {"provider": provider, "form": form},
    )


@role_required(Role.PROVIDER_STAFF)
@require_POST
def offering_withdraw(request, pk, offering_pk):
    provider = provider_for_staff_or_404(request.user, pk)
    offering = get_object_or_404(Offering, pk=offering_pk, provider=provider)
    services.offering_withdraw(offering=offering, actor=request.user)
    messages.success(request, _("The offering has been withdrawn."))
    return redirect("enterprises:provider-detail", pk=provider.pk)
