"""Charge pages: what the provider API does, for providers without an
integration, and what the enterprise and the reviewer do with a charge.

- provider staff: charge a voucher (the code typed, or from the
  certificate's QR code: ``?code=``), check a voucher's balance first,
  their charges by status, void a pending one;
- the enterprise's members: confirm or dispute a pending charge (the
  voucher page lists its charges);
- reviewers of the enterprise's region: the disputed charges, each upheld
  or voided with a reason.

Who reads a charge is ``selectors.redemption_for_reader_or_404``; every
change is a service, whose refusal is shown and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.permissions import role_required, signed_in, user_roles
from accounts.roles import Role
from audits import actions
from config.client_ip import ClientIpThrottleMixin
from config.confirm import Fact, confirmation, is_confirmed, is_going_back
from config.exceptions import ApplicationError
from config.formats import day, period
from config.forms import apply_service_error
from config.money import yuan
from enterprises.models import Provider
from enterprises.permissions import is_enterprise_member, provider_for_staff_or_404
from enterprises.templatetags.register_tags import unit_price

from ..issuance import codes
from ..ledger.selectors import voucher_balance
from ..models import Redemption
from ..self_check.api import throttled_message
from . import services
from .forms import ChargeForm, DecideForm, ReasonForm
from .scope import may_decide_dispute
from .selectors import (
    STATUS_TABS,
    dispute_queue,
    provider_charge_counts,
    provider_charges,
    redemption_for_reader_or_404,
    redemption_history,
)

S = Redemption.Status


def _provider_crumbs(provider: Provider, *rest) -> list:
    return [
        (provider.name, reverse("enterprises:provider-detail", args=[provider.pk])),
        *rest,
    ]


class WebLookupThrottle(ClientIpThrottleMixin, SimpleRateThrottle):
    """The "Check voucher" button, per provider, at the API look-up's rate
    (``voucher_lookup``): staff of one provider share it, as its API keys
    each have theirs, so codes cannot be guessed through the web either."""

    scope = "voucher_lookup"

    def __init__(self, provider: Provider):
        self.provider = provider
        super().__init__()

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": "voucher_lookup_web",
            "ident": self.provider.pk,
        }


def _voucher_check(request, form: ChargeForm, provider: Provider) -> dict:
    """What the "Check voucher" button shows: the voucher's status, balance
    and expiry, or the same "not found" for a wrong code or credit code;
    "too many" past the look-up rate."""
    throttle = WebLookupThrottle(provider)
    if not throttle.allow_request(request, None):
        return {"throttled": throttled_message(throttle.wait())}
    voucher = services.voucher_for_charge(
        code=form.data.get("voucher_code", ""),
        credit_code=form.data.get("credit_code", ""),
    )
    if voucher is None:
        return {"found": False}
    return {
        "found": True,
        "voucher": voucher,
        "balance": yuan(voucher_balance(voucher)),
        "expired": voucher.expires_on < timezone.localdate(),
    }


@role_required(Role.PROVIDER_STAFF)
def charge_new(request, provider_pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    initial = {}
    code = request.GET.get("code", "")
    if code:
        initial["voucher_code"] = (
            codes.format_code(code) if codes.is_valid(code) else code
        )
    form = ChargeForm(request.POST or None, provider=provider, initial=initial)
    check = None
    status = 200
    if request.method == "POST" and "check" in request.POST:
        check = _voucher_check(request, form, provider)
        # The form again with what was typed, not judged yet.
        form = ChargeForm(initial=request.POST.dict(), provider=provider)
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                charge = services.redemption_charge(
                    provider=provider, charge=form.to_charge(), actor=request.user
                )
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(amount)s yuan is held on voucher %(code)s. The charge "
                        "confirms itself on %(date)s unless the enterprise confirms "
                        "or disputes it before."
                    )
                    % {
                        "amount": yuan(charge.amount),
                        "code": charge.voucher.code,
                        "date": day(charge.confirm_by),
                    },
                )
                return redirect("vouchers:charge-detail", pk=charge.pk)
    return render(
        request,
        "vouchers/redemption/charge_form.html",
        {
            "provider": provider,
            "form": form,
            "check": check,
            "approved": provider.status == Provider.Status.APPROVED,
            "breadcrumbs": _provider_crumbs(
                provider,
                (_("Charge records"), reverse("vouchers:charges", args=[provider.pk])),
                (_("Charge a voucher"), None),
            ),
        },
        status=status,
    )


@role_required(Role.PROVIDER_STAFF)
def charge_list(request, provider_pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    status = request.GET.get("status", "")
    if status not in STATUS_TABS:
        status = ""
    counts = provider_charge_counts(provider)
    page = Paginator(provider_charges(provider, status=status or None), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vouchers/redemption/charge_list.html",
        {
            "provider": provider,
            "tabs": [("", _("All"), counts["all"])]
            + [(tab, S(tab).label, counts[tab]) for tab in STATUS_TABS],
            "status": status,
            "page": page,
            "breadcrumbs": _provider_crumbs(provider, (_("Charge records"), None)),
        },
    )


def _history(redemption: Redemption) -> list[dict]:
    """The charge's audit events, each with its label and the reason given."""
    rows = []
    for e in redemption_history(redemption):
        after = e.after or {}
        rows.append(
            {
                "event": e,
                "label": actions.label(e.action),
                "reason": after.get("dispute_reason") or after.get("decision_reason"),
            }
        )
    return rows


