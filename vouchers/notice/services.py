"""The public notice's state changes. The final approval of a program with
a notice period opens a notice instead of issuing (``notice_open``): the
amount is reserved in the ledger and the application is "in public notice".
Anyone may object while it runs (``objection_submit``); a program manager
upholds an objection (the application is rejected and the reservation goes
back to the budget) or dismisses it. The day after the notice ends, the
voucher of every notice without an open objection is issued from its
reservation (``notices_issue_due``, nightly; ``notice_issue`` for one).

Every change locks the application first (vouchers/lock_objects.py), so an
objection and the issuance never pass each other.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config import batch
from config.exceptions import ApplicationError, text_or_refuse
from config.workdays import missing_years, working_days_from
from enterprises.uploads import check_upload

from .. import error_codes
from ..applications.notifications import notify_applicant
from ..issuance.selectors import draw_pools
from ..issuance.services import issuable, voucher_create
from ..ledger.services import notice_release, notice_reserve
from ..lock_objects import (
    application_lock,
    enterprise_lock,
    notice_accounts_lock,
    program_lock,
)
from ..models import (
    APPLICATION_STATES,
    NOTICE_STATES,
    OBJECTION_STATES,
    Application,
    Notice,
    Objection,
)

logger = logging.getLogger(__name__)
A = Application.Status
N = Notice.Status
OB = Objection.Status
NAME_MAX = 100
CONTACT_MAX = 100
REASON_MAX = 2000
RESOLUTION_MAX = 500


def notice_dates(days: int, *, today: date | None = None) -> tuple[date, date]:
    """A notice opened today is published today and runs for ``days``
    working days, counted from today or, on a day off, from the next working
    day (config/workdays.py)."""
    starts = today or timezone.localdate()
    ends = working_days_from(starts, days)
    if gaps := missing_years(*range(starts.year, ends.year + 1)):
        logger.warning(
            "public notice %s to %s: the holiday calendar lacks %s "
            "(config/data/workdays_cn.yaml); counted without its holidays",
            starts,
            ends,
            gaps,
        )
    return starts, ends


@transaction.atomic
def notice_open(
    *,
    application: Application,
    approver: User,
    days: int,
    expected_amount: Decimal | None = None,
) -> Notice:
    """The final approval of a program with a public notice (called by
    review.services.application_approve, which holds the application's
    lock and records the review): reserve what would be issued now (the
    same checks as issuing: ``issuable``), open the notice and put the
    application in it."""
    amount, available, pools = issuable(
        application=application, expected_amount=expected_amount
    )
    starts, ends = notice_dates(days)
    before = {"status": application.status, "stage": application.stage}
    notice = Notice.objects.create(
        application=application,
        program=application.program,
        amount=amount,
        reduced_from=available.requested if available.reduced else None,
        starts_on=starts,
        ends_on=ends,
        approved_by=approver,
    )
    notice_reserve(notice=notice, pools=pools, actor=approver)
    APPLICATION_STATES.move(application, A.IN_NOTICE)
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    audit_event_record(
        action=actions.NOTICE_STARTED,
        actor=approver,
        target=application,
        before=before,
        after={
            "status": A.IN_NOTICE,
            "reserved": str(amount),
            "reduced_from": str(notice.reduced_from)
            if notice.reduced_from is not None
            else None,
            "starts_on": str(starts),
            "ends_on": str(ends),
        },
    )
    return notice


def notice_is_running(notice: Notice, today: date | None = None) -> bool:
    """Published and not over: the days objections are taken."""
    today = today or timezone.localdate()
    return notice.status == N.IN_NOTICE and notice.starts_on <= today <= notice.ends_on


def _text(value: str, field: str, limit: int, missing: str) -> str:
    return text_or_refuse(value, field=field, limit=limit, missing=missing)


def _locked_notice(notice_id: int) -> tuple[Notice, Application]:
    """The notice and its application, the application locked first."""
    application_id = Notice.objects.values_list("application_id", flat=True).get(
        pk=notice_id
    )
    application = application_lock(application_id)
    return Notice.objects.select_related("program").get(pk=notice_id), application


@transaction.atomic
def objection_submit(
    *,
    notice: Notice,
    name: str,
    contact: str,
    reason: str,
    evidence: UploadedFile | None = None,
    client_ip: str | None = None,
) -> Objection:
    """An objection from anyone (no account) while the notice runs: it
    pauses the voucher until a program manager resolves it. Evidence is
    optional: a PDF, JPEG or PNG, checked by content."""
    name = _text(name, "name", NAME_MAX, _("Say who you are (a name or organisation)."))
    contact = _text(
        contact, "contact", CONTACT_MAX, _("Say how the department can reach you.")
    )
    reason = _text(reason, "reason", REASON_MAX, _("Say what you object to and why."))
    checked = None
    if evidence is not None:
        try:
            checked = check_upload(evidence)
        except ValidationError as exc:
            raise ApplicationError(
                exc.messages[0], field="evidence", code=error_codes.INVALID
            ) from exc
    notice, _application = _locked_notice(notice.pk)
    if not notice_is_running(notice):
        raise ApplicationError(
            _(
                "This application is not in public notice now: objections are "
                "taken only while its notice runs."
            ),
            code=error_codes.NOTICE_CLOSED,
        )
    objection = Objection(
        notice=notice, name=name, contact=contact, reason=reason, client_ip=client_ip
    )
    if checked is not None and evidence is not None:
        objection.evidence_name = checked.original_name
        objection.evidence_type = checked.content_type
        objection.evidence_sha256 = checked.sha256
        objection.evidence.save(checked.storage_name, evidence, save=False)
    objection.save()
    audit_event_record(
        action=actions.NOTICE_OBJECTED,
        actor=None,
        actor_label=_("the public (%(ip)s)") % {"ip": client_ip or "?"},
        target=objection,
        after={
            "application": notice.application.number,
            "status": OB.OPEN,
            "evidence_sha256": objection.evidence_sha256 or None,
        },
    )
    return objection


def _manager_or_refuse(user: User) -> None:
    if not has_role(user, Role.PROGRAM_MANAGER):
        raise ApplicationError(
            _("Only a program manager resolves objections."),
            code=error_codes.OUT_OF_SCOPE,
        )


def _resolving(
    objection: Objection, manager: User
) -> tuple[Objection, Notice, Application]:
    _manager_or_refuse(manager)
    notice, application = _locked_notice(objection.notice_id)
    objection = Objection.objects.get(pk=objection.pk)
    if objection.status != OB.OPEN:
        raise ApplicationError(
            _("This objection has already been resolved."),
            code=error_codes.OBJECTION_DECIDED,
        )
    return objection, notice, application


def _resolve(objection: Objection, status: str, manager: User, resolution: str) -> None:
    OBJECTION_STATES.move(objection, status)
    objection.resolved_by = manager
    objection.resolved_at = timezone.now()
    objection.resolution = resolution
    objection.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])


@transaction.atomic
def objection_uphold(*, objection: Objection, manager: User, reason: str) -> Notice:
    """The objection stands: the application is rejected with ``reason``
    (the applicant is told), its reservation goes back to the budget, and
    the notice's other open objections close with it."""
    reason = _text(reason, "reason", RESOLUTION_MAX, _("Say why the objection stands."))
    objection, notice, application = _resolving(objection, manager)
    _resolve(objection, OB.UPHELD, manager, reason)
    for other in notice.objections.filter(status=OB.OPEN).exclude(pk=objection.pk):
        _resolve(other, OB.CLOSED, manager, reason)
    _ledger_locks(notice, application)
    notice_release(notice=notice, actor=manager)
    NOTICE_STATES.move(notice, N.REJECTED)
    notice.closed_at = timezone.now()
    notice.save(update_fields=["status", "closed_at"])
    APPLICATION_STATES.move(application, A.REJECTED)
    application.decided_at = notice.closed_at
    application.save(update_fields=["status", "decided_at", "updated_at"])
    audit_event_record(
        action=actions.NOTICE_OBJECTION_UPHELD,
        actor=manager,
        target=objection,
        before={"status": OB.OPEN, "application": A.IN_NOTICE},
        after={
            "status": OB.UPHELD,
            "reason": reason,
            "application": A.REJECTED,
            "released": str(notice.amount),
        },
    )
    notify_applicant(application, note=reason)
    return notice


