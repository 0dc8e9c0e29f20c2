"""The applicant's side of the workflow: a draft and its steps (contract,
documents, autosave), submission with screening, and withdrawal. The
reviewers' decisions are in vouchers/review/services.py.

States (Application.Status; the allowed moves: models.APPLICATION_STATES):

    draft ──submit (applicant)──▶ submitted ──screening──▶ in_review (stage 0)
                                             └─a rule fails─▶ rejected
    in_review (stage k) ──approve (reviewer of stage k)──▶ in_review (k + 1)
    in_review (last stage) ──approve──▶ approved (voucher issued)
    in_review ──return (reviewer)──▶ returned ──resubmit (applicant)──▶ submitted …
    in_review ──reject (reviewer)──▶ rejected
    submitted / in_review / returned ──withdraw (applicant)──▶ withdrawn

Every service runs in one transaction and records its audit event in it;
notifications leave on commit. Autosaving a draft's raw input is the one
write without an event: it changes no state, only the scratch copy of what
the applicant is typing (``application_save_draft``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config.db import violates
from config.exceptions import ApplicationError
from config.money import ZERO, is_fen_amount, yuan
from enterprises.models import Enterprise, Membership, Offering, Provider
from enterprises.services import document_store

from .. import error_codes
from ..eligibility.engine import Decision, evaluate
from ..eligibility.records import APPLICATION_SUBJECT, decision_record
from ..lock_objects import application_lock, program_lock
from ..models import (
    APPLICATION_STATES,
    EDITABLE_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationRevision,
    EligibilityDecision,
    LineItem,
    Program,
    ProgramVersion,
)
from ..programs.selectors import (
    program_accepts_submissions,
    program_context,
    program_version_at,
)
from .notifications import notify_applicant
from .selectors import ATTACHABLE_KINDS, application_facts, missing_parts

S = Application.Status
CONTRACT_NUMBER_MAX = 100
DESCRIPTION_MAX = 200
TERM_MONTHS_MAX = 120
# The unique index that keeps a provider's contract in one live application.
ONE_CONTRACT_ONE_CLAIM = "application_one_contract_one_claim"
CONTRACT_COLUMNS = ("provider_id", "contract_number")


def _member_or_refuse(user: User, enterprise: Enterprise) -> None:
    if not Membership.objects.filter(
        user=user, enterprise=enterprise, role=Role.APPLICANT
    ).exists():
        raise ApplicationError(
            _("You are not a member of this enterprise."),
            code=error_codes.NOT_A_MEMBER,
        )


def _editable_or_refuse(application: Application) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("Only drafts and returned applications can be changed."),
            code=error_codes.LOCKED,
        )


def _editing(application: Application, user: User) -> Application:
    """The application, locked, once the user may change it now."""
    application = application_lock(application.pk)
    _member_or_refuse(user, application.enterprise)
    _editable_or_refuse(application)
    return application


# -- drafts ------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *, enterprise: Enterprise, program: Program, user: User
) -> Application:
    """Start a draft. The program must take submissions now (open, inside
    its window, with budget left)."""
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


@dataclass(frozen=True)
class LineInput:
    category: str
    description: str
    amount: Decimal


def contract_problems(
    *,
    program: Program,
    provider: Provider | None,
    offering: Offering | None,
    contract_number: str,
    signed_on: date | None,
    term_months: int | None,
    year_contract_total: Decimal | None,
    lines: Sequence[LineInput],
    today: date | None = None,
) -> list[tuple[str, str]]:
    """Every reason the contract step cannot be saved, as (field, message),
    messages translated; the line items' reasons under the field "lines".
    The service refuses on the first; the form shows them all at once."""
    today = today or timezone.localdate()
    problems: list[tuple[str, str]] = []
    if provider is None or provider.status != Provider.Status.APPROVED:
        problems.append(("provider", _("Choose a provider from the approved list.")))
    if (
        offering is not None
        and provider is not None
        and offering.provider_id != provider.pk
    ):
        problems.append(("offering", _("Choose one of this provider's offerings.")))
    if offering is None and program.kind == Program.Kind.MODEL:
        problems.append(
            (
                "offering",
                _(
                    "Model vouchers pay for a filed model service: choose the one "
                    "the contract buys."
                ),
            )
        )
    number = contract_number.strip()
    if not number or len(number) > CONTRACT_NUMBER_MAX:
        problems.append(
            (
                "contract_number",
                _("Give the contract number as printed on the contract."),
            )
        )
    if signed_on is None:
        problems.append(("signed_on", _("Give the signing date.")))
    elif signed_on > today:
        problems.append(("signed_on", _("The signing date cannot be in the future.")))
    if (
        isinstance(term_months, bool)
        or not isinstance(term_months, int)
        or not 1 <= term_months <= TERM_MONTHS_MAX
    ):
        problems.append(
            (
                "term_months",
                _("Give the term in whole months, from 1 to %(max)d.")
                % {"max": TERM_MONTHS_MAX},
            )
        )
    if not lines:
        problems.append(("lines", _("Add at least one line item.")))
    for line in lines:
        if not is_fen_amount(line.amount):
            problems.append(
                ("lines", _("Each line needs an amount above zero, in yuan and fen."))
            )
            break
        if line.category not in LineItem.Category.values:
            problems.append(("lines", _("Choose a category for each line.")))
            break
        description = line.description.strip()
        if not description or len(description) > DESCRIPTION_MAX:
            problems.append(("lines", _("Describe what each line buys.")))
            break
    if year_contract_total is not None:
        amount = sum((line.amount for line in lines), ZERO)
        if not is_fen_amount(year_contract_total):
            problems.append(
                (
                    "year_contract_total",
                    _("Give the yearly total in yuan and fen, above zero."),
                )
            )
        elif lines and year_contract_total < amount:
            problems.append(
                (
                    "year_contract_total",
                    _(
                        "The yearly total includes this contract: it cannot be less "
                        "than %(amount)s yuan."
                    )
                    % {"amount": yuan(amount)},
                )
            )
    return problems


@transaction.atomic
def application_save_contract(
    *,
    application: Application,
    user: User,
    provider: Provider,
    offering: Offering | None,
    contract_number: str,
    signed_on: date,
    term_months: int,
    year_contract_total: Decimal | None,
    lines: list[LineInput],
) -> Application:
    """The contract step: provider (approved only), contract facts and line
    items (``contract_problems``). The draft keeps what was saved;
    submitting checks completeness."""
    application = _editing(application, user)
    problems = contract_problems(
        program=application.program,
        provider=provider,
        offering=offering,
        contract_number=contract_number,
        signed_on=signed_on,
        term_months=term_months,
        year_contract_total=year_contract_total,
        lines=lines,
    )
    if problems:
        field, message = problems[0]
        code = (
            error_codes.PROVIDER_NOT_APPROVED
            if field == "provider"
            else error_codes.INVALID
        )
        raise ApplicationError(message, field=field, code=code)
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
    """The contract amount and the eligible amount (without the line-item
    categories the program's version in force excludes)."""
    params = program_version_at(application.program).parsed()
    excluded = set(params.excluded_categories)
    items = list(application.line_items.all())
    application.contract_amount = sum((i.amount for i in items), ZERO)
    application.eligible_amount = sum(
        (i.amount for i in items if i.category not in excluded), ZERO
    )


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _contract_snapshot(application: Application) -> dict[str, Any]:
    return {
        "provider": application.provider_id,
        "offering": application.offering_id,
        "contract_number": application.contract_number,
        "signed_on": _text(application.contract_signed_on),
        "term_months": application.contract_term_months,
        "year_contract_total": _text(application.year_contract_total),
        "lines": [
            {
                "category": i.category,
                "description": i.description,
                "amount": str(i.amount),
            }
            for i in application.line_items.all()
        ],
        "contract_amount": _text(application.contract_amount),
        "eligible_amount": _text(application.eligible_amount),
    }


@transaction.atomic
def application_attach(
    *, application: Application, user: User, kind: str, upload: UploadedFile
) -> ApplicationDocument:
    """Upload a document for the application (checked by content; replaces
    the earlier file of the same kind in this draft)."""
    application = _editing(application, user)
    if kind not in ATTACHABLE_KINDS:
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
    *, application: Application, user: User, step: str, data: dict[str, Any]
) -> Application:
    """Autosave: keep the raw inputs of a step (valid or not) so leaving and
    coming back loses nothing. Validated values are saved by the step's own
    service, with its audit event; this scratch copy has none."""
    application = _editing(application, user)
    draft = dict(application.draft or {})
    draft[step] = {k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken",)}
    application.draft = draft
    application.save(update_fields=["draft", "updated_at"])
    return application


# -- submit, withdraw ----------------------------------------------------------------


def set_stage(application: Application, stage: int) -> None:
    """Put the application at ``stage`` of its version's review stages,
    with the stage's level and whether it is the last (kept on the row, so
    the review queues are plain queries)."""
    stages = application.submitted_version.parsed().review_stages
    application.stage = stage
    application.stage_level = stages[stage]
    application.final_stage = stage == len(stages) - 1


def _next_number(program: Program) -> str:
    # Counted under the program's lock (application_submit), so two
    # submissions never count the same.
    count = Application.objects.filter(program=program, number__isnull=False).count()
    return f"{program.code}-{count + 1:06d}"


def _refuse_if_incomplete(application: Application) -> None:
    missing = missing_parts(application)
    if missing:
        raise ApplicationError(
            _("The application is not complete yet. Missing: %(parts)s.")
            % {"parts": "; ".join(missing)},
            code=error_codes.INCOMPLETE,
        )


def _screen(
    application: Application,
) -> tuple[ProgramVersion, Decision, EligibilityDecision]:
    """Run the rules of the version in force over the application's facts
    and store the decision."""
    version = program_version_at(application.program)
    ctx = program_context(application.program, version=version)
    facts = application_facts(application)
    decision = evaluate(ctx, facts)
    record = decision_record(
        ctx=ctx,
        version=version,
        facts=facts,
        decision=decision,
        subject_type=APPLICATION_SUBJECT,
        subject_id=str(application.pk),
    )
    return version, decision, record


def _invalidate_approvals(application: Application) -> None:
    """Approvals of the earlier revision count no more: the stages start again."""
    application.reviews.filter(invalidated_at__isnull=True).update(
        invalidated_at=timezone.now()
    )


def _keep_revision(application: Application, user: User) -> ApplicationRevision:
    """What was submitted this time, kept as it was."""
    return ApplicationRevision.objects.create(
        application=application,
        number=application.revision,
        snapshot=_contract_snapshot(application)
        | {"documents": list(application.documents.values("kind", "document_id"))},
        submitted_by=user,
    )


@transaction.atomic
def application_submit(*, application: Application, user: User) -> Application:
    """Submit (or resubmit a corrected) application: it is numbered, screened
    by the rules of the version in force (the decision is stored), earlier
    approvals are invalidated on a resubmission, the submission is kept as a
    revision, and the application goes to its first review stage, or is
    rejected with the reasons of the rules that failed outright."""
    application = application_lock(application.pk)
    _member_or_refuse(user, application.enterprise)
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("This application has already been submitted."),
            code=error_codes.TRANSITION,
        )
    # The program as it is now, locked: a closing that committed while this
    # waited for the lock is seen (numbers are counted under it, too).
    application.program = program_lock(application.program_id)
    program_accepts_submissions(application.program)
    _refuse_if_incomplete(application)
    resubmission = application.status == S.RETURNED
    APPLICATION_STATES.move(application, S.SUBMITTED)
    if application.number is None:
        application.number = _next_number(application.program)
    application.revision += 1
    application.submitted_at = timezone.now()
    _set_amounts(application)
    version, decision, record = _screen(application)
    application.program_version = version
    application.screening = record
    application.needs_review = decision.needs_review
    application.requested_subsidy = decision.subsidy
    set_stage(application, 0)
    application.draft = {}
    if resubmission:
        _invalidate_approvals(application)
    _keep_revision(application, user)
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
        APPLICATION_STATES.move(application, S.REJECTED)
        application.decided_at = timezone.now()
        reasons = [
            {
                "code": r.code,
                "zh": r.shown_reason("zh-hans"),
                "en": r.shown_reason("en"),
            }
            for r in failed
        ]
    else:
        APPLICATION_STATES.move(application, S.IN_REVIEW)
        reasons = []
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        # Two submissions of one contract screened at the same time: the
        # unique index stops the second. Any other error is a bug.
        if not violates(exc, ONE_CONTRACT_ONE_CLAIM, columns=CONTRACT_COLUMNS):
            raise
        raise ApplicationError(
            _("This provider's contract %(number)s is already in another application.")
            % {"number": application.contract_number},
            field="contract_number",
            code=error_codes.DUPLICATE_CONTRACT,
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
def application_withdraw(*, application: Application, user: User) -> Application:
    """The applicant withdraws a submitted, in-review or returned application."""
    application = application_lock(application.pk)
    _member_or_refuse(user, application.enterprise)
    before = APPLICATION_STATES.move(application, S.WITHDRAWN)
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
