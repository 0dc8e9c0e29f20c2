"""Reimbursement pages: the enterprise claims from its voucher (a program
that reimburses after payment); reviewers of its region verify or reject;
members, reviewers, managers and auditors read a claim."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import has_role, role_required, signed_in
from accounts.roles import Role
from config.confirm import (
    Fact,
    confirmation,
    is_confirmed,
    is_going_back,
    refusal_of,
)
from config.exceptions import ApplicationError
from config.formats import day
from config.forms import apply_service_error
from config.money import yuan
from enterprises.permissions import is_enterprise_member

from ..issuance.selectors import voucher_for_reader_or_404
from ..ledger.selectors import voucher_balance
from . import services
from .forms import ClaimForm, PayForm, VerifyForm
from .scope import may_verify
from .selectors import (
    pay_queue,
    reimbursement_for_reader_or_404,
    reimburses,
    verify_queue,
)


@role_required(Role.APPLICANT)
def claim_new(request, code: str):
    voucher = voucher_for_reader_or_404(request.user, code)
    if not is_enterprise_member(request.user, voucher.enterprise) or not reimburses(
        voucher
    ):
        raise Http404
    form = ClaimForm(
        request.POST or None, request.FILES or None, program=voucher.program
    )
    if request.method == "POST" and form.is_valid():
        try:
            r = services.reimbursement_submit(
                voucher=voucher,
                user=request.user,
                claim=form.to_claim(),
                proof=form.cleaned_data["proof"],
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Claim submitted: %(amount)s yuan is held on the voucher until a reviewer of your region verifies it."
                )
                % {"amount": yuan(r.amount)},
            )
            return redirect("vouchers:reimbursement-detail", pk=r.pk)
    voucher_url = reverse("vouchers:voucher-detail", args=[voucher.code])
    return render(
        request,
        "vouchers/reimbursement/claim_form.html",
        {
            "voucher": voucher,
            "form": form,
            "balance": yuan(voucher_balance(voucher)),
            "breadcrumbs": [
                (_("My vouchers"), reverse("vouchers:voucher-list")),
                (voucher.code, voucher_url),
                (_("Claim a reimbursement"), None),
            ],
        },
    )


@role_required(Role.REVIEWER)
def queue(request):
    page = Paginator(verify_queue(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "vouchers/reimbursement/queue.html",
        {"page": page, "breadcrumbs": [(_("Reimbursements to verify"), None)]},
    )


@role_required(Role.PROGRAM_MANAGER)
def to_pay(request):
    page = Paginator(pay_queue(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "vouchers/reimbursement/to_pay.html",
        {"page": page, "breadcrumbs": [(_("Reimbursements to pay"), None)]},
    )


@signed_in
def detail(
    request,
    pk: int,
    form: VerifyForm | None = None,
    pay_form: PayForm | None = None,
):
    r = reimbursement_for_reader_or_404(request.user, pk)
    may_decide = r.status == r.Status.SUBMITTED and may_verify(request.user, r)
    may_pay = r.status == r.Status.VERIFIED and has_role(
        request.user, Role.PROGRAM_MANAGER
    )
    if is_enterprise_member(request.user, r.enterprise):
        crumbs = [
            (_("My vouchers"), reverse("vouchers:voucher-list")),
            (r.voucher.code, reverse("vouchers:voucher-detail", args=[r.voucher.code])),
        ]
    elif has_role(request.user, Role.PROGRAM_MANAGER):
        crumbs = [
            (_("Reimbursements to pay"), reverse("vouchers:reimbursements-to-pay"))
        ]
    else:
        crumbs = [(_("Reimbursements to verify"), reverse("vouchers:reimbursements"))]
    return render(
        request,
        "vouchers/reimbursement/detail.html",
        {
            "r": r,
            "may_decide": may_decide,
            "form": form or VerifyForm(initial={"amount": r.amount}),
            "may_pay": may_pay,
            "pay_form": pay_form or PayForm(initial={"paid_on": timezone.localdate()}),
            "breadcrumbs": [
                *crumbs,
                (_("Reimbursement %(number)s") % {"number": r.invoice_number}, None),
            ],
        },
    )


@role_required(Role.REVIEWER)
@require_POST
def decide(request, pk: int):
    r = reimbursement_for_reader_or_404(request.user, pk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return detail(request, pk, form=form)
    d = form.cleaned_data
    if is_going_back(request):
        return detail(request, pk, form=form)
    if (
        d["decision"] == "verify"
        and d["amount"] is not None
        and not is_confirmed(request)
    ):
        # What the service would refuse is said on the form at once; what it
        # would do is confirmed first.
        refused = refusal_of(
            lambda: services.reimbursement_verify(
                reimbursement=r,
                user=request.user,
                amount=d["amount"],
                reason=d["reason"],
            )
        )
        if refused is not None:
            apply_service_error(form, refused)
            return detail(request, pk, form=form)
        return confirmation(
            request,
            title=_("Confirm the verification of reimbursement %(number)s")
            % {"number": r.invoice_number},
            lead=_(
                "Verifying makes the amount payable to the enterprise from the "
                "voucher; what was claimed above it goes back to the voucher."
            ),
            facts=[
                Fact(_("Enterprise"), r.enterprise.name),
                Fact(
                    _("Invoice"),
                    f"{r.invoice_issuer_name or r.invoice_issuer} {r.invoice_number}",
                ),
                Fact(_("Claimed (yuan)"), yuan(r.amount)),
                Fact(
                    _("Verified, payable to the enterprise (yuan)"),
                    yuan(d["amount"]),
                    strong=True,
                    testid="confirm-amount",
                ),
            ],
            action=_("Verify %(amount)s yuan") % {"amount": yuan(d["amount"])},
            breadcrumbs=[
                (_("Reimbursements to verify"), reverse("vouchers:reimbursements")),
                (
                    r.invoice_number,
                    reverse("vouchers:reimbursement-detail", args=[r.pk]),
                ),
                (_("Confirm"), None),
            ],
        )
    try:
        if d["decision"] == "verify":
            if d["amount"] is None:
                raise ApplicationError(
                    _("Enter the verified amount."), field="amount", code="invalid"
                )
            r = services.reimbursement_verify(
                reimbursement=r,
                user=request.user,
                amount=d["amount"],
                reason=d["reason"],
            )
            message = _("Verified: %(amount)s yuan is payable to the enterprise.") % {
                "amount": yuan(r.verified_amount)
            }
        else:
            r = services.reimbursement_reject(
                reimbursement=r, user=request.user, reason=d["reason"]
            )
            message = _("Rejected: %(amount)s yuan is back on the voucher.") % {
                "amount": yuan(r.amount)
            }
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return detail(request, pk, form=form)
    messages.success(request, message)
    return redirect("vouchers:reimbursement-detail", pk=r.pk)


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def pay(request, pk: int):
    r = reimbursement_for_reader_or_404(request.user, pk)
    form = PayForm(request.POST)
    if not form.is_valid() or is_going_back(request):
        return detail(request, pk, pay_form=form)
    if not is_confirmed(request):
        refused = refusal_of(
            lambda: services.reimbursement_pay(
                reimbursement=r,
                user=request.user,
                reference=form.cleaned_data["reference"],
                paid_on=form.cleaned_data["paid_on"],
            )
        )
        if refused is not None:
            apply_service_error(form, refused)
            return detail(request, pk, pay_form=form)
        return confirmation(
            request,
            title=_("Confirm the payment of reimbursement %(number)s")
            % {"number": r.invoice_number},
            lead=_("Recording the payment closes the reimbursement."),
            facts=[
                Fact(_("Enterprise"), r.enterprise.name),
                Fact(_("Payment reference"), form.cleaned_data["reference"]),
                Fact(_("Paid on"), day(form.cleaned_data["paid_on"])),
                Fact(
                    _("Amount paid (yuan)"),
                    yuan(r.verified_amount),
                    strong=True,
                    testid="confirm-amount",
                ),
            ],
            action=_("Record the payment of %(amount)s yuan")
            % {"amount": yuan(r.verified_amount)},
            breadcrumbs=[
                (_("Reimbursements to pay"), reverse("vouchers:reimbursements-to-pay")),
                (
                    r.invoice_number,
                    reverse("vouchers:reimbursement-detail", args=[r.pk]),
                ),
                (_("Confirm"), None),
            ],
        )
    try:
        r = services.reimbursement_pay(
            reimbursement=r,
            user=request.user,
            reference=form.cleaned_data["reference"],
            paid_on=form.cleaned_data["paid_on"],
        )
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return detail(request, pk, pay_form=form)
    messages.success(
        request,
        _("Payment of %(amount)s yuan to the enterprise recorded.")
        % {"amount": yuan(r.verified_amount)},
    )
    return redirect("vouchers:reimbursement-detail", pk=r.pk)
