"""An application's timeline and version history, as its applicant reads
them: every step with when and who, and the reasons of the rules and the
reviewers in the active language.

Built from the workflow's own records (the application, its revisions, the
stored screening decisions, the reviews, the voucher), not from the audit
trail's payloads; only who withdrew an application is the audit event's
actor, since the application keeps no other record of it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.models import AuditEvent
from config.money import yuan
from enterprises.models import Document, Provider

from ..eligibility.explain import stored_reason
from ..eligibility.records import APPLICATION_SUBJECT
from ..eligibility.registry import FAIL, REVIEW
from ..models import (
    Application,
    ApplicationRevision,
    EligibilityDecision,
    Review,
    Voucher,
)
from ..programs.labels import STAGE_LABELS, category_labels
from .selectors import reason_labels

S = Application.Status
# The order of entries made at the same moment.
STARTED, SUBMITTED, SCREENED, DECIDED, ISSUED = range(5)
REVIEW_TITLES = {
    # Lazy: this dict is built at import, the text chosen when shown.
    Review.Decision.APPROVE: gettext_lazy("Approved at the %(stage)s stage"),
    Review.Decision.RETURN: gettext_lazy(
        "Returned for correction at the %(stage)s stage"
    ),
    Review.Decision.REJECT: gettext_lazy("Rejected at the %(stage)s stage"),
}
REVIEW_STATUSES = {
    Review.Decision.APPROVE: S.IN_REVIEW,
    Review.Decision.RETURN: S.RETURNED,
    Review.Decision.REJECT: S.REJECTED,
}


def _who(user: User | None, fallback: str = "") -> str:
    if user is None:
        return fallback or _("The system")
    return user.get_full_name()


def _rule_reasons(result: dict | None, outcomes: set[str]) -> list[str]:
    language = get_language()
    return [
        stored_reason(r, language) or r.get("code", "")
        for r in (result or {}).get("rules", [])
        if r.get("outcome") in outcomes
    ]


def _screenings(application: Application) -> list[EligibilityDecision]:
    """The stored screening of each submission, oldest first."""
    return list(
        EligibilityDecision.objects.filter(
            subject_type=APPLICATION_SUBJECT, subject_id=str(application.pk)
        )
        .defer("facts")
        .order_by("id")
    )


def _withdrawal(application: Application) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(
            object_type=Application._meta.label_lower,
            object_id=str(application.pk),
            action=actions.APPLICATION_WITHDRAWN,
        )
        .select_related("actor")
        .first()
    )


def application_timeline(
    application: Application,
    *,
    reviews: list[Review],
    revisions: list[ApplicationRevision],
    voucher: Voucher | None,
) -> list[dict[str, Any]]:
    """Every step of the application, oldest first: started, each
    submission and its screening, each review, the voucher, a withdrawal."""
    labels = reason_labels([r for review in reviews for r in review.reasons])
    entries: list[tuple[Any, int, dict[str, Any]]] = []

    def add(at, order, **entry):
        entries.append((at, order, {"at": at, "reasons": [], "note": "", **entry}))

    add(
        application.created_at,
        STARTED,
        title=_("Application started"),
        who=_who(application.created_by),
    )
    # Each submission was screened at once, in the same transaction.
    for revision, screening in zip(revisions, _screenings(application), strict=False):
        add(
            revision.submitted_at,
            SUBMITTED,
            title=(
                _("Submitted (version %(n)d)")
                if revision.number == 1
                else _("Corrected and resubmitted (version %(n)d)")
            )
            % {"n": revision.number},
            who=_who(revision.submitted_by),
            status=S.SUBMITTED,
        )
        if not screening.eligible:
            add(
                revision.submitted_at,
                SCREENED,
                title=_("Rejected by the program's rules"),
                who=_("The program's rules"),
                status=S.REJECTED,
                reasons=_rule_reasons(screening.result, {FAIL}),
            )
        else:
            add(
                revision.submitted_at,
                SCREENED,
                title=_("Checked by the program's rules and sent to review"),
                who=_("The program's rules"),
                status=S.IN_REVIEW,
                note=_("Some points need a reviewer's check.")
                if screening.needs_review
                else "",
                reasons=_rule_reasons(screening.result, {REVIEW}),
            )
    for review in reviews:
        add(
            review.decided_at,
            DECIDED,
            title=REVIEW_TITLES[review.decision]
            % {"stage": STAGE_LABELS.get(review.level, review.level)},
            who=_who(review.reviewer),
            status=REVIEW_STATUSES[review.decision],
            reasons=[labels.get(r, r) for r in review.reasons if r],
            note=review.note,
            superseded=review.invalidated_at is not None,
        )
    if voucher is not None:
        add(
            voucher.issued_at,
            ISSUED,
            title=_("Voucher issued"),
            who=_("The program office"),
            status=S.APPROVED,
            note=_("Voucher %(code)s, face value %(value)s yuan.")
            % {"code": voucher.code, "value": yuan(voucher.face_value)},
        )
    if application.status == S.WITHDRAWN:
        event = _withdrawal(application)
        add(
            event.occurred_at if event else application.decided_at,
            STARTED,
            title=_("Withdrawn by the applicant"),
            who=_who(event.actor, event.actor_label) if event else _("The applicant"),
            status=S.WITHDRAWN,
        )
    entries.sort(key=lambda x: (x[0], x[1]))
    return [entry for _at, _order, entry in entries]


def revision_history(revisions: list[ApplicationRevision]) -> list[dict[str, Any]]:
    """What was submitted each time, from the revisions' snapshots, newest
    first."""
    providers = Provider.objects.in_bulk(
        [r.snapshot.get("provider") for r in revisions if r.snapshot.get("provider")]
    )
    categories = category_labels()
    kinds = dict(Document.Kind.choices)
    history = []
    for revision in revisions:
        snap = revision.snapshot or {}
        provider = providers.get(snap.get("provider"))
        history.append(
            {
                "number": revision.number,
                "submitted_at": revision.submitted_at,
                "submitted_by": _who(revision.submitted_by),
                "provider": provider.name if provider else "",
                "contract_number": snap.get("contract_number", ""),
                "signed_on": snap.get("signed_on"),
                "term_months": snap.get("term_months"),
                "contract_amount": snap.get("contract_amount"),
                "eligible_amount": snap.get("eligible_amount"),
                "lines": [
                    {
                        "category": categories.get(
                            x.get("category"), x.get("category")
                        ),
                        "description": x.get("description", ""),
                        "amount": x.get("amount"),
                    }
                    for x in snap.get("lines", [])
                ],
                "documents": [
                    kinds.get(d.get("kind"), d.get("kind"))
                    for d in snap.get("documents", [])
                ],
            }
        )
    return list(reversed(history))
