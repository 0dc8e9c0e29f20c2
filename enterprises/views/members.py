from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from accounts.tasks import send_email
from config.exceptions import ApplicationError

from .. import selectors, services
from ..forms import InviteForm, StaffGrantForm
from ..models import Invitation, Membership
from ..permissions import enterprise_membership_or_404, require_enterprise_owner


@login_required
def enterprise_mine(request):
    """The user's enterprises and claims. Any signed-in user may open it: a
    claimant is not a member until a reviewer accepts the claim."""
    memberships = selectors.enterprise_list_for_member(user=request.user)
    claims = request.user.enterprise_claims.select_related("enterprise").order_by(
        "-created_at"
    )
    return render(
        request,
        "enterprises/mine.html",
        {
            "memberships": memberships,
            "claims": claims,
            "claim_days": settings.CLAIM_DECISION_WORKING_DAYS,
        },
    )


@role_required(Role.APPLICANT)
def member_list(request, pk):
    """The enterprise's colleagues; its owner invites and removes them here."""
    own = enterprise_membership_or_404(request.user, pk)
    enterprise = own.enterprise
    form = InviteForm()
    if request.method == "POST":
        require_enterprise_owner(own)
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation, token = services.invitation_create(
                    enterprise=enterprise,
                    email=form.cleaned_data["email"],
                    invited_by=request.user,
                )
            except ApplicationError as exc:
                form.add_error(exc.field, exc.message)
            else:
                _send_invitation(request, invitation, token)
                messages.success(
                    request,
                    _("An invitation has been sent to %(email)s.")
                    % {"email": invitation.email},
                )
                return redirect("enterprises:member-list", pk=enterprise.pk)
    members = enterprise.memberships.select_related("user").order_by(
        "-is_owner", "user__email"
    )
    invitations = enterprise.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    )
    return render(
        request,
        "enterprises/members.html",
        {
            "enterprise": enterprise,
            "own": own,
            "members": members,
            "invitations": invitations,
            "form": form,
        },
    )


def _send_invitation(request, invitation, token):
    url = request.build_absolute_uri(
        reverse("enterprises:invitation-accept", args=[token])
    )
    subject = _("You are invited to %(enterprise)s") % {
        "enterprise": invitation.enterprise.name
    }
    body = _(
        "%(inviter)s invites you to work for %(enterprise)s on the compute and model "
        "voucher platform.\n\nOpen this link to accept (valid for 14 days):\n%(url)s\n"
    ) % {
        "inviter": request.user.get_full_name(),
        "enterprise": invitation.enterprise.name,
        "url": url,
    }
    to = [invitation.email]
    transaction.on_commit(lambda: send_email.delay(subject=subject, body=body, to=to))


@role_required(Role.APPLICANT)
@require_POST
def member_remove(request, pk, membership_pk):
    own = enterprise_membership_or_404(request.user, pk)
    enterprise = require_enterprise_owner(own)
    membership = get_object_or_404(Membership, pk=membership_pk, enterprise=enterprise)
    try:
        services.membership_remove(membership=membership, removed_by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(user)s has been removed.") % {"user": membership.user.email}
        )
    return redirect("enterprises:member-list", pk=enterprise.pk)


@role_required(Role.APPLICANT)
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    own = enterprise_membership_or_404(request.user, pk)
    enterprise = require_enterprise_owner(own)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, enterprise=enterprise)
    try:
        services.invitation_revoke(invitation=invitation, revoked_by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation has been withdrawn."))
    return redirect("enterprises:member-list", pk=enterprise.pk)


@login_required
def invitation_accept(request, token):
    """Any signed-in user may open an invitation link; only its addressee can accept."""
    invitation = services.invitation_find(token)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("You are now a member of %(enterprise)s.")
                % {"enterprise": membership.enterprise},
            )
            return redirect("enterprises:mine")
    return render(request, "enterprises/invitation.html", {"invitation": invitation})


@role_required(Role.PROGRAM_MANAGER)
def staff(request):
    """Program managers grant and remove government roles."""
    form = StaffGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(
                user=form.user,
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["department"],
                granted_by=request.user,
            )
        except ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("The role has been granted."))
            return redirect("enterprises:staff")
    page = Paginator(selectors.government_staff_list(), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "enterprises/staff.html", {"form": form, "page": page})


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def staff_remove(request, pk):
    membership = get_object_or_404(Membership, pk=pk, department__isnull=False)
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove your own role."))
        return redirect("enterprises:staff")
    services.membership_remove(membership=membership, removed_by=request.user)
    messages.success(request, _("The role has been removed."))
    return redirect("enterprises:staff")
