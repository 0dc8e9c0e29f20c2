"""Public notice (公示) between the final approval and the voucher: the
amount is reserved, anyone may object, a program manager resolves the
objection, and the voucher is issued when the notice ends."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from tests.factories import (
    ApplicationFactory,
    make_open_program,
    make_role_user,
    pdf_upload,
    stage_reviewer,
)
from vouchers import error_codes
from vouchers.applications.selectors import (
    application_estimate,
    enterprise_year_committed,
)
from vouchers.issuance.selectors import availability, cap_used_in_year
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import budget_remaining
from vouchers.models import Application, LedgerAccount, Notice, Objection, Voucher
from vouchers.notice import services as notice
from vouchers.review import services as review

pytestmark = pytest.mark.django_db

S = Application.Status
N = Notice.Status
OB = Objection.Status
BUDGET = Decimal("250000000.00")  # the Hangzhou program's


@pytest.fixture
def program():
    return make_open_program("TEST-NOTICE-2026", public_notice_days=5)


def final_approval(program, **kwargs) -> Application:
    """An application at its last stage, approved by its reviewer."""
    app = ApplicationFactory(at_second_stage=True, program=program, **kwargs)
    return review.application_approve(application=app, reviewer=stage_reviewer(app))


def reserved(program) -> Decimal:
    return sum(
        (
            a.balance
            for a in LedgerAccount.objects.filter(
                program=program, kind=LedgerAccount.Kind.RESERVED
            )
        ),
        Decimal("0.00"),
    )


def objection(n: Notice, **changes) -> Objection:
    fields = {
        "name": "张三",
        "contact": "13800000000",
        "reason": "该企业与服务商为关联方。",
        "client_ip": "203.0.113.9",
    } | changes
    return notice.objection_submit(notice=n, **fields)


# A notice that ran in January.
OVER = {"starts_on": date(2026, 1, 5), "ends_on": date(2026, 1, 9)}


@pytest.fixture
def manager():
    return make_role_user(Role.PROGRAM_MANAGER)


# -- the final approval opens the notice --------------------------------------


def test_the_final_approval_puts_the_application_in_notice_with_its_amount_reserved(
    program,
):
    app = final_approval(program)

    assert app.status == S.IN_NOTICE
    n = app.notice
    assert n.amount == app.requested_subsidy == Decimal("200000.00")
    assert not Voucher.objects.filter(application=app).exists()
    # Five working days from the next working day.
    approved_on = timezone.localdate(app.decided_at)
    assert (n.starts_on, n.ends_on) == notice.notice_dates(5, today=approved_on)
    assert n.starts_on == approved_on
    assert reserved(program) == n.amount
    assert budget_remaining(program) == BUDGET - n.amount
    assert check_ledger() == []
    event = AuditEvent.objects.get(action="notice.started")
    assert event.after["reserved"] == "200000.00"
    assert event.after["ends_on"] == str(n.ends_on)


def test_without_a_notice_period_the_voucher_is_issued_at_once():
    program = make_open_program("TEST-NO-NOTICE-2026")
    app = final_approval(program)
    assert app.status == S.APPROVED
    assert not Notice.objects.exists()


def test_the_yearly_cap_counts_what_is_reserved(program, applicant):
    # what is reserved counts against the cap like a voucher
    enterprise = applicant.memberships.get().enterprise
    first = final_approval(program, applicant=applicant, enterprise=enterprise)
    second = ApplicationFactory(
        at_second_stage=True,
        program=program,
        applicant=applicant,
        enterprise=enterprise,
        amount="800000.00",
    )
    cap = program.versions.latest("pk").parsed().cap_per_enterprise_year
    assert availability(second).cap_remaining == cap - first.notice.amount


def test_the_estimate_of_another_application_counts_what_is_reserved(
    program, applicant
):
    # the SME's estimate uses the cap the same way as the approval
    enterprise = applicant.memberships.get().enterprise
    first = final_approval(program, applicant=applicant, enterprise=enterprise)
    second = ApplicationFactory(
        at_second_stage=True,
        program=program,
        applicant=applicant,
        enterprise=enterprise,
    )
    assert enterprise_year_committed(enterprise, program, exclude=second) == (
        first.notice.amount
    )
    steps = {s["step"]: s for s in application_estimate(second).calculation.steps}
    cap = program.versions.latest("pk").parsed().cap_per_enterprise_year
    assert Decimal(steps["cap_remaining"]["value"]) == cap - first.notice.amount


def test_a_voucher_from_a_december_notice_stays_in_decembers_cap(program, applicant):
    # approved on 29 December, the notice ends in January and the voucher
    # is issued then: it counts in the year it was approved, as its
    # reservation did, not in the new year's cap as well
    enterprise = applicant.memberships.get().enterprise
    app = final_approval(program, applicant=applicant, enterprise=enterprise)
    this_year = timezone.localdate().year
    december = timezone.make_aware(datetime(this_year - 1, 12, 29, 10))
    Notice.objects.filter(pk=app.notice.pk).update(created_at=december)
    used = {"enterprise": enterprise, "program": program}
    assert cap_used_in_year(**used, year=this_year - 1) == app.notice.amount
    assert cap_used_in_year(**used, year=this_year) == 0

    notice.notices_issue_due(today=app.notice.ends_on + timedelta(days=1))

    voucher = Voucher.objects.get(application=app)
    assert timezone.localdate(voucher.issued_at).year == this_year
    assert cap_used_in_year(**used, year=this_year - 1) == voucher.face_value
    assert cap_used_in_year(**used, year=this_year) == 0
    later = ApplicationFactory(
        at_second_stage=True,
        program=program,
        applicant=applicant,
        enterprise=enterprise,
    )
    cap = program.versions.latest("pk").parsed().cap_per_enterprise_year
    assert availability(later).cap_remaining == cap


def test_notice_dates_skip_holidays():
    # approved Wednesday 30 September 2026: that day, then (the National
    # Day holiday is 1-7 October) 8, 9, 10 (a Saturday worked in its place)
    # and 12 October.
    assert notice.notice_dates(5, today=date(2026, 9, 30)) == (
        date(2026, 9, 30),
        date(2026, 10, 12),
    )
    # approved on Sunday 4 October: published at once, its one working day
    # is Thursday 8 October
    assert notice.notice_dates(1, today=date(2026, 10, 4)) == (
        date(2026, 10, 4),
        date(2026, 10, 8),
    )


# -- the end of the notice ------------------------------------------------------


def test_the_voucher_is_issued_the_day_after_the_notice_ends_and_only_once(program):
    app = final_approval(program)
    n = app.notice

    assert notice.notices_issue_due(today=n.ends_on) == 0  # the last day: not yet
    assert notice.notices_issue_due(today=n.ends_on + timedelta(days=1)) == 1
    assert notice.notices_issue_due(today=n.ends_on + timedelta(days=1)) == 0

    n.refresh_from_db()
    app.refresh_from_db()
    assert n.status == N.ISSUED
    assert app.status == S.APPROVED
    assert n.voucher.face_value == Decimal("200000.00")
    assert reserved(program) == 0
    assert budget_remaining(program) == BUDGET - n.amount
    assert check_ledger() == []
    event = AuditEvent.objects.get(action="application.approved", object_id=app.pk)
    assert event.actor is None
    assert event.after["voucher"] == n.voucher.code


def test_an_open_objection_holds_the_voucher_back(program):
    n = final_approval(program).notice
    objection(n)
    assert notice.notices_issue_due(today=n.ends_on + timedelta(days=1)) == 0
    n.refresh_from_db()
    assert n.status == N.IN_NOTICE
    assert reserved(program) == n.amount


def test_dismissing_the_objection_after_the_end_issues_at_once(program, manager):
    n = final_approval(program).notice
    o = objection(n)
    Notice.objects.filter(pk=n.pk).update(**OVER)  # it is over

    notice.objection_dismiss(
        objection=o, manager=manager, reason="经核查不构成关联方。"
    )

    n.refresh_from_db()
    o.refresh_from_db()
    assert o.status == OB.DISMISSED
    assert o.resolved_by == manager
    assert n.status == N.ISSUED
    assert n.application.status == S.APPROVED
    assert check_ledger() == []


def test_dismissing_while_the_notice_runs_lets_it_go_on(program, manager):
    n = final_approval(program).notice
    o = objection(n)
    notice.objection_dismiss(objection=o, manager=manager, reason="不成立。")
    n.refresh_from_db()
    assert n.status == N.IN_NOTICE
    assert notice.notices_issue_due(today=n.ends_on + timedelta(days=1)) == 1


def test_upholding_an_objection_rejects_the_application_and_frees_the_budget(
    program, manager
):
    app = final_approval(program)
    n = app.notice
    first, second = objection(n), objection(n, name="李四")

    notice.objection_uphold(objection=first, manager=manager, reason="存在关联关系。")

    app.refresh_from_db()
    n.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert app.status == S.REJECTED
    assert n.status == N.REJECTED
    assert (first.status, second.status) == (OB.UPHELD, OB.CLOSED)
    assert reserved(program) == 0
    assert budget_remaining(program) == BUDGET
    assert check_ledger() == []
    assert notice.notices_issue_due(today=n.ends_on + timedelta(days=1)) == 0
    assert not Voucher.objects.filter(application=app).exists()
    note = app.notifications.latest("pk")
    assert "存在关联关系" in note.body


# -- refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"contact": ""}, "contact"),
        ({"reason": ""}, "reason"),
        ({"reason": "理" * 2001}, "reason"),
        (
            {"evidence": SimpleUploadedFile("a.exe", b"MZ\x90\x00", "application/pdf")},
            "evidence",
        ),
    ],
)
def test_an_incomplete_objection_is_refused_and_nothing_is_written(
    program, changes, field
):
    n = final_approval(program).notice
    with pytest.raises(ApplicationError) as refused:
        objection(n, **changes)
    assert refused.value.field == field
    assert not Objection.objects.exists()
    assert not AuditEvent.objects.filter(action="notice.objected").exists()


def test_an_objection_with_evidence_keeps_its_fingerprint(program):
    o = objection(final_approval(program).notice, evidence=pdf_upload("证据.pdf"))
    assert o.evidence_type == "application/pdf"
    assert o.evidence_name == "证据.pdf"
    assert len(o.evidence_sha256) == 64
    event = AuditEvent.objects.get(action="notice.objected")
    assert event.actor is None
    assert event.after["evidence_sha256"] == o.evidence_sha256


def test_objections_close_with_the_notice(program):
    n = final_approval(program).notice
    Notice.objects.filter(pk=n.pk).update(**OVER)
    with pytest.raises(ApplicationError) as refused:
        objection(n)
    assert refused.value.code == error_codes.NOTICE_CLOSED


def test_only_a_program_manager_resolves_and_only_once(program, manager):
    o = objection(final_approval(program).notice)
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    with pytest.raises(ApplicationError) as refused:
        notice.objection_dismiss(objection=o, manager=reviewer, reason="不成立")
    assert refused.value.code == error_codes.OUT_OF_SCOPE
    with pytest.raises(ApplicationError) as refused:
        notice.objection_uphold(objection=o, manager=manager, reason="")
    assert refused.value.field == "reason"

    notice.objection_dismiss(objection=o, manager=manager, reason="不成立")
    with pytest.raises(ApplicationError) as refused:
        notice.objection_uphold(objection=o, manager=manager, reason="成立")
    assert refused.value.code == error_codes.OBJECTION_DECIDED


def test_a_version_without_a_notice_reads_back_unchanged():
    from tests.factories import program_params
    from vouchers.programs.params import ProgramParams

    # what was stored before notices existed gains no key when saved again
    params = ProgramParams.from_json(program_params()).to_json()
    assert "public_notice_days" not in params
    assert ProgramParams.from_json(params).to_json() == params
    with_notice = ProgramParams.from_json({**params, "public_notice_days": 5})
    assert with_notice.to_json()["public_notice_days"] == 5
