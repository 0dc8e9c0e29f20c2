"""State changes of flags: the scan that raises them and the auditor's triage.

A scan runs every rule over everything in one transaction and raises the
findings whose ``(rule, key)`` no flag has yet: a rerun raises nothing new,
and a flag once triaged stays triaged (the same anomaly found again is the
same flag). Each raised flag writes an event, with the facts, in the scan's
transaction, so the facts are under the chain's protection from then on.
"""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import has_role
from accounts.roles import Role
from config.exceptions import ApplicationError
from config.states import StateMap

from .. import actions
from ..models import Flag, FlagScan, FlagStatus
from ..services import SYSTEM_LABEL, audit_event_record
from .rules import EVERYTHING, RULES

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key of the scan ("flag" in ASCII): a second scan
# waits for the first and then finds its flags raised.
SCAN_LOCK_KEY = 0x666C6167
NOTE_MAX = 2000

FLAG_STATES = StateMap(
    statuses=FlagStatus,
    transitions={
        FlagStatus.OPEN: frozenset({FlagStatus.DISMISSED, FlagStatus.CONFIRMED}),
    },
    refusal=gettext_lazy("A flag that is %(from)s cannot become %(to)s."),
)
TRIAGE_ACTIONS = {
    FlagStatus.DISMISSED: actions.FLAG_DISMISSED,
    FlagStatus.CONFIRMED: actions.FLAG_CONFIRMED,
}
# Who triages: the auditors (program managers read flags, they do not
# judge their own programs' anomalies).
TRIAGERS = (Role.AUDITOR,)


def _lock_scan() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])


@transaction.atomic
def flag_scan_request(*, actor: User | None = None) -> FlagScan:
    """Queue a scan; a worker runs it after this commits."""
    scan = FlagScan.objects.create(
        requested_by_label=(actor.email if actor is not None else SYSTEM_LABEL)[:254]
    )
    audit_event_record(action=actions.FLAG_SCAN_REQUESTED, actor=actor, target=scan)
    from .tasks import flags_scan_run as task

    transaction.on_commit(lambda: task.delay(scan.pk))
    return scan


def flags_scan(*, scan: FlagScan | None = None) -> FlagScan:
    """Run every rule and raise the flags not raised before (a queued scan,
    or a new one for the system). A scan that fails raises nothing and is
    marked so; the error goes to the log."""
    if scan is None:
        scan = FlagScan.objects.create(requested_by_label=SYSTEM_LABEL)
    elif scan.status != FlagScan.Status.RUNNING:
        return scan  # ran already (a redelivered task)
    started = time.monotonic()
    try:
        with transaction.atomic():
            _lock_scan()
            by_rule = _raise_all()
            raised = sum(by_rule.values())
            FlagScan.objects.filter(pk=scan.pk).update(
                status=FlagScan.Status.DONE,
                finished_at=timezone.now(),
                raised=raised,
                by_rule=by_rule,
                seconds=time.monotonic() - started,
            )
            audit_event_record(
                action=actions.FLAGS_SCANNED,
                target=scan,
                after={"raised": raised, "by_rule": by_rule},
            )
    except Exception:
        log.exception("flag scan %s failed", scan.pk)
        FlagScan.objects.filter(pk=scan.pk).update(
            status=FlagScan.Status.FAILED,
            finished_at=timezone.now(),
            seconds=time.monotonic() - started,
        )
    scan.refresh_from_db()
    return scan


def _raise_all() -> dict[str, int]:
    by_rule: dict[str, int] = {}
    for code, rule in RULES.items():
        known = set(Flag.objects.filter(rule=code).values_list("key", flat=True))
        new: dict[str, Flag] = {}
        for f in rule.find(EVERYTHING):
            if f.key in known or f.key in new:
                continue
            new[f.key] = Flag(
                rule=code,
                key=f.key,
                subject_type=f.subject_type,
                subject_id=str(f.subject_id),
                enterprise_id=f.enterprise_id,
                provider_id=f.provider_id,
                program_id=f.program_id,
                facts=f.facts,
            )
        created = Flag.objects.bulk_create(new.values(), batch_size=1000)
        for flag in created:
            audit_event_record(
                action=actions.FLAG_RAISED,
                target=flag,
                after={
                    "rule": code,
                    "key": flag.key,
                    "subject": f"{flag.subject_type}:{flag.subject_id}",
                    "facts": flag.facts,
                },
            )
        if created:
            by_rule[code] = len(created)
    return by_rule


@transaction.atomic
def flag_triage(*, flag: Flag, status: str, note: str, actor: User) -> Flag:
    """An auditor's judgment on an open flag: dismissed or confirmed, with
    a note saying why."""
    if not has_role(actor, *TRIAGERS):
        raise ApplicationError(
            _("Only an auditor can triage a flag."), code="forbidden"
        )
    if status not in TRIAGE_ACTIONS:
        raise ApplicationError(
            _("Choose dismissed or confirmed."), field="status", code="invalid"
        )
    note = (note or "").strip()
    if not note:
        raise ApplicationError(
            _("Say in a note what you found."), field="note", code="required"
        )
    if len(note) > NOTE_MAX:
        raise ApplicationError(
            _("Keep the note within %(n)d characters.") % {"n": NOTE_MAX},
            field="note",
            code="too_long",
        )
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    before = FLAG_STATES.move(flag, status)
    flag.note = note
    flag.triaged_at = timezone.now()
    flag.triaged_by = actor
    flag.save(update_fields=["status", "note", "triaged_at", "triaged_by"])
    audit_event_record(
        action=TRIAGE_ACTIONS[FlagStatus(status)],
        actor=actor,
        target=flag,
        before={"status": before},
        after={"status": status, "note": note},
    )
    return flag
