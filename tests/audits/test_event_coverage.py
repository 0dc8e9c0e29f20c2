"""Every state-changing service writes exactly its audit events, in its own
transaction: called, it writes each expected action the expected number of
times and nothing else; failing right after its last event, it leaves
neither the change nor the events.

The list is complete by construction: every public function of every
services module (found by walking the apps) is a case here
(tests/audits/coverage/), a case of tests/vouchers/test_workflow_audit.py
(WORKFLOW), or named in NO_EVENT with why it writes none of its own. A new
service without an entry fails test_every_service_is_listed.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import Counter

import pytest
from django.db.models import Max

from audits import services as audit_services
from audits.models import AuditEvent
from tests.audits.coverage import audits as audit_cases
from tests.audits.coverage import notice, quotas, redemption, register, settlement
from tests.vouchers import test_workflow_audit as workflow

pytestmark = pytest.mark.django_db

APPS = ("accounts", "audits", "enterprises", "vouchers")

CASES = {
    **audit_cases.CASES,
    **register.CASES,
    **redemption.CASES,
    **settlement.CASES,
    **notice.CASES,
    **quotas.CASES,
}

# Services whose case is in tests/vouchers/test_workflow_audit.py (the
# application workflow and programs), by that file's case name.
WORKFLOW = {
    "vouchers.applications.services:application_create": "application created",
    "vouchers.applications.services:application_save_contract": "contract saved",
    "vouchers.applications.services:application_attach": "document attached",
    "vouchers.applications.services:application_submit": "submitted and screened",
    "vouchers.applications.services:application_withdraw": "withdrawn",
    "vouchers.review.services:application_approve": "approved at a stage",
    "vouchers.review.services:application_return": "returned",
    "vouchers.review.services:application_reject": "rejected",
    "vouchers.issuance.services:voucher_issue": "approved, voucher issued",
    "vouchers.programs.services:program_create": "program created",
    "vouchers.programs.services:program_change_params": "program parameters changed",
    "vouchers.programs.services:program_change_propose": "program change proposed",
    "vouchers.programs.services:program_change_approve": "program change approved",
    "vouchers.programs.services:program_change_reject": "program change rejected",
    "vouchers.programs.services:program_change_withdraw": "program change withdrawn",
    "vouchers.programs.services:program_change_impact_exported": (
        "program change what-if downloaded"
    ),
    "vouchers.programs.services:program_set_status": "program opened",
}

# Public functions of services modules that write no event of their own,
# and why.
NO_EVENT = {
    "audits.services:audit_event_record": "the recording function itself",
    "audits.chain.services:chain_head": "a read",
    "audits.chain.services:chain_seal": (
        "sealing links events already recorded; an event per seal would never "
        "let the chain rest (its own append-only links say when)"
    ),
    "audits.chain.services:seal_quietly": "chain_seal, errors logged",
    "audits.chain.services:chain_checkpoint_take": (
        "the scheduled checkpoint, an append-only row of its own; one asked "
        "for by a person is chain_checkpoint_request (audited)"
    ),
    "audits.chain.services:chain_verification_run": (
        "runs a check whose request was audited; it stores the result only"
    ),
    "audits.chain.services:record_report": "stores a check's result (above)",
    "enterprises.services.credit:parse_dishonest_csv": "parses a file, pure",
    "enterprises.services.filings:parse_filing_csv": "parses a file, pure",
    "enterprises.services.memberships:invitation_find": "a read",
    "enterprises.services.register:checked_uscc": "a check, pure",
    "enterprises.services.register:classify_enterprise": (
        "derives the size class in memory; the caller saves and records it"
    ),
    "enterprises.services.register:enterprise_has_owner": "a read",
    "enterprises.services.register:reviewer_covers": "a read",
    "vouchers.applications.services:contract_problems": "a check, pure",
    "vouchers.applications.services:application_save_draft": (
        "the autosave keeps what is typed, no state change "
        "(test_workflow_audit.test_autosaving_a_draft_writes_no_event)"
    ),
    "vouchers.applications.services:set_stage": "sets fields in memory",
    "vouchers.ledger.services:account": (
        "gets or makes a ledger account for the transfer that needs it; the "
        "service moving the money records the event"
    ),
    "vouchers.ledger.services:voucher_account": "as account",
    "vouchers.ledger.services:voucher_accounts": "as account",
    "vouchers.ledger.services:provider_account": "as account",
    "vouchers.ledger.services:transfer": (
        "the ledger's primitive, called inside the service whose event "
        "records the business change"
    ),
    "vouchers.ledger.services:program_fund": (
        "the budget's transfer when a program opens, inside program_set_status "
        "(audited)"
    ),
    "vouchers.ledger.services:voucher_fund": "inside voucher_issue (audited)",
    "vouchers.ledger.services:notice_reserve": "inside notice_open (audited)",
    "vouchers.ledger.services:quota_account": "opens an account inside audited services",
    "vouchers.ledger.services:quota_allotments": "a read",
    "vouchers.ledger.services:quota_transfer": "inside program_quota_move (audited)",
    "vouchers.programs.services:quota_problems": "a check",
    "vouchers.ledger.services:notice_release": (
        "inside objection_uphold and the notice's issuance (audited)"
    ),
    "vouchers.issuance.services:issuable": "a check under locks; writes nothing",
    "vouchers.notice.services:notice_dates": "a date computation, pure",
    "vouchers.notice.services:notice_is_running": "a check, pure",
    "vouchers.ledger.services:voucher_release": (
        "inside voucher_expire and voucher_revoke (audited)"
    ),
    "vouchers.programs.services:program_code_problem": "a check, pure",
    "vouchers.provider_api.services:digest": "a hash, pure",
    "vouchers.provider_api.services:provider_staff_or_refuse": "a check",
    "vouchers.provider_api.services:api_key_find": "a read",
    "vouchers.provider_api.services:api_key_touch": (
        "the key's last-use time, throttled to one write a minute: use, not "
        "a change of the key"
    ),
    "vouchers.provider_api.services:idempotency_keys_purge": (
        "housekeeping: drops replay records past their retention"
    ),
    "vouchers.redemption.services:voucher_for_charge": "a read",
    "vouchers.redemption.services:chargeable_or_refuse": "a check",
    "vouchers.redemption.services:provider_approved_or_refuse": "a check",
    "vouchers.redemption.services:filed_or_refuse": "a check",
    "vouchers.redemption.services:filing_refusal": "a check, pure",
    "vouchers.review.services:reasons_problem": "a check, pure",
    "vouchers.review.services:note_problem": "a check, pure",
    "vouchers.settlement.services:statement_number": "a number, pure",
    "vouchers.webhooks.services:endpoints_max": "a setting",
    "vouchers.webhooks.services:webhook_event_emit": (
        "queues deliveries (an outbox) of a change recorded by its own service"
    ),
    "vouchers.webhooks.services:body": "a payload, pure",
    "vouchers.webhooks.services:delivery_attempt": (
        "one try of a delivery; the delivery row keeps its attempts"
    ),
    "vouchers.webhooks.services:deliveries_due": "a read",
}


def discovered_services() -> set[str]:
    """Every public function defined in a services module of the apps."""
    found = set()
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            parts = info.name.split(".")
            if "services" not in parts or "tests" in parts:
                continue
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if (
                    inspect.isfunction(obj)
                    and obj.__module__ == module.__name__
                    and not name.startswith("_")
                ):
                    found.add(f"{module.__name__}:{name}")
    return found


def test_every_service_is_listed():
    cased = {key.split("#")[0] for key in CASES}
    listed = cased | set(WORKFLOW) | set(NO_EVENT)
    found = discovered_services()

    assert found - listed == set(), "services without a case or a reason"
    assert listed - found == set(), "entries naming no service"
    assert cased & set(NO_EVENT) == set()
    assert set(WORKFLOW.values()) <= set(workflow.CASES)
    assert all(NO_EVENT.values())


def _last_event_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def _events_since(last: int) -> Counter:
    return Counter(
        AuditEvent.objects.filter(pk__gt=last).values_list("action", flat=True)
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_change_writes_exactly_its_events(name):
    # given
    case = CASES[name]()
    last = _last_event_id()

    # when
    case.call()

    # then
    assert _events_since(last) == case.expected


class _FailAfterLastEvent(Exception):
    pass


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_change_that_fails_after_its_events_leaves_neither(name, monkeypatch):
    # given: the service fails right after writing its last expected event
    case = CASES[name]()
    assert +case.expected, "a case expects at least one event"
    before = case.state()
    last = _last_event_id()
    remaining = Counter(case.expected)
    real_create = AuditEvent.objects.create

    def create_then_fail(**fields):
        event = real_create(**fields)
        remaining[fields["action"]] -= 1
        if not +remaining:
            raise _FailAfterLastEvent
        return event

    monkeypatch.setattr(audit_services.AuditEvent.objects, "create", create_then_fail)

    # when
    if case.swallows:
        case.call()
    else:
        with pytest.raises(_FailAfterLastEvent):
            case.call()

    # then: the events went with the change
    monkeypatch.undo()
    assert _events_since(last) == Counter()
    assert case.state() == before
