"""The public notice's reservation and the regional quotas under real
concurrent connections: parallel final approvals reserve no more than the
budget and draw no more than their city's quota, and an objection racing
the issuance either holds the voucher back or comes too late, never both."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections

from accounts.roles import Role
from config.exceptions import ApplicationError
from tests.factories import ProviderFactory, make_open_program, make_role_user
from tests.vouchers.test_concurrency import sme_applicant, submitted
from vouchers.ledger import selectors as ledger
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import quota_unused
from vouchers.models import Application, Notice, Objection, Voucher
from vouchers.notice import services as notices
from vouchers.review import services as review

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = Application.Status
BARRIER_TIMEOUT = 30


def in_threads(*calls):
    """Run each call in its own thread (own connection), released together.
    Returns each one's ("ok", result), ("refused", code) or ("error", repr)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            connections["default"].ensure_connection()
            barrier.wait(timeout=BARRIER_TIMEOUT)
            try:
                return ("ok", call())
            except ApplicationError as exc:
                return ("refused", exc.code)
        except Exception as exc:
            return ("error", repr(exc))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def approve_at_once(apps, reviewer):
    """Each application's final approval in its own thread, all at once:
    the status each ends in, or the refusal's code."""
    return in_threads(
        *[
            (
                lambda pk=a.pk: (
                    review.application_approve(
                        application=Application.objects.get(pk=pk), reviewer=reviewer
                    ).status
                )
            )
            for a in apps
        ]
    )


def notice_program(code: str, budget: str):
    return make_open_program(
        code,
        review_stages=["city"],
        budget={"city": budget},
        cap_per_enterprise_year="1000000.00",
        public_notice_days=5,
    )


def test_parallel_final_approvals_reserve_no_more_than_the_budget():
    # given: a budget for 3 subsidies of 10,000 and 12 applications at their
    # final stage
    program = notice_program("RACE-NOTICE-2026", "30000.00")
    provider = ProviderFactory()
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    apps = []
    for i in range(12):
        user, enterprise = sme_applicant()
        apps.append(submitted(program, user, enterprise, provider, f"HT-N-{i:03d}"))

    # when: all approved at the same moment
    outcomes = approve_at_once(apps, reviewer)

    # then: three in notice with 10,000 reserved each, nine refused
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(outcomes) == {
        ("ok", S.IN_NOTICE): 3,
        ("refused", "budget_exhausted"): 9,
    }
    assert ledger.budget_remaining(program) == Decimal("0.00")
    assert Notice.objects.filter(program=program).count() == 3
    assert check_ledger() == []

    # and: once the notices end, the three vouchers are issued from the
    # reservations, in two workers at once, each once
    day_after = Notice.objects.filter(program=program).first().ends_on + timedelta(1)
    issued = in_threads(
        lambda: notices.notices_issue_due(today=day_after),
        lambda: notices.notices_issue_due(today=day_after),
    )
    assert sum(n for _ok, n in issued) == 3, issued
    assert Voucher.objects.filter(program=program).count() == 3
    assert ledger.budget_remaining(program) == Decimal("0.00")
    assert check_ledger() == []


def test_an_objection_racing_the_issuance_never_lets_both_through():
    program = notice_program("RACE-OBJECTION-2026", "100000.00")
    user, enterprise = sme_applicant()
    app = submitted(program, user, enterprise, ProviderFactory(), "HT-NO-1")
    app = review.application_approve(
        application=app, reviewer=make_role_user(Role.REVIEWER, region="330100")
    )
    notice = Notice.objects.get(application=app)
    Notice.objects.filter(pk=notice.pk).update(
        starts_on=notice.starts_on - timedelta(1)
    )

    # when: someone objects on the notice's last day while a worker, whose
    # clock already says the next day, issues the voucher
    outcomes = in_threads(
        lambda: notices.notice_issue(
            notice=notice, today=notice.ends_on + timedelta(1)
        ),
        lambda: (
            notices.objection_submit(
                notice=notice, name="张三", contact="138", reason="关联方"
            ).pk
        ),
    )

    # then: either the voucher was issued and the objection came too late,
    # or the objection holds the voucher back
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    issued, objected = outcomes
    notice.refresh_from_db()
    if issued == ("ok", True):
        assert objected == ("refused", "notice_closed")
        assert notice.status == Notice.Status.ISSUED
        assert not Objection.objects.exists()
    else:
        assert issued == ("ok", False)
        assert objected[0] == "ok"
        assert notice.status == Notice.Status.IN_NOTICE
        assert not Voucher.objects.filter(application=app).exists()
    assert check_ledger() == []


def test_parallel_approvals_draw_no_more_than_their_citys_quota():
    # given: 30,000 for Hangzhou (3 subsidies of 10,000), 70,000 shared the
    # city may not fall back on, and 6 Hangzhou applications at the final stage
    program = make_open_program(
        "RACE-QUOTA-2026",
        region="330000",
        review_stages=["city"],
        budget={"province": "100000.00"},
        cap_per_enterprise_year="1000000.00",
        quotas={"330100": "30000.00"},
        quota_shared_pool=False,
    )
    provider = ProviderFactory()
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    apps = []
    for i in range(6):
        user, enterprise = sme_applicant()
        apps.append(submitted(program, user, enterprise, provider, f"HT-QR-{i:03d}"))

    outcomes = approve_at_once(apps, reviewer)

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(outcomes) == {
        ("ok", S.APPROVED): 3,
        ("refused", "budget_exhausted"): 3,
    }
    unused = quota_unused(program)
    assert unused == {"330100": Decimal("0.00"), None: Decimal("70000.00")}
    assert check_ledger() == []
