"""The report pages: ask for one, watch it build, download it (managers and
auditors); and the public verify page, where anyone checks a copy."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from config.client_ip import client_ip
from config.exceptions import ApplicationError
from config.forms import apply_service_error
from config.rate_limit import over_limit

from ..models import Report
from ..permissions import AUDIT_READERS
from . import selectors, services
from .forms import ReportRequestForm, VerifyForm

VERIFY_LIMIT = 30  # checks per client per 10 minutes

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _list(request, form=None, status=200):
    page = Paginator(selectors.report_list(), 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form or ReportRequestForm(),
        "running": any(
            r.status in (Report.Status.QUEUED, Report.Status.RUNNING) for r in page
        ),
    }
    return render(request, "audits/reports/list.html", context, status=status)


@role_required(*AUDIT_READERS)
def report_list(request):
    return _list(request)


@role_required(*AUDIT_READERS)
@require_POST
def report_request(request):
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        report = services.report_request(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return _list(request, form, status=400)
    messages.success(
        request,
        _("Report %(number)s is being built; this page shows its progress.")
        % {"number": report.number},
    )
    return redirect("audits:report-detail", number=report.number)


@role_required(*AUDIT_READERS)
def report_detail(request, number):
    report = get_object_or_404(selectors.report_list(), number=number)
    return render(
        request,
        "audits/reports/detail.html",
        {
            "report": report,
            "running": report.status in (Report.Status.QUEUED, Report.Status.RUNNING),
        },
    )


@role_required(*AUDIT_READERS)
def report_download(request, number, which):
    report = get_object_or_404(Report, number=number, status=Report.Status.DONE)
    if which not in CONTENT_TYPES:
        raise Http404
    services.report_downloaded(report=report, which=which, actor=request.user)
    field = report.pdf if which == "pdf" else report.xlsx
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=f"{report.number}.{which}",
        content_type=CONTENT_TYPES[which],
    )
    response["Cache-Control"] = "private, no-store"
    return response


def verify(request):
    """Public: does this file equal the one issued under this number?"""
    result = None
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if over_limit(
            f"report-verify:{client_ip(request)}", limit=VERIFY_LIMIT, window=600
        ):
            form.add_error(
                None,
                _("Too many checks from your address; try again in a few minutes."),
            )
            status = 429
        elif form.is_valid():
            result = selectors.report_verify(
                form.cleaned_data["number"], form.cleaned_data["file"]
            )
        else:
            status = 400
    else:
        form = VerifyForm()
    return render(
        request,
        "audits/reports/verify.html",
        {"form": form, "result": result},
        status=status,
    )
