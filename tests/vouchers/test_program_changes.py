"""Four eyes on program changes (issue 12): once a program is open, new
parameters are a proposal that a second program manager approves before
they take effect; the proposer can withdraw but never decide it; each step
audited; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from tests.factories import demo_program, make_program, make_role_user, program_params
from vouchers import error_codes
from vouchers.models import ProgramChange, ProgramVersion
from vouchers.programs import services as programs
from vouchers.programs.selectors import program_version_at

pytestmark = pytest.mark.django_db

C = ProgramChange.Status


@pytest.fixture
def program():
    return demo_program()  # open


@pytest.fixture
def proposer():
    return make_role_user(Role.PROGRAM_MANAGER)


@pytest.fixture
def second():
    return make_role_user(Role.PROGRAM_MANAGER)


def propose(program, proposer, **changes):
    return programs.program_change_propose(
        program=program,
        params=program_params(base_rate="0.25"),
        actor=proposer,
        note="补贴比例调整为25%",
        **changes,
    )


def writes():
    return (
        ProgramVersion.objects.count(),
        list(ProgramChange.objects.values_list("status", flat=True)),
        AuditEvent.objects.count(),
    )


def test_an_open_program_is_not_changed_by_one_person(program, proposer):
    before = writes()
    with pytest.raises(ApplicationError) as refused:
        programs.program_change_params(
            program=program, params=program_params(base_rate="0.25"), actor=proposer
        )
    assert refused.value.code == error_codes.FOUR_EYES
    assert writes() == before


def test_a_draft_is_changed_directly(proposer):
    draft = make_program("TEST-DRAFT-2026")
    version = programs.program_change_params(
        program=draft, params=program_params(base_rate="0.25"), actor=proposer
    )
    assert version.number == 2


def test_a_proposal_takes_effect_only_when_a_second_manager_approves(
    program, proposer, second
):
    # given
    in_force = program_version_at(program)
    change = propose(program, proposer)

    # then: proposed, nothing in force changed
    assert change.status == C.PROPOSED
    assert change.base == in_force
    assert program_version_at(program) == in_force
    assert AuditEvent.objects.filter(action="program.change_proposed").count() == 1

    # when
    version = programs.program_change_approve(change=change, actor=second)

    # then
    change.refresh_from_db()
    assert change.status == C.APPROVED
    assert (change.version, change.decided_by) == (version, second)
    assert version.number == in_force.number + 1
    assert version.created_by == proposer
    assert version.note == "补贴比例调整为25%"
    assert version.params["base_rate"] == "0.25"
    assert program_version_at(program) == version
    approved = AuditEvent.objects.get(action="program.change_approved")
    assert approved.actor == second
    assert approved.after["version"] == version.number


def test_the_proposer_cannot_approve_or_reject_their_own_change(program, proposer):
    change = propose(program, proposer)
    before = writes()
    for decide in (
        lambda: programs.program_change_approve(change=change, actor=proposer),
        lambda: programs.program_change_reject(
            change=change, actor=proposer, reason="撤销"
        ),
    ):
        with pytest.raises(ApplicationError) as refused:
            decide()
        assert refused.value.code == error_codes.FOUR_EYES
    assert writes() == before


def test_the_database_refuses_a_self_approval_too(program, proposer):
    change = propose(program, proposer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramChange.objects.filter(pk=change.pk).update(
            status=C.REJECTED, decided_by=proposer, decided_at=timezone.now()
        )


def test_only_program_managers_propose_or_decide(program, proposer):
    reviewer = make_role_user(Role.REVIEWER)
    before = writes()
    with pytest.raises(ApplicationError) as refused:
        propose(program, reviewer)
    assert refused.value.code == error_codes.OUT_OF_SCOPE
    change = propose(program, proposer)
    with pytest.raises(ApplicationError):
        programs.program_change_approve(change=change, actor=reviewer)
    assert writes()[0] == before[0]


def test_one_open_proposal_per_program(program, proposer, second):
    propose(program, proposer)
    before = writes()
    with pytest.raises(ApplicationError) as refused:
        programs.program_change_propose(
            program=program, params=program_params(base_rate="0.3"), actor=second
        )
    assert refused.value.code == error_codes.CHANGE_PENDING
    assert writes() == before


def test_a_rejection_needs_a_reason_and_changes_nothing_in_force(
    program, proposer, second
):
    change = propose(program, proposer)
    in_force = program_version_at(program)
    with pytest.raises(ApplicationError) as refused:
        programs.program_change_reject(change=change, actor=second, reason="  ")
    assert refused.value.field == "reason"

    before = writes()
    with pytest.raises(ApplicationError) as too_long:
        programs.program_change_reject(change=change, actor=second, reason="理" * 501)
    assert too_long.value.field == "reason"
    assert writes() == before

    programs.program_change_reject(change=change, actor=second, reason="测算依据不足")

    change.refresh_from_db()
    assert (change.status, change.decision_reason) == (C.REJECTED, "测算依据不足")
    assert program_version_at(program) == in_force
    with pytest.raises(ApplicationError) as again:
        programs.program_change_approve(change=change, actor=second)
    assert again.value.code == error_codes.TRANSITION


def test_only_the_proposer_withdraws(program, proposer, second):
    change = propose(program, proposer)
    with pytest.raises(ApplicationError) as refused:
        programs.program_change_withdraw(change=change, actor=second)
    assert refused.value.code == error_codes.OUT_OF_SCOPE
    programs.program_change_withdraw(change=change, actor=proposer)
    change.refresh_from_db()
    assert change.status == C.WITHDRAWN
    propose(program, proposer)  # the program is free for the next proposal


def test_a_change_scheduled_for_later_takes_effect_on_its_date(
    program, proposer, second
):
    later = timezone.now() + timedelta(days=10)
    in_force = program_version_at(program)
    change = propose(program, proposer, effective_from=later)
    version = programs.program_change_approve(change=change, actor=second)
    assert version.effective_from == later
    assert program_version_at(program) == in_force
    assert program_version_at(program, later) == version


def test_a_date_passed_before_the_approval_takes_effect_at_the_approval(
    program, proposer, second
):
    change = propose(
        program, proposer, effective_from=timezone.now() + timedelta(days=1)
    )
    ProgramChange.objects.filter(pk=change.pk).update(
        effective_from=timezone.now() - timedelta(hours=1)
    )
    before = timezone.now()
    version = programs.program_change_approve(change=change, actor=second)
    assert version.effective_from >= before
    assert program_version_at(program) == version


def test_a_budget_change_cannot_wait_for_a_later_date(program, proposer):
    params = program_params()
    params["budget"] = {"city": "260000000.00"}  # 10 million more
    with pytest.raises(ApplicationError) as refused:
        programs.program_change_propose(
            program=program,
            params=params,
            actor=proposer,
            effective_from=timezone.now() + timedelta(days=3),
        )
    assert refused.value.field == "effective_from"


def test_a_change_proposed_on_an_older_version_is_not_approved(
    program, proposer, second
):
    # given: a version appeared after the proposal (e.g. a data correction)
    change = propose(program, proposer)
    latest = program.versions.order_by("-number").first()
    ProgramVersion.objects.create(
        program=program,
        number=latest.number + 1,
        effective_from=timezone.now(),
        params=latest.params,
    )
    before = writes()

    # when / then
    with pytest.raises(ApplicationError) as refused:
        programs.program_change_approve(change=change, actor=second)
    assert refused.value.code == error_codes.CHANGE_STALE
    assert writes() == before
