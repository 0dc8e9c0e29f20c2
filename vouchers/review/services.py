"""The reviewers' decisions, one service per decision: approve (the last
stage's approval issues the voucher), return for correction, reject, and
approving several at once. Each runs in one transaction with its review
record, its audit event and the applicant's notification (sent on commit).

Every decision first takes the same steps (``_deciding``): lock the
application, check it waits for a review, that the reviewer may decide its
stage (scope.may_decide) and the separation of duties.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError

from .. import error_codes
from ..applications.notifications import notify_applicant
from ..applications.services import set_stage
from ..issuance.services import voucher_issue
from ..lock_objects import application_lock
from ..models import APPLICATION_STATES, Application, RejectionReason, Review
from ..notice.services import notice_open
from ..programs.selectors import program_version_at
from .scope import may_decide, separation_of_duties

S = Application.Status
D = Review.Decision


def _deciding(application: Application, reviewer: User) -> Application:
    """The application, locked, once the reviewer may decide it now."""
    application = application_lock(application.pk)
    if application.status != S.IN_REVIEW:
        raise ApplicationError(
            _("This application is not waiting for a review."),
            code=error_codes.TRANSITION,
        )
    if not may_decide(reviewer, application):
        raise ApplicationError(
            _("This application is not in your queue (region, level or stage)."),
            code=error_codes.OUT_OF_SCOPE,
        )
    separation_of_duties(reviewer, application)
    return application


def _review_record(
    application: Application,
    reviewer: User,
    decision: str,
    *,
    reasons: list[str] | None = None,
    note: str = "",
) -> Review:
    return Review.objects.create(
        application=application,
        revision=application.revision,
        stage=application.stage,
        level=application.stage_level,
        reviewer=reviewer,
        decision=decision,
        reasons=reasons or [],
        note=note,
    )


def _before(application: Application) -> dict:
    return {"status": application.status, "stage": application.stage}


def reasons_problem(reasons: Iterable[str]) -> str | None:
    """Why these rejection reasons cannot be used (translated), or None: at
    least one, each from the active list."""
    reasons = [r for r in reasons if r]
    known = set(
        RejectionReason.objects.filter(is_active=True).values_list("code", flat=True)
    )
    if not reasons or not set(reasons) <= known:
        return _("Choose at least one reason from the list.")
    return None


def note_problem(note: str) -> str | None:
    """Why a return's note cannot be used (translated), or None: the
    applicant must be told what to correct."""
    if not note.strip():
        return _("List what the applicant must correct.")
    return None


@transaction.atomic
def application_approve(
    *,
    application: Application,
    reviewer: User,
    expected_amount: Decimal | None = None,
) -> Application:
    """Approve at the current stage: the application goes on to the next
    stage, or, at the last one, is approved and its voucher issued
    (issuance.services.voucher_issue; ``expected_amount`` confirms a reduced
    amount) — or, when the program has a public notice, goes into it with
    the amount reserved (notice.services.notice_open)."""
    application = _deciding(application, reviewer)
    before = _before(application)
    level = application.stage_level
    _review_record(application, reviewer, D.APPROVE)
    if not application.final_stage:
        set_stage(application, application.stage + 1)
        APPLICATION_STATES.move(application, S.IN_REVIEW)
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
    elif (
        notice_days := program_version_at(application.program)
        .parsed()
        .public_notice_days
    ):
        # A program with a public notice (the version in force decides):
        # the amount is reserved and the voucher waits for the notice's end.
        notice_open(
            application=application,
            approver=reviewer,
            days=notice_days,
            expected_amount=expected_amount,
        )
    else:
        voucher = voucher_issue(
            application=application, approver=reviewer, expected_amount=expected_amount
        )
        APPLICATION_STATES.move(application, S.APPROVED)
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
    notify_applicant(application)
    return application


@transaction.atomic
def application_return(
    *,
    application: Application,
    reviewer: User,
    note: str,
    reasons: list[str] | None = None,
) -> Application:
    """Return for correction: ``note`` says what to correct (required);
    ``reasons`` from the list may add to it. The applicant corrects and
    resubmits, and the stages start again."""
    application = _deciding(application, reviewer)
    note = note.strip()
    reasons = [r for r in (reasons or []) if r]
    problem = note_problem(note)
    if problem:
        raise ApplicationError(problem, field="note")
    before = _before(application)
    _review_record(application, reviewer, D.RETURN, reasons=reasons, note=note)
    APPLICATION_STATES.move(application, S.RETURNED)
    application.save(update_fields=["status", "updated_at"])
    audit_event_record(
        action=actions.APPLICATION_RETURNED,
        actor=reviewer,
        target=application,
        before=before,
        after={"status": S.RETURNED, "to_correct": note, "reasons": reasons},
    )
    notify_applicant(application, reasons=reasons, note=note)
    return application


@transaction.atomic
def application_reject(
    *,
    application: Application,
    reviewer: User,
    reasons: list[str],
    note: str = "",
) -> Application:
    """Reject with at least one reason from the configured list (and an
    optional note)."""
    application = _deciding(application, reviewer)
    note = note.strip()
    reasons = [r for r in reasons if r]
    problem = reasons_problem(reasons)
    if problem:
        raise ApplicationError(problem, field="reasons")
    before = _before(application)
    _review_record(application, reviewer, D.REJECT, reasons=reasons, note=note)
    APPLICATION_STATES.move(application, S.REJECTED)
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


def application_approve_batch(
    *,
    applications: Iterable[Application],
    reviewer: User,
    expected_amounts: dict[int, Decimal] | None = None,
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Approve several applications, each in its own transaction, so one
    refusal (a budget, a cap) does not undo the others. Returns the approved
    ones and the refused ones with the reason. ``expected_amounts`` are the
    vouchers the approver confirmed, by application (application_approve)."""
    done, refused = [], []
    expected_amounts = expected_amounts or {}
    for application in applications:
        try:
            done.append(
                application_approve(
                    application=application,
                    reviewer=reviewer,
                    expected_amount=expected_amounts.get(application.pk),
                )
            )
        except ApplicationError as exc:
            refused.append((application, exc.message))
    return done, refused
