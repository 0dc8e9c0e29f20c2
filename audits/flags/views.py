"""The flags pages: the list with its filters and the last scans, one
flag with its facts and the auditor's triage, and "scan now"."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import has_role, role_required
from config.exceptions import ApplicationError
from config.forms import apply_service_error, valid_filters

from ..models import Flag, FlagScan
from ..permissions import AUDIT_READERS
from . import selectors, services
from .forms import FlagFilterForm, TriageForm


@role_required(*AUDIT_READERS)
def flag_list(request):
    form = FlagFilterForm(request.GET or None)
    page = Paginator(selectors.flag_list(**valid_filters(form)), 50).get_page(
        request.GET.get("page")
    )
    scans = list(selectors.scan_list()[:5])
    context = {
        "form": form,
        "page": page,
        "counts": selectors.flag_counts(),
        "scans": scans,
        # refresh while a scan someone asked for runs (one running for an
        # hour is a dead worker, not a reason to reload forever)
        "running": any(
            s.status == FlagScan.Status.RUNNING
            and s.requested_at > timezone.now() - timedelta(hours=1)
            for s in scans
        ),
    }
    return render(request, "audits/flag_list.html", context)


def _detail(request, flag, form=None, status=200):
    context = {
        "flag": flag,
        "links": selectors.flag_links(flag),
        "can_triage": flag.status == Flag.Status.OPEN
        and has_role(request.user, *services.TRIAGERS),
        "form": form or TriageForm(),
    }
    return render(request, "audits/flag_detail.html", context, status=status)


@role_required(*AUDIT_READERS)
def flag_detail(request, pk):
    flag = get_object_or_404(selectors.flag_list(), pk=pk)
    if request.method != "POST":
        return _detail(request, flag)
    if not has_role(request.user, *services.TRIAGERS):
        messages.error(request, _("Only an auditor can triage a flag."))
        return _detail(request, flag, status=403)
    form = TriageForm(request.POST)
    if not form.is_valid():
        return _detail(request, flag, form, status=400)
    try:
        services.flag_triage(
            flag=flag,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return _detail(request, flag, form, status=400)
    messages.success(request, _("Your finding is recorded with the flag."))
    return redirect("audits:flag-list")


@role_required(*AUDIT_READERS)
@require_POST
def scan(request):
    services.flag_scan_request(actor=request.user)
    messages.success(
        request, _("The scan has started; this page shows its result when done.")
    )
    return redirect("audits:flag-list")
