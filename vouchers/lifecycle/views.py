"""The lifecycle pages: a program manager revokes a voucher (after a page
that shows what it releases), records a clawback and its repayments;
managers and auditors list clawbacks; the enterprise reads its own."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import has_role, role_required, signed_in
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.forms import apply_service_error
from config.money import yuan
from enterprises.permissions import is_enterprise_member

from ..issuance.selectors import voucher_for_reader_or_404
from ..models import Clawback
from . import selectors, services
from .forms import ClawbackForm, RepaymentForm, RevokeForm
from .selectors import (
    CLAWBACK_READERS,
    clawback_for_reader_or_404,
    clawback_list,
    revocation_preview,
)


def _voucher_crumbs(voucher) -> list:
    return [
        (
            voucher.enterprise.name,
            reverse("enterprises:detail", args=[voucher.enterprise_id]),
        ),
        (voucher.code, reverse("vouchers:voucher-detail", args=[voucher.code])),
    ]


@role_required(Role.PROGRAM_MANAGER)
def revoke(request, code: str):
    voucher = voucher_for_reader_or_404(request.user, code)
    if voucher.status != voucher.Status.ACTIVE:
        messages.error(request, _("This voucher is no longer active."))
        return redirect("vouchers:voucher-detail", code=voucher.code)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.voucher_revoke(
                voucher=voucher, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Voucher %(code)s revoked; its unused balance is back in the program's budget."
                )
                % {"code": voucher.code},
            )
            return redirect("vouchers:voucher-detail", code=voucher.code)
    preview = revocation_preview(voucher)
    return render(
        request,
        "vouchers/lifecycle/revoke.html",
        {
            "voucher": voucher,
            "form": form,
            "balance": yuan(preview["balance"]),
            "pending": preview["pending"],
            "pending_amount": yuan(preview["pending_amount"]),
            "released": yuan(preview["released"]),
            "breadcrumbs": [*_voucher_crumbs(voucher), (_("Revoke voucher"), None)],
        },
    )


@role_required(Role.PROGRAM_MANAGER)
def clawback_new(request, code: str):
    voucher = voucher_for_reader_or_404(request.user, code)
    form = ClawbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clawback = services.clawback_record(
                voucher=voucher, user=request.user, demand=form.to_demand()
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Clawback of %(amount)s yuan recorded.")
                % {"amount": yuan(clawback.amount)},
            )
            return redirect("vouchers:clawback-detail", pk=clawback.pk)
    claimed = selectors.clawback_claimed(voucher)
    disbursed = selectors.disbursed(voucher)
    return render(
        request,
        "vouchers/lifecycle/clawback_form.html",
        {
            "voucher": voucher,
            "form": form,
            "disbursed": yuan(disbursed),
            "claimed": yuan(claimed),
            "room": yuan(selectors.clawback_room(voucher)),
            "breadcrumbs": [*_voucher_crumbs(voucher), (_("Record a clawback"), None)],
        },
    )


@role_required(*CLAWBACK_READERS)
def clawbacks(request):
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    page = Paginator(clawback_list(status=status, overdue=overdue), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vouchers/lifecycle/clawbacks.html",
        {
            "page": page,
            "status": status,
            "overdue": overdue,
            "statuses": Clawback.Status.choices,
            "today": timezone.localdate(),
            "breadcrumbs": [(_("Clawbacks"), None)],
        },
    )


@signed_in
def clawback_detail(request, pk: int, form: RepaymentForm | None = None):
    clawback = clawback_for_reader_or_404(request.user, pk)
    may_record = clawback.status == Clawback.Status.OPEN and has_role(
        request.user, Role.PROGRAM_MANAGER
    )
    if is_enterprise_member(request.user, clawback.enterprise):
        crumbs = [
            (_("My vouchers"), reverse("vouchers:voucher-list")),
            (
                clawback.voucher.code,
                reverse("vouchers:voucher-detail", args=[clawback.voucher.code]),
            ),
        ]
    else:
        crumbs = [(_("Clawbacks"), reverse("vouchers:clawbacks"))]
    return render(
        request,
        "vouchers/lifecycle/clawback_detail.html",
        {
            "c": clawback,
            "repayments": clawback.repayments.select_related("recorded_by"),
            "overdue": clawback.status == Clawback.Status.OPEN
            and clawback.due_on < timezone.localdate(),
            "may_record": may_record,
            "today": timezone.localdate(),
            "form": form
            or RepaymentForm(
                initial={
                    "amount": clawback.outstanding,
                    "paid_on": timezone.localdate(),
                }
            ),
            "breadcrumbs": [
                *crumbs,
                (_("Clawback %(pk)s") % {"pk": clawback.pk}, None),
            ],
        },
    )


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def repayment_new(request, pk: int):
    clawback = clawback_for_reader_or_404(request.user, pk)
    form = RepaymentForm(request.POST)
    if not form.is_valid():
        return clawback_detail(request, pk, form=form)
    d = form.cleaned_data
    try:
        services.clawback_repayment_record(
            clawback=clawback,
            user=request.user,
            amount=d["amount"],
            paid_on=d["paid_on"],
            reference=d["reference"],
        )
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return clawback_detail(request, pk, form=form)
    messages.success(
        request,
        _("Repayment of %(amount)s yuan recorded.") % {"amount": yuan(d["amount"])},
    )
    return redirect("vouchers:clawback-detail", pk=pk)
