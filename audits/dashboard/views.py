"""The program dashboard and its XLSX."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import role_required
from config.formats import moment

from ..permissions import AUDIT_READERS
from ..reports import documents
from ..reports.data import program_figures
from .forms import DashboardForm
from .selectors import chart_data
from .services import dashboard_exported


def _program(request):
    form = DashboardForm(request.GET or None)
    program = form.cleaned_data["program"] if form.is_valid() else None
    if program is None:
        program = form.fields["program"].queryset.first()
        form = DashboardForm(initial={"program": program})
    return form, program


@role_required(*AUDIT_READERS)
def dashboard(request):
    form, program = _program(request)
    figures = program_figures(program) if program is not None else None
    return render(
        request,
        "audits/dashboard.html",
        {
            "form": form,
            "program": program,
            "f": figures,
            "charts": chart_data(figures) if figures is not None else None,
        },
    )


@role_required(*AUDIT_READERS)
def dashboard_xlsx(request):
    _form, program = _program(request)
    if program is None:
        return HttpResponse(_("No program yet."), status=404)
    figures = program_figures(program)
    book, sheet = documents.workbook()
    with translation.override("zh-hans"):
        sheet(
            _("Summary"),
            [_("Item"), _("Value")],
            [
                (_("Program"), f"{program.name_zh}（{program.code}）"),
                (_("Generated"), moment(timezone.now(), seconds=True)),
                (_("Charges"), figures.charge_count),
                (_("Charged (yuan)"), figures.charge_total),
            ],
        )
        documents.program_sheets(sheet, figures)
    content = documents.workbook_bytes(book)
    dashboard_exported(actor=request.user, program=program)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{program.code}-{stamp}.xlsx"'
    )
    return response
