"""Every state change of the application workflow and of programs writes
its audit events, exactly one of each expected action, in the change's own
transaction: when the service fails after writing them, neither the change
nor the events remain.

This list is what the tamper-evident trail relies on: a service added to
the workflow gets its case here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Max

from accounts.roles import Role
from audits import actions
from audits import services as audit_services
from audits.models import AuditEvent
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    demo_program,
    make_program,
    make_role_user,
    pdf_upload,
    program_params,
    sme_applicant,
    stage_reviewer,
)
from vouchers.applications import services as applications
from vouchers.eligibility.rescreen import rescreen_enterprises
from vouchers.models import Application, LedgerTransfer, Program, Voucher
from vouchers.programs import services as programs
from vouchers.review import services as review

pytestmark = pytest.mark.django_db
S = Application.Status


@dataclass
class Case:
    """A service call on an object made for it, the events it must write,
    and a snapshot of what it changes (compared after a rolled-back call)."""

    call: Callable[[], object]
    expected: Counter
    state: Callable[[], object]


def _application_state(application: Application) -> Callable[[], object]:
    def state():
        a = Application.objects.get(pk=application.pk)
        return (
            a.status,
            a.stage,
            a.revision,
            a.number,
            a.contract_number,
            a.documents.count(),
            a.reviews.count(),
            Voucher.objects.count(),
            LedgerTransfer.objects.count(),
        )

    return state


def _program_state(program: Program) -> Callable[[], object]:
    def state():
        p = Program.objects.get(pk=program.pk)
        return (p.status, p.versions.count(), LedgerTransfer.objects.count())

    return state


def _create():
    program, applicant = demo_program(), sme_applicant()
    enterprise = applicant.memberships.get().enterprise
    return Case(
        call=lambda: applications.application_create(
            enterprise=enterprise, program=program, user=applicant
        ),
        expected=Counter({actions.APPLICATION_CREATED: 1}),
        state=lambda: Application.objects.count(),
    )


def _save_contract():
    draft = ApplicationFactory()
    return Case(
        call=lambda: applications.application_save_contract(
            application=draft,
            user=draft.created_by,
            provider=ProviderFactory(),
            offering=None,
            contract_number="HT-AUDIT-1",
            signed_on=date(2026, 3, 1),
            term_months=12,
            year_contract_total=None,
            lines=[applications.LineInput("compute", "GPU", Decimal("1000.00"))],
        ),
        expected=Counter({actions.APPLICATION_UPDATED: 1}),
        state=_application_state(draft),
    )


def _attach():
    draft = ApplicationFactory(with_contract=True)
    return Case(
        call=lambda: applications.application_attach(
            application=draft,
            user=draft.created_by,
            kind="contract",
            upload=pdf_upload(),
        ),
        expected=Counter(
            {actions.DOCUMENT_UPLOADED: 1, actions.APPLICATION_UPDATED: 1}
        ),
        state=_application_state(draft),
    )


def _submit():
    draft = ApplicationFactory(complete=True)
    return Case(
        call=lambda: applications.application_submit(
            application=draft, user=draft.created_by
        ),
        expected=Counter(
            {actions.APPLICATION_SUBMITTED: 1, actions.APPLICATION_SCREENED: 1}
        ),
        state=_application_state(draft),
    )


def _resubmit():
    returned = ApplicationFactory(returned=True)
    return Case(
        call=lambda: applications.application_submit(
            application=returned, user=returned.created_by
        ),
        expected=Counter(
            {actions.APPLICATION_SUBMITTED: 1, actions.APPLICATION_SCREENED: 1}
        ),
        state=_application_state(returned),
    )


def _approve_stage():
    app = ApplicationFactory(submitted=True)
    return Case(
        call=lambda: review.application_approve(
            application=app, reviewer=stage_reviewer(app)
        ),
        expected=Counter({actions.APPLICATION_REVIEWED: 1}),
        state=_application_state(app),
    )


def _approve_final():
    app = ApplicationFactory(at_second_stage=True)
    return Case(
        call=lambda: review.application_approve(
            application=app, reviewer=stage_reviewer(app)
        ),
        expected=Counter({actions.VOUCHER_ISSUED: 1, actions.APPLICATION_APPROVED: 1}),
        state=_application_state(app),
    )


def _return():
    app = ApplicationFactory(submitted=True)
    return Case(
        call=lambda: review.application_return(
            application=app, reviewer=stage_reviewer(app), note="补充合同附件"
        ),
        expected=Counter({actions.APPLICATION_RETURNED: 1}),
        state=_application_state(app),
    )


def _reject():
    app = ApplicationFactory(submitted=True)
    return Case(
        call=lambda: review.application_reject(
            application=app, reviewer=stage_reviewer(app), reasons=["other"]
        ),
        expected=Counter({actions.APPLICATION_REJECTED: 1}),
        state=_application_state(app),
    )


def _withdraw():
    app = ApplicationFactory(submitted=True)
    return Case(
        call=lambda: applications.application_withdraw(
            application=app, user=app.created_by
        ),
        expected=Counter({actions.APPLICATION_WITHDRAWN: 1}),
        state=_application_state(app),
    )


def _program_create():
    return Case(
        call=lambda: make_program("TEST-AUDIT-2026"),
        expected=Counter({actions.PROGRAM_CREATED: 1}),
        state=lambda: Program.objects.count(),
    )


def _program_change_params():
    program = make_program("TEST-AUDIT-2026")  # a draft: changed directly
    return Case(
        call=lambda: programs.program_change_params(
            program=program, params=program_params(base_rate="0.25"), actor=None
        ),
        expected=Counter({actions.PROGRAM_VERSION_CREATED: 1}),
        state=_program_state(program),
    )


def _change_state(program: Program) -> Callable[[], object]:
    def state():
        p = Program.objects.get(pk=program.pk)
        return (
            p.versions.count(),
            list(p.changes.values_list("status", flat=True)),
            LedgerTransfer.objects.count(),
        )

    return state


def _proposed(params=None):
    program = demo_program()  # open
    proposer = make_role_user(Role.PROGRAM_MANAGER)
    change = programs.program_change_propose(
        program=program,
        params=params or program_params(base_rate="0.25"),
        actor=proposer,
    )
    return program, proposer, change


def _program_change_propose():
    program = demo_program()
    proposer = make_role_user(Role.PROGRAM_MANAGER)
    return Case(
        call=lambda: programs.program_change_propose(
            program=program, params=program_params(base_rate="0.25"), actor=proposer
        ),
        expected=Counter({actions.PROGRAM_CHANGE_PROPOSED: 1}),
        state=_change_state(program),
    )


def _program_change_approve():
    program, _proposer, change = _proposed()
    second = make_role_user(Role.PROGRAM_MANAGER)
    return Case(
        call=lambda: programs.program_change_approve(change=change, actor=second),
        expected=Counter(
            {actions.PROGRAM_VERSION_CREATED: 1, actions.PROGRAM_CHANGE_APPROVED: 1}
        ),
        state=_change_state(program),
    )


def _program_change_reject():
    program, _proposer, change = _proposed()
    second = make_role_user(Role.PROGRAM_MANAGER)
    return Case(
        call=lambda: programs.program_change_reject(
            change=change, actor=second, reason="测算依据不足"
        ),
        expected=Counter({actions.PROGRAM_CHANGE_REJECTED: 1}),
        state=_change_state(program),
    )


def _program_change_impact_exported():
    program, proposer, change = _proposed()
    return Case(
        call=lambda: programs.program_change_impact_exported(
            change=change, actor=proposer
        ),
        expected=Counter({actions.PROGRAM_CHANGE_IMPACT_EXPORTED: 1}),
        state=_change_state(program),
    )


def _program_change_withdraw():
    program, proposer, change = _proposed()
    return Case(
        call=lambda: programs.program_change_withdraw(change=change, actor=proposer),
        expected=Counter({actions.PROGRAM_CHANGE_WITHDRAWN: 1}),
        state=_change_state(program),
    )


def _program_open():
    program = make_program("TEST-AUDIT-2026")
    return Case(
        call=lambda: programs.program_set_status(
            program=program, to_status=Program.Status.OPEN, actor=None
        ),
        expected=Counter({actions.PROGRAM_STATUS_CHANGED: 1}),
        state=_program_state(program),
    )


def _rescreen():
    program = demo_program()
    sme_applicant()
    return Case(
        call=lambda: rescreen_enterprises(program=program, record=True),
        expected=Counter({actions.ELIGIBILITY_RESCREENED: 1}),
        state=lambda: program.versions.get().decisions.count(),
    )


CASES = {
    "application created": _create,
    "contract saved": _save_contract,
    "document attached": _attach,
    "submitted and screened": _submit,
    "corrected and resubmitted": _resubmit,
    "approved at a stage": _approve_stage,
    "approved, voucher issued": _approve_final,
    "returned": _return,
    "rejected": _reject,
    "withdrawn": _withdraw,
    "program created": _program_create,
    "program parameters changed": _program_change_params,
    "program change proposed": _program_change_propose,
    "program change approved": _program_change_approve,
    "program change rejected": _program_change_reject,
    "program change withdrawn": _program_change_withdraw,
    "program change what-if downloaded": _program_change_impact_exported,
    "program opened": _program_open,
    "register re-screened": _rescreen,
}


def _events_since(last_id: int | None) -> Counter:
    return Counter(
        AuditEvent.objects.filter(pk__gt=last_id or 0).values_list("action", flat=True)
    )


def _last_event_id() -> int | None:
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"]


@pytest.mark.parametrize("name", CASES)
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


@pytest.mark.parametrize("name", CASES)
def test_a_change_that_fails_after_its_events_leaves_neither(name, monkeypatch):
    # given: the service fails right after writing its last expected event
    case = CASES[name]()
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
    with pytest.raises(_FailAfterLastEvent):
        case.call()

    # then: the events went with the change
    monkeypatch.undo()
    assert _events_since(last) == Counter()
    assert case.state() == before


def test_autosaving_a_draft_writes_no_event():
    """The autosave keeps what the applicant is typing, valid or not: no
    state changes (the step's own save writes the event)."""
    draft = ApplicationFactory()
    last = _last_event_id()
    applications.application_save_draft(
        application=draft, user=draft.created_by, step="contract", data={"x": "1"}
    )
    assert _events_since(last) == Counter()
    assert Application.objects.get(pk=draft.pk).draft == {"contract": {"x": "1"}}