@transaction.atomic
def objection_dismiss(*, objection: Objection, manager: User, reason: str) -> Notice:
    """The objection does not stand: the notice goes on, and when it has
    ended and no other objection is open the voucher is issued now."""
    reason = _text(
        reason, "reason", RESOLUTION_MAX, _("Say why the objection does not stand.")
    )
    objection, notice, application = _resolving(objection, manager)
    _resolve(objection, OB.DISMISSED, manager, reason)
    audit_event_record(
        action=actions.NOTICE_OBJECTION_DISMISSED,
        actor=manager,
        target=objection,
        before={"status": OB.OPEN},
        after={"status": OB.DISMISSED, "reason": reason},
    )
    if _due(notice, timezone.localdate()):
        _issue(notice, application)
    return notice


def _due(notice: Notice, today: date) -> bool:
    return (
        notice.status == N.IN_NOTICE
        and notice.ends_on < today
        and not notice.objections.filter(status=OB.OPEN).exists()
    )


def _ledger_locks(notice: Notice, application: Application) -> None:
    """After the application: the enterprise, the program, then its budget
    and reserved accounts (lock_objects' order, as for an approval)."""
    enterprise_lock(application.enterprise_id)
    program_lock(notice.program_id)
    notice_accounts_lock(notice.program)


