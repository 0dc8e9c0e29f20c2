"""Applicant-facing register pages: claim, profile, declarations, shareholders,
and the permission-checked document download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, signed_in, user_roles
from accounts.roles import Role
from config.exceptions import ApplicationError

from .. import selectors, services, sme
from ..downloads import stored_file_response
from ..forms import (
    ClaimLookupForm,
    ClaimNewEnterpriseForm,
    DeclarationForm,
    EnterpriseProfileForm,
    LicenceForm,
    ShareholderForm,
)
from ..models import Enterprise, EnterpriseClaim, Shareholder
from ..permissions import (
    GOVERNMENT_READERS,
    document_for_user_or_404,
    enterprise_for_reader_or_404,
    enterprise_membership_or_404,
    is_enterprise_member,
)
from ..pii import mask_phone
from ..uscc import uscc_org_code_warning


def _apply_service_error(form, exc: ApplicationError):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
def enterprise_claim(request):
    """Step 1: the code. Step 2: the licence (and the profile, for an
    enterprise the register does not have yet)."""
    lookup = ClaimLookupForm(request.POST or request.GET or None)
    enterprise = None
    detail_form = None
    if lookup.is_bound and lookup.is_valid():
        uscc = lookup.cleaned_data["uscc"]
        enterprise = (
            Enterprise.objects.filter(uscc=uscc).select_related("region").first()
        )
        form_class = LicenceForm if enterprise else ClaimNewEnterpriseForm
        if request.method == "POST" and request.POST.get("step") == "details":
            detail_form = form_class(request.POST, request.FILES)
            if detail_form.is_valid():
                data = dict(detail_form.cleaned_data)
                licence = data.pop("licence")
                try:
                    services.enterprise_claim(
                        user=request.user,
                        uscc=uscc,
                        licence_upload=licence,
                        profile=None if enterprise else data,
                    )
                except ApplicationError as exc:
                    _apply_service_error(detail_form, exc)
                else:
                    messages.success(
                        request,
                        _(
                            "Your claim has been sent. A reviewer of the enterprise's "
                            "region will check the licence; you become its owner once "
                            "it is accepted."
                        ),
                    )
                    return redirect("enterprises:mine")
        else:
            detail_form = form_class()
    return render(
        request,
        "enterprises/claim.html",
        {
            "lookup": lookup,
            "enterprise": enterprise,
            "detail_form": detail_form,
            "warning": lookup.warning()
            if lookup.is_bound and lookup.is_valid()
            else None,
            "breadcrumbs": [
                (_("My enterprises"), reverse("enterprises:mine")),
                (_("Claim an enterprise"), None),
            ],
        },
    )


def _size_explanation(enterprise: Enterprise):
    """The stored classification, with labels for the template."""
    basis = enterprise.size_basis or {}
    group = None
    if enterprise.industry_group:
        group = sme.load_standard().groups.get(enterprise.industry_group)
    return {"basis": basis, "group": group, "steps": basis.get("steps", [])}


@signed_in
def enterprise_detail(request, pk):
    enterprise = enterprise_for_reader_or_404(request.user, pk)
    is_member = is_enterprise_member(request.user, enterprise)
    credit, credit_entries = selectors.credit_status(uscc=enterprise.uscc)
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "is_member": is_member,
            "size": _size_explanation(enterprise),
            "declarations": selectors.declarations_current(enterprise=enterprise),
            "shareholders": enterprise.shareholders.all(),
            "phone_masked": mask_phone(enterprise.contact_phone),
            "credit": credit,
            "credit_entries": credit_entries,
            "org_code_warning": uscc_org_code_warning(enterprise.uscc),
            "claims": enterprise.claims.select_related("claimant").order_by(
                "-created_at"
            )
            if user_roles(request.user) & GOVERNMENT_READERS
            else EnterpriseClaim.objects.none(),
            "breadcrumbs": _crumbs(request, enterprise),
        },
    )


def _crumbs(request, enterprise, *extra):
    roles = user_roles(request.user)
    if roles & GOVERNMENT_READERS:
        first = (_("Enterprise register"), reverse("enterprises:register"))
    else:
        first = (_("My enterprises"), reverse("enterprises:mine"))
    crumbs = [
        first,
        (enterprise.name, reverse("enterprises:detail", args=[enterprise.pk])),
    ]
    return crumbs + list(extra) if extra else [first, (enterprise.name, None)]


@role_required(Role.APPLICANT)
def enterprise_edit(request, pk):
    enterprise = enterprise_membership_or_404(request.user, pk).enterprise
    fields = list(EnterpriseProfileForm.base_fields)
    if request.method == "POST":
        form = EnterpriseProfileForm(request.POST)
        if form.is_valid():
            try:
                services.enterprise_update_profile(
                    enterprise=enterprise, data=form.cleaned_data, actor=request.user
                )
            except ApplicationError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, _("The profile has been saved."))
                return redirect("enterprises:detail", pk=enterprise.pk)
    else:
        form = EnterpriseProfileForm(
            initial={f: getattr(enterprise, f) for f in fields}
        )
    return render(
        request,
        "enterprises/edit.html",
        {
            "enterprise": enterprise,
            "form": form,
            "breadcrumbs": _crumbs(request, enterprise, (_("Edit profile"), None)),
        },
    )


@signed_in
def declaration_list(request, pk):
    """Investment declarations by year, with history; members declare and correct."""
    enterprise = enterprise_for_reader_or_404(request.user, pk)
    is_member = is_enterprise_member(request.user, enterprise)
    form = None
    if is_member:
        initial = {}
        year = request.GET.get("year", "")
        # isdigit() alone lets "²" and over-long numbers through to int().
        if year.isascii() and year.isdigit() and len(year) <= 4:
            current = (
                selectors.declarations_current(enterprise=enterprise)
                .filter(year=int(year))
                .first()
            )
            if current:
                initial = {
                    "year": current.year,
                    "it_amount": current.it_amount,
                    "ai_amount": current.ai_amount,
                }
        form = DeclarationForm(
            request.POST or None, request.FILES or None, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                declaration = services.declaration_save(
                    enterprise=enterprise,
                    year=data["year"],
                    it_amount=data["it_amount"],
                    ai_amount=data["ai_amount"],
                    note=data.get("note", ""),
                    evidence_uploads=[data["evidence"]] if data.get("evidence") else [],
                    actor=request.user,
                )
            except ApplicationError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The declaration for %(year)d has been saved (version %(version)d)."
                    )
                    % {"year": declaration.year, "version": declaration.version},
                )
                return redirect("enterprises:declarations", pk=enterprise.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "enterprises/declarations.html",
        {
            "enterprise": enterprise,
            "is_member": is_member,
            "form": form,
            "current": selectors.declarations_current(enterprise=enterprise),
            "history": selectors.declaration_history(enterprise=enterprise),
            "breadcrumbs": _crumbs(
                request, enterprise, (_("Investment declarations"), None)
            ),
        },
    )


@role_required(Role.APPLICANT)
def shareholder_list(request, pk):
    enterprise = enterprise_membership_or_404(request.user, pk).enterprise
    form = ShareholderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.shareholder_add(
            enterprise=enterprise,
            name=form.cleaned_data["name"],
            id_number=form.cleaned_data["id_number"],
            actor=request.user,
        )
        messages.success(request, _("The shareholder has been added."))
        return redirect("enterprises:shareholders", pk=enterprise.pk)
    return render(
        request,
        "enterprises/shareholders.html",
        {
            "enterprise": enterprise,
            "form": form,
            "shareholders": enterprise.shareholders.all(),
            "breadcrumbs": _crumbs(request, enterprise, (_("Shareholders"), None)),
        },
    )


@role_required(Role.APPLICANT)
@require_POST
def shareholder_remove(request, pk, shareholder_pk):
    enterprise = enterprise_membership_or_404(request.user, pk).enterprise
    shareholder = get_object_or_404(
        Shareholder, pk=shareholder_pk, enterprise=enterprise
    )
    services.shareholder_remove(shareholder=shareholder, actor=request.user)
    messages.success(request, _("The shareholder has been removed."))
    return redirect("enterprises:shareholders", pk=enterprise.pk)


@require_POST
@signed_in
def reveal_phone(request, pk):
    """Show the full contact phone once, and record who saw it."""
    enterprise = enterprise_for_reader_or_404(request.user, pk)
    if not enterprise.contact_phone:
        raise Http404
    phone = services.sensitive_value_reveal(
        target=enterprise, field="contact_phone", actor=request.user
    )
    messages.info(
        request,
        _("Contact phone of %(name)s: %(phone)s (this view has been recorded).")
        % {"name": enterprise.name, "phone": phone},
    )
    return redirect("enterprises:detail", pk=enterprise.pk)


@signed_in
def document_download(request, pk):
    document = document_for_user_or_404(request.user, pk)
    return stored_file_response(
        target=document,
        file=document.file,
        file_name=document.original_name,
        content_type=document.content_type,
        sha256=document.sha256,
        actor=request.user,
    )
