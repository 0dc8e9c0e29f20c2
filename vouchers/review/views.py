"""Review pages: a reviewer's queue (filters, sorting, counts per state and
batch approval) and one application on one page, with everything needed to
decide it and the decision form.

Who sees what:

- the queue: reviewers and program managers, their ``review_queue`` (the
  stage's level is their department's, the enterprise inside its region;
  program managers: final stages);
- an application: reviewers, the applications of their queue and those they
  decided before; program managers and auditors, every submitted
  application. Anything else answers 404. The decision form is shown only
  to a user who ``may_decide`` the application; the services check the rest
  (separation of duties, budget and cap) and their refusals are shown
  beside the form.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import has_role, role_required, user_roles
from accounts.roles import Role
from config.confirm import Fact, confirmation, is_confirmed, is_going_back
from config.exceptions import ApplicationError
from config.forms import apply_service_error, valid_filters
from config.money import yuan
from enterprises import sme
from enterprises.models import Document, Enterprise
from enterprises.selectors import (
    CreditStatus,
    credit_status,
    offerings_with_filing_status,
)

from ..eligibility.explain import calculation_rows, side_by_side, stored_rules
from ..eligibility.records import APPLICATION_SUBJECT, decision_reexplain
from ..eligibility.registry import REVIEW
from ..issuance.selectors import availabilities_in_turn, availability
from ..models import (
    Application,
    EligibilityDecision,
    Notice,
    RejectionReason,
    Review,
    Voucher,
)
from ..notice.selectors import OBJECTION_READERS
from ..programs.labels import STAGE_LABELS
from ..programs.selectors import program_version_at
from . import services
from .forms import ReviewDecisionForm, ReviewQueueFilterForm
from .hints import application_hints
from .scope import DECIDING_ROLES, may_decide
from .selectors import (
    application_for_reader_or_404,
    decision_for_reader_or_404,
    review_queue,
    review_queue_filtered,
    state_counts,
)

S = Application.Status
REVIEW_ROLES = DECIDING_ROLES
READER_ROLES = (Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR)
PAGE_SIZE = 50


def _rules_of(application: Application) -> list[dict[str, Any]]:
    """The stored screening's rule results, in the page's language."""
    if application.screening is None:
        return []
    return stored_rules(application.screening.result)


# -- the queue --------------------------------------------------------------------


@role_required(*REVIEW_ROLES)
def review_queue_page(request):
    form = ReviewQueueFilterForm(request.GET or None)
    filters = valid_filters(form)
    applications = review_queue_filtered(user=request.user, filters=filters)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    narrowed = {k for k in filters if k != "order"}
    rows = []
    for application in page.object_list:
        flags = [r["title"] for r in _rules_of(application) if r["outcome"] == REVIEW]
        rows.append(
            {
                "application": application,
                "level": STAGE_LABELS.get(
                    application.stage_level, application.stage_level
                ),
                "flags": flags,
            }
        )
    return render(
        request,
        "vouchers/review/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "waiting": review_queue(user=request.user).count()
            if narrowed
            else page.paginator.count,
            "counts": state_counts(user=request.user),
            "query": request.GET.urlencode(),
            "breadcrumbs": [(_("Review queue"), None)],
        },
    )


AMOUNT_FIELD = "amount_"


def _confirmed_amounts(post) -> dict[int, Decimal]:
    """The amounts the approver confirmed, by application (``amount_<pk>``)."""
    amounts = {}
    for name, value in post.items():
        pk = name.removeprefix(AMOUNT_FIELD)
        if name.startswith(AMOUNT_FIELD) and pk.isdigit():
            try:
                amounts[int(pk)] = Decimal(value)
            except InvalidOperation:
                continue
    return amounts


def _batch_confirmation(request, applications: list[Application]):
    """What approving the selection issues: each final-stage application's
    voucher, their total, and each program's budget left after them."""
    rows, carry = [], {}
    total = Decimal("0")
    left: dict[int, tuple[str, Decimal]] = {}
    in_turn = availabilities_in_turn(a for a in applications if a.final_stage)
    for a in applications:
        if not a.final_stage:
            rows.append(
                [
                    str(a),
                    a.enterprise.name,
                    a.program.name,
                    _("goes on to the next stage"),
                ]
            )
            continue
        available = in_turn[a.pk]
        name, free = left.get(
            a.program_id, (a.program.name, available.budget_remaining)
        )
        if available.reduced or available.amount <= 0:
            rows.append(
                [
                    str(a),
                    a.enterprise.name,
                    name,
                    _("not in a batch: open it to confirm a reduced amount"),
                ]
            )
            continue
        carry[f"{AMOUNT_FIELD}{a.pk}"] = str(available.amount)
        total += available.amount
        left[a.program_id] = (name, free - available.amount)
        rows.append([str(a), a.enterprise.name, name, yuan(available.amount)])
    facts = [
        Fact(_("Vouchers issued"), str(len(carry))),
        Fact(
            _("Total issued (yuan)"), yuan(total), strong=True, testid="confirm-amount"
        ),
    ] + [
        Fact(
            _("%(program)s: budget still free after them (yuan)") % {"program": name},
            yuan(free),
            testid="confirm-budget-after",
        )
        for name, free in left.values()
    ]
    return confirmation(
        request,
        title=_("Confirm the approval of %(n)d applications")
        % {"n": len(applications)},
        lead=_(
            "Approving at the final stage issues each voucher at once and commits "
            "its amount from its program's budget; where the program has a public "
            "notice, the amount is reserved instead and the voucher issued when "
            "the notice ends."
        ),
        facts=facts,
        columns=[_("Application"), _("Applicant"), _("Program"), _("Voucher (yuan)")],
        rows=rows,
        action=_("Approve and issue %(amount)s yuan") % {"amount": yuan(total)},
        carry=carry,
        breadcrumbs=[
            (_("Review queue"), reverse("review:queue")),
            (_("Confirm"), None),
        ],
    )