def _issue(notice: Notice, application: Application) -> None:
    """Give the reservation back to the budget and issue the voucher from
    it, the final approver named in the event (the caller holds the
    application)."""
    _ledger_locks(notice, application)
    notice_release(notice=notice)
    # Read again (rows this transaction already holds): the release has
    # just refilled the pools, the enterprise's quota among them.
    pools = draw_pools(application, notice_accounts_lock(notice.program))
    voucher = voucher_create(
        application=application,
        amount=notice.amount,
        pools=pools,
        actor=None,
        reduced_from=notice.reduced_from,
    )
    NOTICE_STATES.move(notice, N.ISSUED)
    notice.voucher = voucher
    notice.closed_at = timezone.now()
    notice.save(update_fields=["status", "voucher", "closed_at"])
    APPLICATION_STATES.move(application, A.APPROVED)
    application.save(update_fields=["status", "updated_at"])
    audit_event_record(
        action=actions.APPLICATION_APPROVED,
        actor=None,
        target=application,
        before={"status": A.IN_NOTICE},
        after={
            "status": A.APPROVED,
            "voucher": voucher.code,
            "face_value": str(voucher.face_value),
            "public_notice": f"{notice.starts_on}–{notice.ends_on}",
            "approved_by": notice.approved_by.email,
        },
    )
    notify_applicant(application)


@transaction.atomic
def notice_issue(*, notice: Notice, today: date | None = None) -> bool:
    """Issue the voucher of one notice that has ended without an open
    objection; False (nothing done) when it is not due, was issued or was
    rejected meanwhile. Safe to run twice."""
    today = today or timezone.localdate()
    notice, application = _locked_notice(notice.pk)
    if not _due(notice, today):
        return False
    _issue(notice, application)
    return True


def notices_issue_due(*, today: date | None = None) -> int:
    """Every notice that ended before ``today`` with no open objection gets
    its voucher, each in its own transaction (one that fails is logged and
    skipped, config.batch). Returns how many were issued."""
    today = today or timezone.localdate()
    due = list(
        Notice.objects.filter(status=N.IN_NOTICE, ends_on__lt=today)
        .exclude(objections__status=OB.OPEN)
        .order_by("ends_on", "pk")
        .values_list("pk", flat=True)
    )
    return sum(
        batch.each(
            "notices_issue_due",
            due,
            lambda pk: notice_issue(notice=Notice(pk=pk), today=today),
        ).results
    )
