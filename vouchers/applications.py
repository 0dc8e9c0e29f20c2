"""The application workflow: drafts, submission and screening, multi-level
review, and the final approval that issues the voucher from the budget.

States (Application.Status) and who moves them:

    draft ──submit (applicant)──▶ submitted ──screening──▶ in_review (stage 0)
                                             └─a rule fails─▶ rejected
    in_review (stage k) ──approve (reviewer of stage k)──▶ in_review (k + 1)
    in_review (last stage) ──approve──▶ approved (voucher issued)
    in_review ──return (reviewer)──▶ returned ──resubmit (applicant)──▶ submitted …
    in_review ──reject (reviewer)──▶ rejected
    submitted / in_review / returned ──withdraw (applicant)──▶ withdrawn

Every function runs in one transaction and records its audit event in it;
notifications leave on commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from enterprises.models import Document, Enterprise, Membership, Offering, Provider
from enterprises.pii import hash_id_number, normalize_phone
from enterprises.services import document_store

from . import codes, ledger
from .eligibility.engine import Decision, evaluate
from .eligibility.facts import (
    ContractFacts,
    Facts,
    HistoryFacts,
    PartyFacts,
    ProviderFacts,
)
from .eligibility.gather import enterprise_facts
from .eligibility.records import decision_record
from .models import (
    LIVE_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationRevision,
    LineItem,
    Program,
    RejectionReason,
    Review,
    Voucher,
)
from .notifications import notify_applicant
from .selectors import program_context, program_version_at

S = Application.Status
FEN = Decimal("0.01")
ZERO = Decimal("0.00")

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.REJECTED, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset(
        {S.IN_REVIEW, S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN}
    ),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
# Documents every application needs, and the one the reimbursement mode adds.
REQUIRED_DOCUMENTS = (
    Document.Kind.CONTRACT,
    Document.Kind.QUOTE,
    Document.Kind.COMMITMENT,
)
REIMBURSE_DOCUMENTS = (Document.Kind.PAYMENT_PROOF,)


def _move(application: Application, to_status: str) -> str:
    before = application.status
    if to_status not in TRANSITIONS[before]:
        raise ApplicationError(
            _("An application that is %(from)s cannot become %(to)s.")
            % {"from": S(before).label, "to": S(to_status).label},
            code="transition",
        )
    application.status = to_status
    return before


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program__region", "enterprise", "provider", "offering")
        .get(pk=application.pk)
    )


def _member_or_refuse(user, enterprise: Enterprise) -> None:
    if not Membership.objects.filter(
        user=user, enterprise=enterprise, role=Role.APPLICANT
    ).exists():
        raise ApplicationError(
            _("You are not a member of this enterprise."), code="member"
        )


# -- applicant: drafts --------------------------------------------------------


@transaction.atomic
def application_create(
    *, enterprise: Enterprise, program: Program, user
) -> Application:
    """Start a draft. The program must be open and have budget left."""
    _member_or_refuse(user, enterprise)
    program_accepts_submissions(program)
    application = Application.objects.create(
        program=program, enterprise=enterprise, created_by=user
    )
    audit_event_record(
        action=actions.APPLICATION_CREATED,
        actor=user,
        target=application,
        after={"program": program.code, "enterprise": enterprise.pk},
    )
    return application


def program_accepts_submissions(program: Program) -> None:
    if program.status != Program.Status.OPEN:
        raise ApplicationError(
            _("The program %(code)s is not open for applications.")
            % {"code": program.code},
            field="program",
            code="closed",
        )
    version = program_version_at(program)
    params = version.parsed()
    today = timezone.localdate()
    if not params.opens_on <= today <= params.closes_on:
        raise ApplicationError(
            _("The program takes applications from %(opens)s to %(closes)s.")
            % {"opens": params.opens_on, "closes": params.closes_on},
            field="program",
            code="window",
        )
    if ledger.budget_remaining(program) <= 0:
        raise ApplicationError(
            _("The program's budget is used up: it takes no new applications."),
            field="program",
            code="budget_exhausted",
        )


@dataclass(frozen=True)
class LineInput:
    category: str
    description: str
    amount: Decimal


@transaction.atomic
def application_save_contract(
    *,
    application: Application,
    user,
    provider: Provider,
    offering: Offering | None,
    contract_number: str,
    signed_on: date,
    term_months: int,
    year_contract_total: Decimal | None,
    lines: list[LineInput],
) -> Application:
    """The contract step: provider (approved only), contract facts and line
    items. The draft keeps what was saved; submitting checks completeness."""
    application = _locked(application)
    _member_or_refuse(user, application.enterprise)
    if application.status not in EDITABLE:
        raise ApplicationError(
            _("Only drafts and returned applications can be changed."), code="locked"
        )
    if provider.status != Provider.Status.APPROVED:
        raise ApplicationError(
            _("Choose a provider from the approved list."),
            field="provider",
            code="provider",
        )
    if offering is not None and offering.provider_id != provider.pk:
        raise ApplicationError(
            _("Choose one of this provider's offerings."), field="offering"
        )
    if not lines:
        raise ApplicationError(_("Add at least one line item."), field="lines")
    for line in lines:
        if line.amount <= 0 or line.amount != line.amount.quantize(FEN):
            raise ApplicationError(
                _("Each line needs an amount above zero, in yuan and fen."),
                field="lines",
            )
        if line.category not in LineItem.Category.values:
            raise ApplicationError(_("Choose a category for each line."), field="lines")
    before = _contract_snapshot(application)
    application.provider = provider
    application.offering = offering
    application.contract_number = contract_number.strip()
    application.contract_signed_on = signed_on
    application.contract_term_months = term_months
    application.year_contract_total = year_contract_total
    application.line_items.all().delete()
    LineItem.objects.bulk_create(
        [
            LineItem(
                application=application,
                category=x.category,
                description=x.description.strip(),
                amount=x.amount,
            )
            for x in lines
        ]
    )
    _set_amounts(application)
    application.save()
    audit_event_record(
        action=actions.APPLICATION_UPDATED,
        actor=user,
        target=application,
        before=before,
        after=_contract_snapshot(application),
    )
    return application


def _set_amounts(application: Application) -> None:
    params = program_version_at(application.program).parsed()
    excluded = set(params.excluded_categories)
    items = list(application.line_items.all())
    application.contract_amount = sum((i.amount for i in items), ZERO)
    application.eligible_amount = sum(
        (i.amount for i in items if i.category not in excluded), ZERO
    )


def _contract_snapshot(application: Application) -> dict[str, Any]:
    return {
        "provider": application.provider_id,
        "offering": application.offering_id,
        "contract_number": application.contract_number,
        "signed_on": str(application.contract_signed_on)
        if application.contract_signed_on
        else None,
        "term_months": application.contract_term_months,
        "year_contract_total": str(application.year_contract_total)
        if application.year_contract_total is not None
        else None,
        "lines": [
            {
                "category": i.category,
                "description": i.description,
                "amount": str(i.amount),
            }
            for i in application.line_items.all()
        ],
        "contract_amount": str(application.contract_amount)
        if application.contract_amount is not None
        else None,
        "eligible_amount": str(application.eligible_amount)
        if application.eligible_amount is not None
        else None,
    }


@transaction.atomic
def application_attach(
    *, application: Application, user, kind: str, upload
) -> ApplicationDocument:
    """Upload a document for the application (checked by content; replaces
    the earlier file of the same kind in this draft)."""
    application = _locked(application)
    _member_or_refuse(user, application.enterprise)
    if application.status not in EDITABLE:
        raise ApplicationError(
            _("Only drafts and returned applications can be changed."), code="locked"
        )
    if kind not in (*REQUIRED_DOCUMENTS, *REIMBURSE_DOCUMENTS):
        raise ApplicationError(_("Unknown kind of document."), field="kind")
    document = document_store(
        upload=upload, kind=kind, uploaded_by=user, enterprise=application.enterprise
    )
    application.documents.filter(kind=kind).delete()
    attached = ApplicationDocument.objects.create(
        application=application, document=document, kind=kind
    )
    audit_event_record(
        action=actions.APPLICATION_UPDATED,
        actor=user,
        target=application,
        after={"document": document.pk, "kind": kind},
    )
    return attached


@transaction.atomic
def application_save_draft(
    *, application: Application, user, step: str, data: dict
) -> Application:
    """Autosave: keep the raw inputs of a step (valid or not) so leaving and
    coming back loses nothing. Validated values are saved by the step's own
    service."""
    application = _locked(application)
    _member_or_refuse(user, application.enterprise)
    if application.status not in EDITABLE:
        raise ApplicationError(
            _("Only drafts and returned applications can be changed."), code="locked"
        )
    draft = dict(application.draft or {})
    draft[step] = {k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken",)}
    application.draft = draft
    application.save(update_fields=["draft", "updated_at"])
    return application


def required_documents(application: Application) -> tuple[str, ...]:
    params = program_version_at(application.program).parsed()
    extra = (
        REIMBURSE_DOCUMENTS
        if params.disbursement_mode == "reimburse_after_payment"
        else ()
    )
    return (*REQUIRED_DOCUMENTS, *extra)


def missing_parts(application: Application) -> list[str]:
    """What still keeps the application from being submitted (translated)."""
    missing = []
    if application.provider_id is None or not application.contract_number:
        missing.append(
            _("the contract: provider, contract number, signing date and term")
        )
    elif not application.line_items.exists():
        missing.append(_("the contract's line items"))
    have = set(application.documents.values_list("kind", flat=True))
    labels = dict(Document.Kind.choices)
    for kind in required_documents(application):
        if kind not in have:
            missing.append(str(labels[kind]))
    return missing


# -- facts and the live estimate ---------------------------------------------


def application_facts(application: Application, *, today: date | None = None) -> Facts:
    enterprise = enterprise_facts(application.enterprise)
    contract = None
    if application.contract_signed_on and application.eligible_amount is not None:
        contract = ContractFacts(
            signed_on=application.contract_signed_on,
            term_months=application.contract_term_months or 0,
            amount=application.contract_amount or ZERO,
            eligible_amount=application.eligible_amount,
            year_contract_total=application.year_contract_total
            or application.contract_amount
            or ZERO,
            facility=application.provider.facility if application.provider else "",
            contract_number=application.contract_number,
        )
    provider = None
    if application.provider is not None:
        p = application.provider
        offering = application.offering
        provider = ProviderFacts(
            credit_code=p.uscc,
            status=p.status,
            offers_compute=p.offers_compute,
            offers_model=p.offers_model,
            facility=p.facility,
            offering_kind=offering.kind if offering else "",
            offering_filing_number=offering.filing_number if offering else "",
            party=PartyFacts(
                legal_representative=p.legal_representative,
                phone=normalize_phone(p.contact_phone),
                address=p.registered_address,
            ),
            credit_code_key=hash_id_number(p.uscc),
        )
    return Facts(
        enterprise=enterprise,
        decided_on=today or timezone.localdate(),
        contract=contract,
        provider=provider,
        history=application_history(application),
    )


def application_history(application: Application) -> HistoryFacts:
    other_claims = 0
    if application.provider_id and application.contract_number:
        other_claims = (
            Application.objects.filter(
                provider_id=application.provider_id,
                contract_number=application.contract_number,
                status__in=LIVE_STATUSES,
            )
            .exclude(pk=application.pk)
            .count()
        )
    return HistoryFacts(
        other_claims_of_contract=other_claims,
        enterprise_year_committed=enterprise_year_committed(
            application.enterprise, application.program, exclude=application
        ),
    )


def enterprise_year_committed(
    enterprise, program, *, exclude=None, year: int | None = None
) -> Decimal:
    """The enterprise's approved (issued) and pending subsidy in the program
    this calendar year."""
    year = year or timezone.localdate().year
    issued = Voucher.objects.filter(
        enterprise=enterprise, program=program, issued_at__year=year
    ).aggregate(s=Coalesce(Sum("face_value"), ZERO))["s"]
    pending = Application.objects.filter(
        enterprise=enterprise,
        program=program,
        status__in=(S.SUBMITTED, S.IN_REVIEW, S.RETURNED),
        submitted_at__year=year,
    )
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    pending_sum = pending.aggregate(s=Coalesce(Sum("requested_subsidy"), ZERO))["s"]
    return Decimal(issued) + Decimal(pending_sum)


def application_estimate(application: Application) -> Decision:
    """The live eligibility result and estimated subsidy (nothing stored)."""
    return evaluate(
        program_context(application.program), application_facts(application)
    )


# -- applicant: submit, withdraw ------------------------------------------------


def _next_number(program: Program) -> str:
    count = Application.objects.filter(program=program, number__isnull=False).count()
    return f"{program.code}-{count + 1:06d}"


@transaction.atomic
def application_submit(*, application: Application, user) -> Application:
    """Submit (or resubmit a corrected) application: the rules run at once,
    their result is stored with the version, and a rule that fails outright
    rejects the application with its reasons."""
    application = _locked(application)
    _member_or_refuse(user, application.enterprise)
    if application.status not in EDITABLE:
        raise ApplicationError(
            _("This application has already been submitted."), code="transition"
        )
    Program.objects.select_for_update().get(pk=application.program_id)
    program_accepts_submissions(application.program)
    missing = missing_parts(application)
    if missing:
        raise ApplicationError(
            _("The application is not complete yet. Missing: %(parts)s.")
            % {"parts": "; ".join(missing)},
            code="incomplete",
        )
    resubmission = application.status == S.RETURNED
    _move(application, S.SUBMITTED)
    if application.number is None:
        application.number = _next_number(application.program)
    application.revision += 1
    application.submitted_at = timezone.now()
    _set_amounts(application)
    version = program_version_at(application.program)
    ctx = program_context(application.program, version=version)
    facts = application_facts(application)
    decision = evaluate(ctx, facts)
    record = decision_record(
        ctx=ctx,
        version=version,
        facts=facts,
        decision=decision,
        subject_type="vouchers.application",
        subject_id=str(application.pk),
    )
    application.program_version = version
    application.screening = record
    application.needs_review = decision.needs_review
    application.requested_subsidy = decision.subsidy
    _set_stage(application, 0)
    application.draft = {}
    if resubmission:
        # Approvals of the earlier revision count no more: the stages start again.
        application.reviews.filter(invalidated_at__isnull=True).update(
            invalidated_at=timezone.now()
        )
    ApplicationRevision.objects.create(
        application=application,
        number=application.revision,
        snapshot=_contract_snapshot(application)
        | {"documents": list(application.documents.values("kind", "document_id"))},
        submitted_by=user,
    )
    audit_event_record(
        action=actions.APPLICATION_SUBMITTED,
        actor=user,
        target=application,
        after={
            "number": application.number,
            "revision": application.revision,
            "version": version.number,
        },
    )
    failed = [r for r in decision.rules if r.outcome == "fail"]
    if failed:
        _move(application, S.REJECTED)
        application.decided_at = timezone.now()
        reasons = [
            {"code": r.code, "zh": r.reason_zh, "en": r.reason_en} for r in failed
        ]
    else:
        _move(application, S.IN_REVIEW)
        reasons = []
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("This provider's contract %(number)s is already in another application.")
            % {"number": application.contract_number},
            field="contract_number",
            code="duplicate_contract",
        ) from exc
    audit_event_record(
        action=actions.APPLICATION_SCREENED,
        actor=None,
        target=application,
        after={
            "status": application.status,
            "eligible": decision.eligible,
            "needs_review": decision.needs_review,
            "subsidy": str(decision.subsidy),
            "decision": record.pk,
            "failed": [r.code for r in failed],
        },
    )
    notify_applicant(application, reasons=reasons)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user) -> Application:
    application = _locked(application)
    _member_or_refuse(user, application.enterprise)
    before = _move(application, S.WITHDRAWN)
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    audit_event_record(
        action=actions.APPLICATION_WITHDRAWN,
        actor=user,
        target=application,
        before={"status": before},
        after={"status": S.WITHDRAWN},
    )
    notify_applicant(application)
    return application


# -- reviewers ------------------------------------------------------------------


def _set_stage(application: Application, stage: int) -> None:
    stages = application.program_version.parsed().review_stages
    application.stage = stage
    application.stage_level = stages[stage]
    application.final_stage = stage == len(stages) - 1


def stage_level(application: Application) -> str:
    return application.program_version.parsed().review_stages[application.stage]


def is_final_stage(application: Application) -> bool:
    return (
        application.stage == len(application.program_version.parsed().review_stages) - 1
    )


def may_decide(user, application: Application) -> bool:
    """A reviewer of the stage's level whose region holds the enterprise, or
    a program manager at the final stage."""
    if application.status != S.IN_REVIEW or application.program_version_id is None:
        return False
    level = stage_level(application)
    region = application.enterprise.region_id
    for m in Membership.objects.filter(
        user=user, department__isnull=False
    ).select_related("department__region"):
        if (
            m.role == Role.REVIEWER
            and m.department.region.level == level
            and m.department.region.contains(region)
        ):
            return True
        if m.role == Role.PROGRAM_MANAGER and is_final_stage(application):
            return True
    return False


def _separation_of_duties(user, application: Application) -> None:
    own = Membership.objects.filter(user=user).filter(
        Q(enterprise_id=application.enterprise_id)
        | Q(provider_id=application.provider_id, provider__isnull=False)
    )
    if own.exists():
        raise ApplicationError(
            _(
                "You belong to the applicant or its provider: someone else must review this."
            ),
            code="own_organisation",
        )
    if (
        application.reviews.filter(reviewer=user, invalidated_at__isnull=True)
        .exclude(stage=application.stage)
        .exists()
    ):
        raise ApplicationError(
            _(
                "You decided another stage of this application: someone else must decide this one."
            ),
            code="two_stages",
        )


@dataclass(frozen=True)
class Availability:
    requested: Decimal
    cap_remaining: Decimal
    budget_remaining: Decimal

    @property
    def amount(self) -> Decimal:
        return max(
            min(self.requested, self.cap_remaining, self.budget_remaining), ZERO
        ).quantize(FEN, rounding=ROUND_HALF_UP)

    @property
    def reduced(self) -> bool:
        return self.amount < self.requested


def availability(application: Application) -> Availability:
    """What a final approval could issue now (shown to the approver before
    deciding; re-checked under locks when approving)."""
    params = application.program_version.parsed()
    issued = Voucher.objects.filter(
        enterprise=application.enterprise,
        program=application.program,
        issued_at__year=timezone.localdate().year,
    ).aggregate(s=Coalesce(Sum("face_value"), ZERO))["s"]
    return Availability(
        requested=application.requested_subsidy or ZERO,
        cap_remaining=max(params.cap_per_enterprise_year - Decimal(issued), ZERO),
        budget_remaining=ledger.budget_remaining(application.program),
    )


@transaction.atomic
def application_decide(
    *,
    application: Application,
    reviewer,
    decision: str,
    reasons: list[str] | None = None,
    note: str = "",
    expected_amount: Decimal | None = None,
) -> Application:
    """Approve, return for correction, or reject at the current stage. The
    final stage's approval issues the voucher (see ``_issue_voucher``)."""
    application = _locked(application)
    if application.status != S.IN_REVIEW:
        raise ApplicationError(
            _("This application is not waiting for a review."), code="transition"
        )
    if not may_decide(reviewer, application):
        raise ApplicationError(
            _("This application is not in your queue (region, level or stage)."),
            code="scope",
        )
    _separation_of_duties(reviewer, application)
    reasons = [r for r in (reasons or []) if r]
    note = note.strip()
    if decision == Review.Decision.RETURN and not (reasons or note):
        raise ApplicationError(_("List what the applicant must correct."), field="note")
    if decision == Review.Decision.REJECT:
        known = set(
            RejectionReason.objects.filter(is_active=True).values_list(
                "code", flat=True
            )
        )
        if not reasons or not set(reasons) <= known:
            raise ApplicationError(
                _("Choose at least one reason from the list."), field="reasons"
            )
    if decision not in Review.Decision.values:
        raise ApplicationError(_("Choose approve, return or reject."), field="decision")
    level = stage_level(application)
    Review.objects.create(
        application=application,
        revision=application.revision,
        stage=application.stage,
        level=level,
        reviewer=reviewer,
        decision=decision,
        reasons=reasons,
        note=note,
    )
    before = {"status": application.status, "stage": application.stage}
    if decision == Review.Decision.APPROVE and not is_final_stage(application):
        _set_stage(application, application.stage + 1)
        _move(application, S.IN_REVIEW)
        application.save(
            update_fields=[
                "stage",
                "stage_level",
                "final_stage",
                "status",
                "updated_at",
            ]
        )
        audit_event_record(
            action=actions.APPLICATION_REVIEWED,
            actor=reviewer,
            target=application,
            before=before,
            after={
                "status": application.status,
                "stage": application.stage,
                "level": level,
            },
        )
    elif decision == Review.Decision.APPROVE:
        voucher = _issue_voucher(application, reviewer, expected_amount)
        _move(application, S.APPROVED)
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decided_at", "updated_at"])
        audit_event_record(
            action=actions.APPLICATION_APPROVED,
            actor=reviewer,
            target=application,
            before=before,
            after={
                "status": S.APPROVED,
                "voucher": voucher.code,
                "face_value": str(voucher.face_value),
            },
        )
    elif decision == Review.Decision.RETURN:
        _move(application, S.RETURNED)
        application.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action=actions.APPLICATION_RETURNED,
            actor=reviewer,
            target=application,
            before=before,
            after={"status": S.RETURNED, "to_correct": note, "reasons": reasons},
        )
    else:
        _move(application, S.REJECTED)
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decided_at", "updated_at"])
        audit_event_record(
            action=actions.APPLICATION_REJECTED,
            actor=reviewer,
            target=application,
            before=before,
            after={"status": S.REJECTED, "reasons": reasons, "note": note},
        )
    notify_applicant(application, reasons=reasons, note=note)
    return application


