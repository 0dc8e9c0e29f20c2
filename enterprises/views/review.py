"""Government pages on the register: the reviewer's desk, the enterprise
register with filters, claim decisions and the provider review queue."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.forms import valid_filters

from .. import selectors, services
from ..forms import ClaimDecisionForm, ProviderDecisionForm, RegisterFilterForm
from ..models import EnterpriseClaim, Membership, Provider

REGISTER_READERS = (Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR)


@role_required(Role.REVIEWER)
def review_home(request):
    """A reviewer's desk: their departments and the claims waiting in their region."""
    departments = [
        m.department
        for m in Membership.objects.filter(
            user=request.user, role=Role.REVIEWER
        ).select_related("department__region")
    ]
    claims = selectors.claim_queue(user=request.user)
    return render(
        request,
        "enterprises/review_home.html",
        {
            "departments": departments,
            "pending_claims": claims.filter(status=EnterpriseClaim.Status.PENDING)[:20],
            "pending_count": claims.filter(
                status=EnterpriseClaim.Status.PENDING
            ).count(),
        },
    )


@role_required(*REGISTER_READERS)
def register_list(request):
    form = RegisterFilterForm(request.GET or None)
    enterprises = selectors.enterprise_register_list(
        user=request.user, **valid_filters(form)
    )
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/register.html",
        {"form": form, "page": page, "breadcrumbs": [(_("Enterprise register"), None)]},
    )


@role_required(Role.REVIEWER)
def claim_queue(request):
    status = request.GET.get("status", EnterpriseClaim.Status.PENDING)
    if status not in EnterpriseClaim.Status.values:
        status = EnterpriseClaim.Status.PENDING
    claims = selectors.claim_queue(user=request.user)
    counts = dict(
        claims.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    page = Paginator(claims.filter(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/claim_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                (s, label, counts.get(s, 0))
                for s, label in EnterpriseClaim.Status.choices
            ],
            "breadcrumbs": [
                (_("Claims to review"), reverse("enterprises:review-home")),
                (_("Enterprise claims"), None),
            ],
        },
    )


@role_required(Role.REVIEWER)
def claim_detail(request, pk):
    claim = get_object_or_404(selectors.claim_queue(user=request.user), pk=pk)
    form = ClaimDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_decide(
                claim=claim,
                reviewer=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data.get("reason", ""),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The claim has been decided."))
            return redirect("enterprises:claim-queue")
    credit, _entries = selectors.credit_status(uscc=claim.enterprise.uscc)
    return render(
        request,
        "enterprises/claim_detail.html",
        {
            "claim": claim,
            "form": form,
            "credit": credit,
            "breadcrumbs": [
                (_("Claims to review"), reverse("enterprises:review-home")),
                (_("Enterprise claims"), reverse("enterprises:claim-queue")),
                (claim.enterprise.name, None),
            ],
        },
    )


@role_required(Role.PROGRAM_MANAGER, Role.AUDITOR)
def provider_review_list(request):
    status = request.GET.get("status", "")
    if status not in Provider.Status.values:
        status = ""
    counts = dict(
        Provider.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    page = Paginator(selectors.provider_review_list(status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "enterprises/provider_review_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                (s, label, counts.get(s, 0)) for s, label in Provider.Status.choices
            ],
            "breadcrumbs": [(_("Providers"), None)],
        },
    )


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def provider_decide(request, pk):
    provider = get_object_or_404(Provider, pk=pk)
    form = ProviderDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid decision."))
        return redirect("enterprises:provider-detail", pk=provider.pk)
    try:
        services.provider_set_status(
            provider=provider,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data.get("reason", ""),
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is now %(status)s.")
            % {
                "name": provider.name,
                "status": Provider.Status(form.cleaned_data["to_status"]).label,
            },
        )
    return redirect("enterprises:provider-detail", pk=provider.pk)