@signed_in
def charge_detail(request, pk: int):
    redemption = redemption_for_reader_or_404(request.user, pk)
    user = request.user
    roles = user_roles(user)
    is_staff = (
        Role.PROVIDER_STAFF in roles
        and redemption.provider.memberships.filter(
            user=user, role=Role.PROVIDER_STAFF
        ).exists()
    )
    is_member = Role.APPLICANT in roles and is_enterprise_member(
        user, redemption.enterprise
    )
    in_region = Role.REVIEWER in roles and may_decide_dispute(user, redemption)
    voucher_url = reverse("vouchers:voucher-detail", args=[redemption.voucher.code])
    if is_staff:
        crumbs = _provider_crumbs(
            redemption.provider,
            (
                _("Charge records"),
                reverse("vouchers:charges", args=[redemption.provider_id]),
            ),
        )
    elif is_member:
        crumbs = [
            (_("My vouchers"), reverse("vouchers:voucher-list")),
            (redemption.voucher.code, voucher_url),
        ]
    elif Role.REVIEWER in roles:
        crumbs = [(_("Disputed charges"), reverse("vouchers:disputes"))]
    else:
        crumbs = [(redemption.voucher.code, voucher_url)]
    return render(
        request,
        "vouchers/redemption/charge_detail.html",
        {
            "charge": redemption,
            "amount": yuan(redemption.amount),
            "history": _history(redemption),
            "is_member": is_member,
            # The voucher's readers (voucher_for_reader_or_404), not its provider.
            "may_read_voucher": is_member
            or in_region
            or bool(roles & {Role.PROGRAM_MANAGER, Role.AUDITOR}),
            "may_void": is_staff and redemption.status == S.PENDING,
            "may_answer": is_member and redemption.status == S.PENDING,
            "may_decide": in_region and redemption.status == S.DISPUTED,
            "breadcrumbs": [
                *crumbs,
                (_("Charge %(number)s") % {"number": redemption.invoice_number}, None),
            ],
        },
    )


def _back(request, redemption: Redemption, message: str | None = None):
    if message:
        messages.success(request, message)
    return redirect("vouchers:charge-detail", pk=redemption.pk)


def _refused(request, redemption: Redemption, exc: ApplicationError):
    messages.error(request, exc.message)
    return redirect("vouchers:charge-detail", pk=redemption.pk)


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    form.is_valid()  # a reason is free text; the service says what it accepts
    return form.cleaned_data.get("reason", "")


@role_required(Role.PROVIDER_STAFF)
@require_POST
def charge_void(request, pk: int):
    redemption = redemption_for_reader_or_404(request.user, pk)
    provider = provider_for_staff_or_404(request.user, redemption.provider_id)
    try:
        services.redemption_void(
            redemption=redemption,
            provider=provider,
            actor=request.user,
            reason=_reason(request),
        )
    except ApplicationError as exc:
        return _refused(request, redemption, exc)
    return _back(
        request,
        redemption,
        _("Charge voided: %(amount)s yuan is back on the voucher.")
        % {"amount": yuan(redemption.amount)},
    )