def _issue_voucher(
    application: Application, reviewer, expected_amount: Decimal | None
) -> Voucher:
    """In the approval's transaction: re-check cap and budget under locks,
    move the subsidy from the budget into a new voucher, issue it.

    Locks, always in this order: the enterprise (serialises its approvals,
    so the cap holds), then the program, then the program's budget accounts
    by id (so the budget holds). The check constraint on balances is the
    last guard. The program comes before the budget accounts because a new
    version or reopening (``program_fund``) locks them in that order; an
    approval holding the accounts first and then writing the voucher (which
    refers to the program) would deadlock against it. FOR NO KEY UPDATE:
    rows merely referring to the program (new applications) are not held up.
    """
    Enterprise.objects.select_for_update().get(pk=application.enterprise_id)
    Program.objects.select_for_update(no_key=True).get(pk=application.program_id)
    pools = ledger.budget_accounts(application.program, lock=True)
    params = application.program_version.parsed()
    now = timezone.now()
    issued = Voucher.objects.filter(
        enterprise=application.enterprise,
        program=application.program,
        issued_at__year=timezone.localdate(now).year,
    ).aggregate(s=Coalesce(Sum("face_value"), ZERO))["s"]
    available = Availability(
        requested=application.requested_subsidy or ZERO,
        cap_remaining=max(params.cap_per_enterprise_year - Decimal(issued), ZERO),
        budget_remaining=sum((p.balance for p in pools), ZERO),
    )
    amount = available.amount
    if available.budget_remaining <= 0:
        raise ApplicationError(
            _("The program's budget is exhausted: no voucher can be issued."),
            code="budget_exhausted",
        )
    if available.cap_remaining <= 0:
        raise ApplicationError(
            _("The enterprise has reached its yearly cap in this program."),
            code="cap_reached",
        )
    if amount <= 0:
        raise ApplicationError(_("There is no subsidy to issue."), code="nothing")
    if available.reduced and expected_amount != amount:
        raise ApplicationError(
            _(
                "Only %(amount)s yuan can be issued now (the budget or the yearly cap "
                "limits it; the applicant was shown %(requested)s). Confirm the reduced "
                "amount to approve."
            )
            % {"amount": f"{amount:,.2f}", "requested": f"{available.requested:,.2f}"},
            code="amount_changed",
        )
    expires = _add_months(timezone.localdate(now), params.voucher_validity_months)
    for _attempt in range(5):
        code = codes.generate()
        if not Voucher.objects.filter(code=code).exists():
            break
    voucher = Voucher.objects.create(
        code=code,
        application=application,
        enterprise=application.enterprise,
        program=application.program,
        face_value=amount,
        issued_at=now,
        expires_on=expires,
    )
    ledger.voucher_fund(voucher=voucher, amount=amount, pools=pools, actor=reviewer)
    audit_event_record(
        action=actions.VOUCHER_ISSUED,
        actor=reviewer,
        target=voucher,
        after={
            "code": voucher.code,
            "face_value": str(amount),
            "expires_on": str(expires),
            "application": application.number,
            "reduced_from": str(available.requested) if available.reduced else None,
        },
    )
    return voucher


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def application_approve_batch(
    *, applications, reviewer
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Approve several applications; each in its own transaction, so one
    refusal (a budget, a cap) does not undo the others."""
    done, refused = [], []
    for application in applications:
        try:
            done.append(
                application_decide(
                    application=application,
                    reviewer=reviewer,
                    decision=Review.Decision.APPROVE,
                )
            )
        except ApplicationError as exc:
            refused.append((application, exc.message))
    return done, refused