def _queue_url(query: str) -> str:
    params = QueryDict(query or "", mutable=True)
    params.pop("page", None)
    encoded = params.urlencode()
    return reverse("review:queue") + (f"?{encoded}" if encoded else "")


# Each approval commits on its own (the service's transactions), so one
# refusal undoes nothing else and the budget locks are held only while each
# voucher is issued.
@transaction.non_atomic_requests
@role_required(*REVIEW_ROLES)
@require_POST
def review_batch_approve(request):
    back = _queue_url(request.POST.get("query", ""))
    ids = {int(x) for x in request.POST.getlist("ids") if x.isdigit()}
    if not ids:
        messages.error(request, _("Select the applications to approve."))
        return redirect(back)
    applications = list(
        review_queue(user=request.user)
        .filter(pk__in=ids)
        .select_related("program_version", "enterprise", "program")
        .order_by("pk")
    )
    if is_going_back(request):
        return redirect(back)
    if not is_confirmed(request) and any(a.final_stage for a in applications):
        return _batch_confirmation(request, applications)
    done, refused = services.application_approve_batch(
        applications=applications,
        reviewer=request.user,
        expected_amounts=_confirmed_amounts(request.POST),
    )
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)d application approved: %(numbers)s.",
                "%(n)d applications approved: %(numbers)s.",
                len(done),
            )
            % {"n": len(done), "numbers": ", ".join(str(a) for a in done)},
        )
    for application, message in refused:
        messages.error(
            request,
            _("%(number)s was not approved: %(reason)s")
            % {"number": application, "reason": message},
        )
    gone = len(ids) - len(applications)
    if gone:
        messages.warning(
            request,
            ngettext(
                "%(n)d selected application is no longer in your queue; "
                "it was left as it is.",
                "%(n)d selected applications are no longer in your queue; "
                "they were left as they are.",
                gone,
            )
            % {"n": gone},
        )
    return redirect(back)


# -- one application --------------------------------------------------------------


def _size_explanation(enterprise: Enterprise) -> dict[str, Any]:
    """The stored size classification, with labels for the template (as on
    the enterprise's own page)."""
    basis = enterprise.size_basis or {}
    group = None
    if enterprise.industry_group:
        group = sme.load_standard().groups.get(enterprise.industry_group)
    return {"basis": basis, "group": group, "steps": basis.get("steps", [])}


def _reviews(application: Application) -> list[dict[str, Any]]:
    reviews = list(application.reviews.select_related("reviewer").order_by("id"))
    codes = {c for r in reviews for c in r.reasons}
    labels = {r.code: r.label for r in RejectionReason.objects.filter(code__in=codes)}
    return [
        {
            "review": r,
            "level": STAGE_LABELS.get(r.level, r.level),
            "reasons": [labels.get(c, c) for c in r.reasons],
        }
        for r in reviews
    ]


def _stages(application: Application) -> list[dict[str, Any]]:
    if application.program_version is None:
        return []
    levels = application.program_version.parsed().review_stages
    return [
        {
            "label": STAGE_LABELS.get(level, level),
            "current": application.status == S.IN_REVIEW and i == application.stage,
            "done": application.status == S.APPROVED
            or (application.status == S.IN_REVIEW and i < application.stage),
        }
        for i, level in enumerate(levels)
    ]


def _is_stale(form_data, application: Application) -> bool:
    """The reviewer decided on an earlier state of the application (someone
    else decided it meanwhile, or it was corrected and resubmitted)."""
    if application.status != S.IN_REVIEW:
        return True
    for name, current in (
        ("stage", application.stage),
        ("revision", application.revision),
    ):
        value = form_data.get(name, "")
        if value.isdigit() and int(value) != current:
            return True
    return False