def _charge_confirmation(request, redemption: Redemption, *, title, lead, action):
    """What confirming a charge (or upholding it) pays: to whom, for what."""
    return confirmation(
        request,
        title=title,
        lead=lead,
        facts=[
            Fact(_("Provider"), redemption.provider.name),
            Fact(_("Offering"), redemption.offering.name),
            Fact(
                _("Quantity"),
                f"{redemption.quantity.normalize():f} {redemption.unit_label}",
            ),
            Fact(_("Unit price (yuan)"), unit_price(redemption.unit_price)),
            Fact(
                _("Period of use"),
                period(redemption.period_start, redemption.period_end),
            ),
            Fact(_("Invoice number"), redemption.invoice_number),
            Fact(
                _("Paid to the provider from the voucher (yuan)"),
                yuan(redemption.amount),
                strong=True,
                testid="confirm-amount",
            ),
        ],
        action=action,
        # "Back" returns to the charge's page: there was no form to refill.
        back_label=_("Back to the charge"),
        breadcrumbs=[
            (
                redemption.voucher.code,
                reverse("vouchers:voucher-detail", args=[redemption.voucher.code]),
            ),
            (
                _("Charge %(number)s") % {"number": redemption.invoice_number},
                reverse("vouchers:charge-detail", args=[redemption.pk]),
            ),
            (_("Confirm"), None),
        ],
    )


@role_required(Role.APPLICANT)
@require_POST
def charge_confirm(request, pk: int):
    redemption = redemption_for_reader_or_404(request.user, pk)
    if is_going_back(request):
        return _back(request, redemption)
    if not is_confirmed(request) and redemption.status == Redemption.Status.PENDING:
        return _charge_confirmation(
            request,
            redemption,
            title=_("Confirm the charge %(number)s")
            % {"number": redemption.invoice_number},
            lead=_(
                "Confirm only what your organisation really used: once confirmed, "
                "the charge cannot be disputed and the provider is paid from your voucher."
            ),
            action=_("Confirm %(amount)s yuan") % {"amount": yuan(redemption.amount)},
        )
    try:
        services.redemption_confirm(redemption=redemption, user=request.user)
    except ApplicationError as exc:
        return _refused(request, redemption, exc)
    return _back(
        request,
        redemption,
        _("Charge confirmed: %(amount)s yuan goes from your voucher to the provider.")
        % {"amount": yuan(redemption.amount)},
    )


@role_required(Role.APPLICANT)
@require_POST
def charge_dispute(request, pk: int):
    redemption = redemption_for_reader_or_404(request.user, pk)
    try:
        services.redemption_dispute(
            redemption=redemption, user=request.user, reason=_reason(request)
        )
    except ApplicationError as exc:
        return _refused(request, redemption, exc)
    return _back(
        request,
        redemption,
        _(
            "Charge disputed: the amount stays held until a reviewer of your "
            "region decides."
        ),
    )


@role_required(Role.REVIEWER)
@require_POST
def charge_decide(request, pk: int):
    redemption = redemption_for_reader_or_404(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("decision", [])))
        return _back(request, redemption)
    uphold = form.cleaned_data["decision"] == "uphold"
    if is_going_back(request):
        return _back(request, redemption)
    if (
        uphold
        and form.cleaned_data["reason"].strip()
        and redemption.status == Redemption.Status.DISPUTED
        and not is_confirmed(request)
    ):
        return _charge_confirmation(
            request,
            redemption,
            title=_("Confirm upholding the charge %(number)s")
            % {"number": redemption.invoice_number},
            lead=_(
                "Upholding confirms the charge: the provider is paid from the "
                "voucher, and the enterprise is told your reason."
            ),
            action=_("Uphold and confirm %(amount)s yuan")
            % {"amount": yuan(redemption.amount)},
        )
    try:
        services.redemption_dispute_decide(
            redemption=redemption,
            reviewer=request.user,
            uphold=uphold,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        return _refused(request, redemption, exc)
    return _back(
        request,
        redemption,
        _("Dispute decided: the charge is upheld and confirmed.")
        if uphold
        else _(
            "Dispute decided: the charge is voided and its amount is back on the voucher."
        ),
    )


@role_required(Role.REVIEWER)
def disputes(request):
    page = Paginator(dispute_queue(request.user), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "vouchers/redemption/disputes.html",
        {
            "page": page,
            "rows": [
                (
                    c,
                    (today - timezone.localdate(c.decided_at or c.created_at)).days,
                )
                for c in page
            ],
            "breadcrumbs": [(_("Disputed charges"), None)],
        },
    )
