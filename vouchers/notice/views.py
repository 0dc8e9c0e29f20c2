"""The public notice pages: the list of programs with notices running, a
program's notice (public, no personal data) and the objection form
(throttled per client address); the program managers' objection list and
page, where an objection is upheld or dismissed."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.permissions import has_role, role_required
from accounts.roles import Role
from config.client_ip import client_ip
from config.exceptions import ApplicationError
from config.forms import apply_service_error
from config.rate_limit import over_limit
from enterprises.downloads import stored_file_response

from ..models import Objection
from . import selectors, services
from .forms import ObjectionForm, ResolutionForm

# Objections one client address may send per hour (all programs together).
OBJECTION_LIMIT = 5


def notices(request):
    """Public: the programs with a notice running."""
    return render(
        request,
        "vouchers/notice/programs.html",
        {
            "programs": selectors.programs_in_notice(),
            "breadcrumbs": [(_("Public notices"), None)],
        },
    )


def _rows(program):
    return [
        {"notice": n, "city": selectors.city_of(n)}
        for n in selectors.running_notices(program)
    ]


def program_notice(request, code: str):
    """Public: a program's applications in notice, with the dates."""
    program = selectors.public_program_or_404(code)
    return render(
        request,
        "vouchers/notice/program.html",
        {
            "program": program,
            "rows": _rows(program),
            "today": timezone.localdate(),
            "breadcrumbs": [
                (_("Public notices"), reverse("vouchers:notices")),
                (program.name, None),
            ],
        },
    )


def objection_new(request, code: str, pk: int):
    """Public: object to one application in notice."""
    program = selectors.public_program_or_404(code)
    notice = selectors.running_notice_or_404(program, pk)
    status = 200
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        address = client_ip(request)
        if over_limit(
            f"notice-objection:{address}", limit=OBJECTION_LIMIT, window=3600
        ):
            form.add_error(
                None,
                _(
                    "Too many objections from your address in the last hour; "
                    "try again later or write to the department."
                ),
            )
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            try:
                objection = services.objection_submit(
                    notice=notice,
                    name=d["name"],
                    contact=d["contact"],
                    reason=d["reason"],
                    evidence=d["evidence"],
                    client_ip=address,
                )
            except ApplicationError as exc:
                apply_service_error(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Your objection has been received (no. %(pk)s). The voucher of "
                        "%(enterprise)s waits until the department has looked into it; "
                        "it may contact you."
                    )
                    % {
                        "pk": objection.pk,
                        "enterprise": notice.application.enterprise.name,
                    },
                )
                return redirect("vouchers:notice-program", code=program.code)
        else:
            status = 400
    return render(
        request,
        "vouchers/notice/objection_form.html",
        {
            "program": program,
            "notice": notice,
            "city": selectors.city_of(notice),
            "form": form,
            "breadcrumbs": [
                (_("Public notices"), reverse("vouchers:notices")),
                (program.name, reverse("vouchers:notice-program", args=[program.code])),
                (pgettext("notice", "Object"), None),
            ],
        },
        status=status,
    )


@role_required(*selectors.OBJECTION_READERS)
def objections(request):
    status = request.GET.get("status", "")
    if status not in Objection.Status.values:
        status = ""
    page = Paginator(selectors.objection_list(status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vouchers/notice/objections.html",
        {
            "page": page,
            "status": status,
            "statuses": Objection.Status.choices,
            "breadcrumbs": [(_("Objections"), None)],
        },
    )


@role_required(*selectors.OBJECTION_READERS)
def objection_detail(request, pk: int):
    objection = selectors.objection_for_reader_or_404(request.user, pk)
    may_resolve = objection.status == Objection.Status.OPEN and has_role(
        request.user, Role.PROGRAM_MANAGER
    )
    form = ResolutionForm(request.POST or None)
    if request.method == "POST":
        if not may_resolve:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            resolve = (
                services.objection_uphold
                if d["decision"] == "uphold"
                else services.objection_dismiss
            )
            try:
                notice = resolve(
                    objection=objection, manager=request.user, reason=d["reason"]
                )
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _resolved_message(d["decision"], notice))
                return redirect("vouchers:objection-detail", pk=objection.pk)
    notice = objection.notice
    return render(
        request,
        "vouchers/notice/objection_detail.html",
        {
            "o": objection,
            "notice": notice,
            "city": selectors.city_of(notice),
            "others": notice.objections.exclude(pk=objection.pk).order_by("created_at"),
            "may_resolve": may_resolve,
            "form": form,
            "breadcrumbs": [
                (_("Objections"), reverse("vouchers:objections")),
                (_("Objection %(pk)s") % {"pk": objection.pk}, None),
            ],
        },
    )


def _resolved_message(decision: str, notice) -> str:
    number = notice.application.number
    if decision == "uphold":
        return _(
            "Objection upheld: application %(number)s is rejected and its "
            "reservation is back in the budget."
        ) % {"number": number}
    if notice.status == notice.Status.ISSUED:
        return _(
            "Objection dismissed: the notice of %(number)s had ended, so its voucher "
            "%(code)s is issued."
        ) % {"number": number, "code": notice.voucher.code}
    return _(
        "Objection dismissed: the notice of %(number)s goes on until %(ends)s."
    ) % {"number": number, "ends": notice.ends_on.isoformat()}


@role_required(*selectors.OBJECTION_READERS)
def objection_evidence(request, pk: int):
    objection = selectors.objection_for_reader_or_404(request.user, pk)
    if not objection.evidence:
        raise Http404
    return stored_file_response(
        target=objection,
        file=objection.evidence,
        file_name=objection.evidence_name,
        content_type=objection.evidence_type,
        sha256=objection.evidence_sha256,
        actor=request.user,
    )