def _lower(label) -> str:
    return str(label).lower()


def _decided_message(before: Application, after: Application, voucher) -> str:
    if voucher is not None:
        return _("Approved: voucher %(code)s of %(amount)s yuan has been issued.") % {
            "code": voucher.code,
            "amount": yuan(voucher.face_value),
        }
    if after.status == S.IN_REVIEW:
        return _(
            "Approved at the %(level)s stage: %(number)s goes on to the %(next)s stage."
        ) % {
            "level": _lower(STAGE_LABELS.get(before.stage_level, before.stage_level)),
            "number": after,
            "next": _lower(STAGE_LABELS.get(after.stage_level, after.stage_level)),
        }
    if after.status == S.IN_NOTICE:
        notice = after.notice
        return _(
            "Approved: %(number)s is in public notice until %(ends)s with "
            "%(amount)s yuan reserved; its voucher is issued the day after unless "
            "an objection is upheld."
        ) % {
            "number": after,
            "ends": notice.ends_on.isoformat(),
            "amount": yuan(notice.amount),
        }
    if after.status == S.RETURNED:
        return _("%(number)s has been returned to the applicant for correction.") % {
            "number": after
        }
    return _("%(number)s has been rejected.") % {"number": after}


def _approval_confirmation(request, application: Application):
    """The page that shows what a final approval issues and what is left
    of the budget and of the enterprise's yearly cap after it; None when
    nothing can be issued (the service then says why)."""
    available = availability(application)
    amount = available.amount
    if amount <= 0:
        return None
    facts = [
        Fact(_("Applicant"), application.enterprise.name),
        Fact(_("Program"), application.program.name),
    ]
    if available.reduced:
        facts.append(Fact(_("Requested (yuan)"), yuan(available.requested)))
    days = program_version_at(application.program).parsed().public_notice_days
    facts += [
        Fact(
            _("Reserved during the public notice (yuan)")
            if days
            else _("Voucher issued on approval (yuan)"),
            yuan(amount),
            strong=True,
            testid="confirm-amount",
        ),
        Fact(
            _("Program budget still free after it (yuan)"),
            yuan(available.budget_remaining - amount),
            testid="confirm-budget-after",
        ),
        Fact(
            _("Yearly cap of the enterprise still free after it (yuan)"),
            yuan(available.cap_remaining - amount),
        ),
    ]
    return confirmation(
        request,
        title=_("Confirm the approval of %(number)s") % {"number": application},
        lead=ngettext(
            "Approving at the final stage puts the application in public notice for "
            "%(n)d working day and reserves its amount from the program's budget; "
            "the voucher is issued the day after the notice ends unless an "
            "objection is upheld.",
            "Approving at the final stage puts the application in public notice for "
            "%(n)d working days and reserves its amount from the program's budget; "
            "the voucher is issued the day after the notice ends unless an "
            "objection is upheld.",
            days,
        )
        % {"n": days}
        if days
        else _(
            "Approving at the final stage issues the voucher at once and commits "
            "its amount from the program's budget."
        ),
        facts=facts,
        warning=_(
            "Less than was requested: the budget or the yearly cap does not allow "
            "more. Say so in your note: it goes to the applicant with the decision."
        )
        if available.reduced
        else "",
        action=(
            _("Approve and reserve %(amount)s yuan")
            if days
            else _("Approve and issue %(amount)s yuan")
        )
        % {"amount": yuan(amount)},
        carry={"expected_amount": str(amount)},
        breadcrumbs=[
            (_("Review queue"), reverse("review:queue")),
            (str(application), reverse("review:detail", args=[application.pk])),
            (_("Confirm"), None),
        ],
    )


def _expected_amount(post) -> Decimal | None:
    """The reduced amount the approver confirmed (shown to them), if any."""
    expected = post.get("expected_amount", "").strip()
    try:
        return Decimal(expected) if expected else None
    except InvalidOperation:
        return None


def _decide(application, reviewer, data, *, expected_amount) -> Application:
    """The service of the decision chosen on the form."""
    decision = data["decision"]
    if decision == Review.Decision.APPROVE:
        return services.application_approve(
            application=application,
            reviewer=reviewer,
            expected_amount=expected_amount,
        )
    if decision == Review.Decision.RETURN:
        return services.application_return(
            application=application,
            reviewer=reviewer,
            note=data["note"],
            reasons=data["reasons"],
        )
    return services.application_reject(
        application=application,
        reviewer=reviewer,
        reasons=data["reasons"],
        note=data["note"],
    )


