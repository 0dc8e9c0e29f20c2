"""Statement pages.

- provider staff: their provider's statements; a statement with its charges,
  the upload of their own records, the reconciliation report with an
  explanation per difference, and submission;
- program managers: the statements queue (submitted to approve, approved to
  pay), approval or return with a reason, and the payment;
- auditors: read everything; everyone who reads a statement downloads it as
  XLSX and PDF.

Who reads a statement is ``selectors.statements_readable``; every change is
a service, whose refusal is shown on the page and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, user_roles
from accounts.roles import Role
from config.confirm import (
    Fact,
    confirmation,
    is_confirmed,
    is_going_back,
    refusal_of,
)
from config.exceptions import ApplicationError
from config.formats import day, period
from config.forms import apply_service_error
from config.money import yuan
from config.pdf import pdf_response
from enterprises.permissions import provider_for_staff_or_404

from ..models import ReconciliationItem, Statement
from . import services
from .documents import statement_pdf, statement_xlsx
from .forms import ExplainForm, PaymentForm, RecordsUploadForm, ReturnForm
from .records import MAX_BYTES
from .selectors import (
    latest_reconciliation,
    statement_for_reader_or_404,
    statement_lines,
    statement_queue,
)

READERS = (Role.PROVIDER_STAFF, Role.PROGRAM_MANAGER, Role.AUDITOR)
QUEUE_TABS = ("submitted", "approved", "open", "paid")
Outcome = ReconciliationItem.Outcome


def _is_staff_of(user, statement: Statement) -> bool:
    return statement.provider.memberships.filter(
        user=user, role=Role.PROVIDER_STAFF
    ).exists()


def _detail(request, statement: Statement, status: int = 200, **forms):
    roles = user_roles(request.user)
    is_staff = Role.PROVIDER_STAFF in roles and _is_staff_of(request.user, statement)
    is_manager = Role.PROGRAM_MANAGER in roles
    report = latest_reconciliation(statement)
    items = list(report.items.select_related("redemption")) if report else []
    # Differences first, in the order of the file, then the matched lines.
    items.sort(key=lambda i: (i.outcome == Outcome.MATCHED, i.line or 0, i.pk))
    unexplained = sum(1 for i in items if i.is_difference and not i.note)
    if is_staff:
        crumbs = [
            (
                statement.provider.name,
                reverse("enterprises:provider-detail", args=[statement.provider_id]),
            ),
            (
                _("Statements"),
                reverse("vouchers:statements", args=[statement.provider_id]),
            ),
        ]
    else:
        crumbs = [(_("Statements"), reverse("vouchers:statement-queue"))]
    payment = getattr(statement, "payment", None)
    return render(
        request,
        "vouchers/settlement/statement_detail.html",
        {
            "statement": statement,
            "total": yuan(statement.total),
            "lines": statement_lines(statement),
            "report": report,
            "items": items,
            "unexplained": unexplained,
            "is_staff": is_staff,
            "is_manager": is_manager,
            "payment": payment,
            "payment_amount": yuan(payment.amount) if payment else "",
            "upload_form": forms.get("upload_form") or RecordsUploadForm(),
            "return_form": forms.get("return_form") or ReturnForm(),
            "payment_form": forms.get("payment_form")
            or PaymentForm(
                initial={"amount": statement.total, "paid_on": timezone.localdate()}
            ),
            "explain_item": forms.get("explain_item"),
            "explain_form": forms.get("explain_form"),
            "breadcrumbs": [*crumbs, (statement.number, None)],
        },
        status=status,
    )


@role_required(Role.PROVIDER_STAFF)
def provider_statements(request, provider_pk: int):
    provider = provider_for_staff_or_404(request.user, provider_pk)
    statements = Statement.objects.filter(provider=provider).select_related("program")
    page = Paginator(statements, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "vouchers/settlement/provider_statements.html",
        {
            "provider": provider,
            "page": page,
            "rows": [(s, yuan(s.total)) for s in page],
            "breadcrumbs": [
                (
                    provider.name,
                    reverse("enterprises:provider-detail", args=[provider.pk]),
                ),
                (_("Statements"), None),
            ],
        },
    )


@role_required(Role.PROGRAM_MANAGER, Role.AUDITOR)
def statement_queue_view(request):
    counts = dict(
        Statement.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    status = request.GET.get("status") or "submitted"
    if status not in QUEUE_TABS:
        status = "submitted"
    page = Paginator(statement_queue(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "vouchers/settlement/queue.html",
        {
            "tabs": [
                (tab, Statement.Status(tab).label, counts.get(tab, 0))
                for tab in QUEUE_TABS
            ],
            "status": status,
            "page": page,
            "rows": [(s, yuan(s.total)) for s in page],
            "breadcrumbs": [(_("Statements"), None)],
        },
    )


@role_required(*READERS)
def statement_detail(request, pk: int):
    return _detail(request, statement_for_reader_or_404(request.user, pk))


def _done(request, statement: Statement, message: str):
    messages.success(request, message)
    return redirect("vouchers:statement-detail", pk=statement.pk)


def _refused(request, statement: Statement, exc: ApplicationError):
    messages.error(request, exc.message)
    return redirect("vouchers:statement-detail", pk=statement.pk)


@role_required(Role.PROVIDER_STAFF)
@require_POST
def statement_reconcile(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    form = RecordsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, statement, status=400, upload_form=form)
    upload = form.cleaned_data["file"]
    try:
        report = services.statement_reconcile(
            statement=statement,
            user=request.user,
            file_name=upload.name,
            content=upload.read(MAX_BYTES + 1),
        )
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return _detail(request, statement, status=400, upload_form=form)
    if report.differences:
        message = _(
            "%(matched)d line(s) matched and %(differences)d differ: explain each "
            "difference below, or correct your records and upload them again."
        ) % {"matched": report.matched, "differences": report.differences}
    else:
        message = _(
            "All %(matched)d line(s) matched. You can submit the statement."
        ) % {"matched": report.matched}
    return _done(request, statement, message)


@role_required(Role.PROVIDER_STAFF)
@require_POST
def reconciliation_item_explain(request, pk: int, item_pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    item = get_object_or_404(
        ReconciliationItem, pk=item_pk, reconciliation__statement=statement
    )
    form = ExplainForm(request.POST)
    if form.is_valid():
        try:
            services.reconciliation_item_explain(
                item=item, user=request.user, note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return _done(
                request,
                statement,
                _("Explanation saved for invoice %(number)s.")
                % {"number": item.invoice_number},
            )
    return _detail(
        request, statement, status=400, explain_item=item.pk, explain_form=form
    )


@role_required(Role.PROVIDER_STAFF)
@require_POST
def statement_submit(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    try:
        services.statement_submit(statement=statement, user=request.user)
    except ApplicationError as exc:
        return _refused(request, statement, exc)
    return _done(
        request,
        statement,
        _(
            "Statement submitted: the department approves it and then pays %(total)s yuan."
        )
        % {"total": yuan(statement.total)},
    )


def _confirm(request, statement: Statement, *, title, lead, action, extra=()):
    """The confirmation page of a manager's decision on a statement: who is
    paid, for what, how much, and what the provider's own records said."""
    report = latest_reconciliation(statement)
    facts = [
        Fact(_("Provider"), statement.provider.name),
        Fact(_("Program"), statement.program.name),
        Fact(
            _("Period"),
            period(statement.period_start, statement.period_end),
        ),
        Fact(_("Charges"), str(statement.charge_count)),
        Fact(
            _("Statement total (yuan)"),
            yuan(statement.total),
            strong=not extra,
            testid="" if extra else "confirm-amount",
        ),
        *extra,
    ]
    warning = ""
    if report is None:
        warning = _("The provider has not reconciled this statement with its records.")
    elif report.differences:
        warning = _(
            "The provider's records showed %(n)d differences; read their explanations "
            "on the statement first."
        ) % {"n": report.differences}
    return confirmation(
        request,
        title=title,
        lead=lead,
        facts=facts,
        warning=warning,
        action=action,
        breadcrumbs=[
            (_("Statements"), reverse("vouchers:statement-queue")),
            (
                statement.number,
                reverse("vouchers:statement-detail", args=[statement.pk]),
            ),
            (_("Confirm"), None),
        ],
    )


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def statement_approve(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    if is_going_back(request):
        return redirect("vouchers:statement-detail", pk=statement.pk)
    if not is_confirmed(request):
        refused = refusal_of(
            lambda: services.statement_approve(statement=statement, user=request.user)
        )
        if refused is not None:
            return _refused(request, statement, refused)
        return _confirm(
            request,
            statement,
            title=_("Confirm the approval of statement %(number)s")
            % {"number": statement.number},
            lead=_(
                "Approving the statement commits the program to paying the provider "
                "its total; the payment is recorded next."
            ),
            action=_("Approve for payment of %(total)s yuan")
            % {"total": yuan(statement.total)},
        )
    try:
        services.statement_approve(statement=statement, user=request.user)
    except ApplicationError as exc:
        return _refused(request, statement, exc)
    return _done(
        request,
        statement,
        _("Statement approved for payment of %(total)s yuan.")
        % {"total": yuan(statement.total)},
    )


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def statement_return(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.statement_return(
                statement=statement,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return _done(request, statement, _("Statement returned to the provider."))
    return _detail(request, statement, status=400, return_form=form)


@role_required(Role.PROGRAM_MANAGER)
@require_POST
def statement_pay(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    form = PaymentForm(request.POST)
    if form.is_valid() and not is_going_back(request):
        if not is_confirmed(request):
            d = form.cleaned_data
            refused = refusal_of(
                lambda: services.statement_pay(
                    statement=statement, user=request.user, **form.cleaned_data
                )
            )
            if refused is not None:
                apply_service_error(form, refused)
                return _detail(request, statement, status=400, payment_form=form)
            return _confirm(
                request,
                statement,
                title=_("Confirm the payment of statement %(number)s")
                % {"number": statement.number},
                lead=_(
                    "Recording the payment closes the statement: the provider's "
                    "payable moves to paid out. Check it against the bank's voucher."
                ),
                action=_("Record the payment of %(amount)s yuan")
                % {"amount": yuan(d["amount"])},
                extra=[
                    Fact(_("Payment reference"), d["reference"]),
                    Fact(_("Paid on"), day(d["paid_on"])),
                    Fact(
                        _("Amount paid (yuan)"),
                        yuan(d["amount"]),
                        strong=True,
                        testid="confirm-amount",
                    ),
                ],
            )
        try:
            services.statement_pay(
                statement=statement, user=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return _done(
                request,
                statement,
                _("Payment of %(total)s yuan recorded; the statement is paid.")
                % {"total": yuan(statement.total)},
            )
    return _detail(request, statement, status=400, payment_form=form)


@role_required(*READERS)
def statement_download_xlsx(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    response = HttpResponse(
        statement_xlsx(statement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{statement.number}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*READERS)
def statement_download_pdf(request, pk: int):
    statement = statement_for_reader_or_404(request.user, pk)
    return pdf_response(
        statement_pdf(statement, request=request), f"{statement.number}.pdf"
    )
