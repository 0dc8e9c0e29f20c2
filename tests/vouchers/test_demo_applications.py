"""The demo applications (`vouchers.demo_applications`, loaded by
`manage.py load_demo`): every state in every program, made through the
services, each waiting in the queue of a demo reviewer who can sign in."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditEvent
from vouchers.demo.applications import (
    DEMO_APPLICATIONS,
    EXTRA_REVIEWERS,
    MARKER,
    load_application_demo,
)
from vouchers.ledger.checks import check_ledger
from vouchers.models import (
    Application,
    Notice,
    Notification,
    Objection,
    Program,
    Voucher,
)
from vouchers.review.selectors import review_queue

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def loaded(demo_loaded):
    return demo_loaded


def _queue(email: str) -> list[str]:
    user = get_user_model().objects.get(email=email)
    return sorted(a.contract_number for a in review_queue(user=user))


def test_every_state_in_every_program(loaded):
    # then
    demo = Application.objects.filter(contract_number__startswith=MARKER)
    assert demo.count() == len(DEMO_APPLICATIONS) == 19
    assert Counter(demo.values_list("status", flat=True)) == {
        S.DRAFT: 1,
        S.IN_REVIEW: 7,
        S.IN_NOTICE: 1,
        S.RETURNED: 1,
        S.APPROVED: 3,
        S.REJECTED: 4,
        S.WITHDRAWN: 2,
    }
    for code in ("HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026"):
        statuses = set(demo.filter(program__code=code).values_list("status", flat=True))
        assert {S.IN_REVIEW, S.APPROVED, S.REJECTED} <= statuses, code
    waiting = Counter(
        demo.filter(status=S.IN_REVIEW).values_list("program__code", "stage_level")
    )
    assert waiting == {
        ("HZ-COMPUTE-2026", "county"): 1,
        ("HZ-COMPUTE-2026", "city"): 1,
        ("ZJ-MODEL-2026", "county"): 1,
        ("ZJ-MODEL-2026", "city"): 1,
        ("ZJ-MODEL-2026", "province"): 1,
        ("ZJ-BENCHMARK-2026", "city"): 2,
    }


def test_the_demo_applicant_has_one_of_each(loaded):
    # then
    mine = Application.objects.filter(
        created_by__email="applicant@example.com"
    ).order_by("contract_number")
    assert [(a.program.code, a.status) for a in mine] == [
        ("ZJ-BENCHMARK-2026", S.REJECTED),
        ("HZ-COMPUTE-2026", S.APPROVED),
        ("HZ-COMPUTE-2026", S.IN_REVIEW),
        ("HZ-COMPUTE-2026", S.DRAFT),
        ("ZJ-MODEL-2026", S.RETURNED),
    ]
    rejected, approved, waiting, draft, returned = mine
    # rejected by a rule at screening, with nobody's review
    failed = [
        r["code"] for r in rejected.screening.result["rules"] if r["outcome"] == "fail"
    ]
    assert failed == ["benchmark_investment"]
    assert not rejected.reviews.exists()
    # approved by Xihu then Hangzhou, with a voucher funded from the budget
    assert [r.reviewer.email for r in approved.reviews.all()] == [
        "reviewer.xihu@example.com",
        "reviewer.hangzhou@example.com",
    ]
    assert approved.voucher.face_value == approved.requested_subsidy > 0
    assert waiting.stage_level == "county"
    assert draft.number is None
    assert draft.documents.count() == 1
    note = returned.reviews.get(decision="return")
    assert note.reviewer.email == "reviewer.hangzhou@example.com"
    assert note.note
    assert note.reasons == ["documents-incomplete"]
    # in review, moved on to the city, returned: three notifications
    notes = Notification.objects.filter(user__email="applicant@example.com")
    assert notes.filter(application=returned).count() == 3


def test_vouchers_ledger_and_audit_trail_are_real(loaded):
    # then
    assert Voucher.objects.count() == 3
    assert set(Voucher.objects.values_list("program__code", flat=True)) == {
        "HZ-COMPUTE-2026",
        "ZJ-MODEL-2026",
        "ZJ-BENCHMARK-2026",
    }
    assert check_ledger() == []
    for application in Application.objects.exclude(status=S.DRAFT):
        actions = set(
            AuditEvent.objects.filter(
                object_type="vouchers.application", object_id=str(application.pk)
            ).values_list("action", flat=True)
        )
        assert {"application.created", "application.submitted"} <= actions, actions


def test_each_waiting_application_is_in_a_demo_reviewers_queue(loaded):
    # then: what each demo reviewer sees at sign-in
    assert _queue("reviewer.xihu@example.com") == ["DEMO-HZC-0002", "DEMO-MOD-0008"]
    assert _queue("reviewer.hangzhou@example.com") == [
        "DEMO-BMK-0007",
        "DEMO-HZC-0006",
    ]
    # (BMK-0018's final approval put it in public notice: vouchers/demo/notice.py)
    assert _queue("reviewer.province@example.com") == ["DEMO-MOD-0009"]
    assert _queue("reviewer.ningbo@example.com") == ["DEMO-BMK-0014", "DEMO-MOD-0015"]
    assert _queue("manager@example.com") == [
        "DEMO-HZC-0006",
        "DEMO-MOD-0009",
    ]
    reviewers = [
        "reviewer.xihu@example.com",
        "reviewer.hangzhou@example.com",
        "reviewer.province@example.com",
        *(email for email, _name, _region in EXTRA_REVIEWERS),
    ]
    in_queues = {number for email in reviewers for number in _queue(email)}
    waiting = set(
        Application.objects.filter(status=S.IN_REVIEW).values_list(
            "contract_number", flat=True
        )
    )
    assert waiting == in_queues


def test_added_reviewers_are_printed_with_their_totp_secret(loaded):
    # then
    for email, _name, _region in EXTRA_REVIEWERS:
        line = next(x for x in loaded.splitlines() if email in x)
        assert "Reviewer" in line or "审核" in line, line
        after = loaded.split(email, 1)[1].splitlines()[1]
        assert "TOTP secret" in after, after
    assert "applications 19" in loaded
    assert "reviewers 5" in loaded


def test_a_second_run_makes_nothing_and_still_returns_the_logins(loaded):
    # given
    manager = get_user_model().objects.get(email="manager@example.com")
    events = AuditEvent.objects.count()

    # when
    again = load_application_demo(manager=manager)

    # then
    assert again["applications"] == again["reviewers"] == 0
    assert again["skipped"] == "already loaded"
    assert [row[1] for row in again["logins"]] == [e for e, _n, _r in EXTRA_REVIEWERS]
    assert AuditEvent.objects.count() == events


def test_the_demo_reviewers_see_their_applications_on_the_queue_page(loaded, client):
    # given
    reviewer = get_user_model().objects.get(email="reviewer.ningbo@example.com")
    client.force_login(reviewer)

    # when
    response = client.get(reverse("review:queue"))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    waiting = Application.objects.filter(
        contract_number__in=["DEMO-BMK-0014", "DEMO-MOD-0015"]
    )
    for application in waiting:
        assert application.number in page
    assert page.count('data-testid="queue-row"') == 2


def test_the_model_voucher_has_a_verified_and_a_waiting_reimbursement(loaded, client):
    # given the demo, loaded once for the module
    from vouchers.demo.reimbursements import VERIFIER
    from vouchers.models import Reimbursement

    # then
    claims = {r.status: r for r in Reimbursement.objects.select_related("program")}
    assert set(claims) == {"verified", "submitted"}
    assert {r.program.code for r in claims.values()} == {"ZJ-MODEL-2026"}
    verified = claims["verified"]
    assert verified.verified_amount < verified.amount
    assert verified.decision_reason
    assert check_ledger() == []
    # and the waiting one is on the Haishu reviewer's page
    client.force_login(get_user_model().objects.get(email=VERIFIER))
    page = client.get(reverse("vouchers:reimbursements")).content.decode()
    assert claims["submitted"].invoice_number in page


def test_one_voucher_has_expired_and_one_has_a_clawback_half_repaid(loaded):
    from vouchers.models import Clawback

    expired = Voucher.objects.get(status=Voucher.Status.EXPIRED)
    assert expired.program.code == "ZJ-BENCHMARK-2026"
    # closed_at is stored in UTC; the validity date is the province's
    assert expired.expires_on < timezone.localdate(expired.closed_at)
    clawback = Clawback.objects.get()
    assert clawback.status == "open"
    assert clawback.repaid == clawback.amount / 2
    assert check_ledger() == []


def test_one_application_is_in_public_notice_with_one_objection(loaded):
    # then: the benchmark program brought the notice in with a second
    # version (four eyes), and BMK-0018's final approval reserved its subsidy
    program = Program.objects.get(code="ZJ-BENCHMARK-2026")
    version = program.versions.latest("number")
    assert version.parsed().public_notice_days == 5
    change = version.change
    assert change.proposed_by.email == "manager.deputy@example.com"
    assert change.decided_by.email == "manager@example.com"
    notice = Notice.objects.get()
    assert notice.application.contract_number == "DEMO-BMK-0018"
    assert notice.application.status == S.IN_NOTICE
    assert notice.status == Notice.Status.IN_NOTICE
    assert notice.starts_on <= timezone.localdate() <= notice.ends_on
    [objection] = notice.objections.all()
    assert objection.status == Objection.Status.OPEN
    assert not Voucher.objects.filter(application=notice.application).exists()
    assert check_ledger() == []