@role_required(*READER_ROLES)
def review_detail(request, pk):
    application = application_for_reader_or_404(request.user, pk)
    can_decide = may_decide(request.user, application)
    form = None
    if request.method == "POST":
        if not user_roles(request.user) & set(REVIEW_ROLES):
            raise PermissionDenied
        if _is_stale(request.POST, application):
            messages.warning(
                request,
                _(
                    "This application changed while you were looking at it "
                    "(decided by someone else, or corrected). Here is where it "
                    "stands now."
                ),
            )
            return redirect("review:detail", pk=application.pk)
        if not can_decide:
            raise PermissionDenied
        form = ReviewDecisionForm(request.POST)
        if form.is_valid() and not is_going_back(request):
            data = form.cleaned_data
            if (
                data["decision"] == Review.Decision.APPROVE
                and application.final_stage
                and not is_confirmed(request)
            ):
                confirm = _approval_confirmation(request, application)
                if confirm is not None:
                    return confirm
            try:
                decided = _decide(
                    application,
                    request.user,
                    data,
                    expected_amount=_expected_amount(request.POST),
                )
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                voucher = Voucher.objects.filter(application=decided).first()
                messages.success(
                    request, _decided_message(application, decided, voucher)
                )
                if voucher is not None:
                    return redirect("review:detail", pk=application.pk)
                return redirect("review:queue")
    elif can_decide:
        form = ReviewDecisionForm(
            initial={"stage": application.stage, "revision": application.revision}
        )
    return render(
        request,
        "vouchers/review/detail.html",
        _detail_context(request, application, form, can_decide),
    )


def _detail_context(request, application, form, can_decide) -> dict[str, Any]:
    enterprise = application.enterprise
    rules = _rules_of(application)
    credit, credit_entries = credit_status(uscc=enterprise.uscc)
    provider_credit = (
        credit_status(uscc=application.provider.uscc)[0]
        if application.provider
        else CreditStatus.CLEAR
    )
    final_open = application.status == S.IN_REVIEW and application.final_stage
    line_items = list(application.line_items.all())
    return {
        "application": application,
        # The offering with its standing on the filing list today, the
        # status a charge against it is refused on (a model service).
        "offering": offerings_with_filing_status([application.offering])[0]
        if application.offering
        else None,
        "enterprise": enterprise,
        "size": _size_explanation(enterprise),
        "shareholders": list(enterprise.shareholders.all()),
        "credit": credit,
        "credit_entries": credit_entries,
        "line_items": line_items,
        "documents": [
            {
                "attached": d,
                "label": Document.Kind(d.kind).label
                if d.kind in Document.Kind.values
                else d.kind,
            }
            for d in application.documents.select_related("document")
        ],
        "rules": rules,
        "steps": calculation_rows(application.screening.result.get("steps", []))
        if application.screening
        else [],
        "hints": application_hints(
            application, line_items, rules, credit, provider_credit
        ),
        "reviews": _reviews(application),
        "stages": _stages(application),
        "level_label": STAGE_LABELS.get(
            application.stage_level, application.stage_level
        ),
        "availability": availability(application) if final_open else None,
        "voucher": Voucher.objects.filter(application=application).first(),
        "notice": Notice.objects.filter(application=application).first(),
        "may_read_objections": has_role(request.user, *OBJECTION_READERS),
        "form": form,
        "can_decide": can_decide,
        "breadcrumbs": [
            *(
                [(_("Review queue"), reverse("review:queue"))]
                if user_roles(request.user) & set(REVIEW_ROLES)
                else []
            ),
            (str(application), None),
        ],
    }


# -- one stored decision, made again -------------------------------------------------


@role_required(*READER_ROLES)
def decision_detail(request, pk):
    """A stored decision beside the same decision made again with its stored
    facts, program version and free budget: whoever may read the application
    it screened (program managers and auditors, any decision)."""
    decision, application = decision_for_reader_or_404(request.user, pk)
    again = decision_reexplain(decision)
    screenings = []
    if application is not None:
        screenings = list(
            EligibilityDecision.objects.filter(
                subject_type=APPLICATION_SUBJECT, subject_id=str(application.pk)
            )
            .select_related("program_version")
            .defer("facts", "result")
            .order_by("pk")
        )
    breadcrumbs = []
    if user_roles(request.user) & set(REVIEW_ROLES):
        breadcrumbs.append((_("Review queue"), reverse("review:queue")))
    if application is not None:
        breadcrumbs.append(
            (str(application), reverse("review:detail", args=[application.pk]))
        )
    breadcrumbs.append((_("Decision %(id)s") % {"id": decision.pk}, None))
    return render(
        request,
        "vouchers/review/decision.html",
        {
            "decision": decision,
            "application": application,
            "again": again,
            "rows": side_by_side(decision.result, again.again_json),
            "screenings": screenings,
            "breadcrumbs": breadcrumbs,
        },
    )
