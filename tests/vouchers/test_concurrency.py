"""Final approvals racing each other on real PostgreSQL connections.

Each test commits its data (``transaction=True``) so that the worker threads,
each on its own database connection, see it; then many threads approve at
the same moment (lined up on a barrier) through the real services. The locks
taken by ``_issue_voucher`` (the enterprise, then the program, then its
budget accounts) must make the outcome exactly what a one-by-one run would
give: never more than the budget, never more than an enterprise's cap, never
silently less than requested, and no deadlock.

A transactional test flushes the database after itself, which takes the
regions and rejection reasons loaded by the migrations with it;
``serialized_rollback`` reloads them (as serialized when the test database
was made) at the start of each such test. pytest-django runs transactional
tests after all the others, so those never see the flushed database.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone, translation

from accounts.roles import Role
from config.exceptions import ApplicationError
from tests import factories
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    make_open_program,
    make_role_user,
    program_params,
    version_changed,
)
from tests.factories.ledger import transfer_key
from vouchers.applications import services as svc
from vouchers.issuance import services as issuance_services
from vouchers.ledger import selectors as ledger
from vouchers.ledger import services as ledger_services
from vouchers.ledger.checks import check_ledger
from vouchers.models import Application, LedgerAccount, LedgerTransfer, Program, Voucher
from vouchers.programs import services
from vouchers.review import services as review

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = Application.Status
SUBSIDY = Decimal("10000.00")  # 50% (SME tier) of a 20,000 yuan compute contract
BARRIER_TIMEOUT = 30


def open_program(code: str, *, budget: dict[str, str], cap: str) -> Program:
    """A Hangzhou compute program with one review stage (city), open."""
    return make_open_program(
        code, review_stages=["city"], budget=budget, cap_per_enterprise_year=cap
    )


def sme_applicant():
    """An applicant and its enterprise (Xihu district, a small enterprise)."""
    user = factories.sme_applicant(region="330106", mfa=False)
    return user, user.memberships.get().enterprise


def complete_draft(program, user, enterprise, provider, number: str) -> Application:
    """A draft with everything submission needs: 20,000 yuan of compute."""
    return ApplicationFactory(
        complete=True,
        program=program,
        applicant=user,
        enterprise=enterprise,
        provider=provider,
        contract_number=number,
        amount="20000.00",
    )


def submitted(program, user, enterprise, provider, number: str) -> Application:
    """A complete application (20,000 yuan of compute) submitted and screened:
    in review at the program's final (only) stage, asking for 10,000."""
    app = complete_draft(program, user, enterprise, provider, number)
    app = svc.application_submit(application=app, user=user)
    assert app.status == S.IN_REVIEW, app.screening.result
    assert app.final_stage
    assert app.requested_subsidy == SUBSIDY
    return app


def approve_all_at_once(
    app_ids: list[int], reviewer, *, expected_amount=None, languages=("en",)
) -> list[tuple]:
    """One thread (so one database connection) per application, all released
    together by a barrier; each approves its application as ``reviewer``.
    Returns per application ("approved", face value) or ("refused", code,
    message) or ("error", repr) for anything else (a deadlock, say)."""
    barrier = threading.Barrier(len(app_ids))

    def approve(i: int, pk: int):
        try:
            with translation.override(languages[i % len(languages)]):
                app = Application.objects.get(pk=pk)  # connects before the start
                barrier.wait(timeout=BARRIER_TIMEOUT)
                try:
                    done = review.application_approve(
                        application=app,
                        reviewer=reviewer,
                        expected_amount=expected_amount,
                    )
                except ApplicationError as exc:
                    return ("refused", exc.code, str(exc.message))
                return ("approved", done.voucher.face_value)
        except Exception as exc:
            return ("error", repr(exc))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(app_ids)) as pool:
        return list(pool.map(approve, range(len(app_ids)), app_ids))


def issued_total(program) -> Decimal:
    return Voucher.objects.filter(program=program).aggregate(s=Sum("face_value"))[
        "s"
    ] or Decimal("0.00")


def test_fifty_parallel_approvals_issue_exactly_what_the_budget_covers():
    # given: a budget for exactly 10 vouchers of 10,000, in two pools (a
    # voucher is drawn across both), and 50 enterprises waiting for approval
    program = open_program(
        "RACE-BUDGET-2026",
        budget={"city": "65000.00", "district": "35000.00"},
        cap="1000000.00",
    )
    provider = ProviderFactory()
    reviewer = make_role_user(Role.REVIEWER, region="330100")  # city level
    apps = []
    for i in range(50):
        user, enterprise = sme_applicant()
        apps.append(submitted(program, user, enterprise, provider, f"HT-B-{i:03d}"))
    assert ledger.budget_remaining(program) == Decimal("100000.00")

    # when: 50 reviewers' clicks land at the same moment
    started = time.monotonic()
    outcomes = approve_all_at_once(
        [a.pk for a in apps], reviewer, languages=("en", "zh-hans")
    )
    elapsed = time.monotonic() - started

    # then: exactly 10 issued, 40 refused as budget exhausted, nothing else
    kinds = Counter(o[0] for o in outcomes)
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert kinds == {"approved": 10, "refused": 40}, outcomes
    assert {o[1] for o in outcomes if o[0] == "approved"} == {SUBSIDY}
    refusals = [o for o in outcomes if o[0] == "refused"]
    assert {o[1] for o in refusals} == {"budget_exhausted"}, refusals
    for _refused, _code, message in refusals:
        assert "budget" in message.lower() or "预算" in message, message
    assert any("budget is exhausted" in m for _r, _c, m in refusals)

    assert Voucher.objects.filter(program=program).count() == 10
    assert issued_total(program) == Decimal("100000.00")
    assert ledger.budget_remaining(program) == Decimal("0.00")
    spent = LedgerTransfer.objects.filter(
        kind="voucher_issued", debit__program=program
    ).aggregate(s=Sum("amount"))["s"]
    assert spent == Decimal("100000.00")
    assert Application.objects.filter(program=program, status=S.APPROVED).count() == 10
    assert Application.objects.filter(program=program, status=S.IN_REVIEW).count() == 40
    assert not Application.objects.filter(
        program=program, voucher__isnull=False
    ).exclude(status=S.APPROVED)
    assert check_ledger() == []
    assert elapsed < 30


def test_parallel_approvals_of_one_enterprise_never_exceed_its_cap():
    # given: one enterprise with ten applications of 10,000 waiting for the
    # final approval, under a cap of 30,000 a year and a budget that covers
    # them all. The screening counts pending applications against the cap,
    # so ten can only be waiting together when they were submitted earlier
    # (last December, here: pending ones of an earlier year do not count);
    # the lock at issuance is then all that holds the cap.
    program = open_program(
        "RACE-CAP-2026", budget={"city": "1000000.00"}, cap="30000.00"
    )
    provider = ProviderFactory()
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    user, enterprise = sme_applicant()
    last_december = timezone.make_aware(datetime(timezone.localdate().year - 1, 12, 20))
    apps = []
    for i in range(10):
        app = submitted(program, user, enterprise, provider, f"HT-C-{i:03d}")
        Application.objects.filter(pk=app.pk).update(submitted_at=last_december)
        apps.append(app)

    # when
    outcomes = approve_all_at_once([a.pk for a in apps], reviewer)

    # then: three vouchers; the other seven refused because the cap is reached
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert Counter(o[0] for o in outcomes) == {"approved": 3, "refused": 7}, outcomes
    refusals = [o for o in outcomes if o[0] == "refused"]
    assert {o[1] for o in refusals} == {"cap_reached"}, refusals
    assert all("cap" in m for _r, _c, m in refusals)
    vouchers = Voucher.objects.filter(enterprise=enterprise, program=program)
    assert vouchers.count() == 3
    assert issued_total(program) == Decimal("30000.00")
    assert ledger.budget_remaining(program) == Decimal("970000.00")
    assert check_ledger() == []


def test_a_racing_approval_never_issues_silently_less_than_requested():
    # given: 15,000 left, two applications asking 10,000 each
    program = open_program(
        "RACE-REDUCED-2026", budget={"city": "15000.00"}, cap="1000000.00"
    )
    provider = ProviderFactory()
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    apps = []
    for i in range(2):
        user, enterprise = sme_applicant()
        apps.append(submitted(program, user, enterprise, provider, f"HT-R-{i:03d}"))

    # when: both are approved at once, as shown (10,000 each)
    outcomes = approve_all_at_once(
        [a.pk for a in apps], reviewer, expected_amount=SUBSIDY
    )

    # then: one gets its 10,000; the other is refused, not given 5,000
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert sorted(o[0] for o in outcomes) == ["approved", "refused"], outcomes
    [approved] = [o for o in outcomes if o[0] == "approved"]
    [refused] = [o for o in outcomes if o[0] == "refused"]
    assert approved[1] == SUBSIDY
    assert refused[1] == "amount_changed"
    assert "5,000.00" in refused[2]  # what is left
    assert "10,000.00" in refused[2]  # what was asked
    assert Voucher.objects.filter(program=program).count() == 1
    assert ledger.budget_remaining(program) == Decimal("5000.00")

    # and the approver who confirms the reduced amount gets exactly that
    loser = next(
        a for a in apps if not Voucher.objects.filter(application_id=a.pk).exists()
    )
    review.application_approve(
        application=loser, reviewer=reviewer, expected_amount=Decimal("5000.00")
    )
    assert Voucher.objects.get(application_id=loser.pk).face_value == Decimal("5000.00")
    assert ledger.budget_remaining(program) == Decimal("0.00")
    assert check_ledger() == []


def test_a_budget_change_during_an_approval_does_not_deadlock():
    """An approval holds the budget accounts and then writes rows that refer
    to the program; a manager's new version locks the program and then the
    same budget accounts (``program_change_params`` → ``program_fund``). Both
    orders at once must not deadlock: the approval takes the program before
    the budget accounts, as every other writer of the budget does."""
    program = open_program(
        "RACE-FUND-2026", budget={"city": "100000.00"}, cap="1000000.00"
    )
    provider = ProviderFactory()
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    user, enterprise = sme_applicant()
    app = submitted(program, user, enterprise, provider, "HT-F-001")
    new_params = program_params(
        "HZ-COMPUTE-2026",
        review_stages=["city"],
        budget={"city": "200000.00"},
        cap_per_enterprise_year="1000000.00",
    )

    pools_locked = threading.Event()
    manager_blocked = threading.Event()
    manager_pid: list[int] = []
    real_notice_accounts_lock = issuance_services.notice_accounts_lock

    def budget_accounts_then_wait(program):
        pools = real_notice_accounts_lock(program)
        if threading.current_thread() is approver:
            # the approval holds its locks: let the manager run into them
            pools_locked.set()
            if _wait_until_blocked(manager_pid):
                manager_blocked.set()
        return pools

    def approve():
        try:
            review.application_approve(application=app, reviewer=reviewer)
            return "ok"
        except Exception as exc:
            return repr(exc)
        finally:
            connections.close_all()

    def change_budget():
        try:
            connection.ensure_connection()
            manager_pid.append(connection.connection.info.backend_pid)
            assert pools_locked.wait(timeout=10)
            version_changed(
                program=program, params=new_params, actor=None, note="more money"
            )
            return "ok"
        except Exception as exc:
            return repr(exc)
        finally:
            connections.close_all()

    results: dict[str, str] = {}
    approver = threading.Thread(target=lambda: results.update(approval=approve()))
    manager = threading.Thread(target=lambda: results.update(manager=change_budget()))
    with mock.patch.object(
        issuance_services, "notice_accounts_lock", budget_accounts_then_wait
    ):
        approver.start()
        manager.start()
        approver.join(timeout=30)
        manager.join(timeout=30)

    assert results == {"approval": "ok", "manager": "ok"}, results
    assert manager_blocked.is_set()  # the two did overlap
    assert Voucher.objects.get(application=app).face_value == SUBSIDY
    assert ledger.budget_remaining(program) == Decimal("190000.00")
    assert check_ledger() == []


def test_a_submission_waiting_on_the_program_closing_is_refused():
    # given: a complete draft in an open program
    program = open_program(
        "TEST-CLOSE-2026", budget={"city": "100000.00"}, cap="50000.00"
    )
    user, enterprise = sme_applicant()
    draft = complete_draft(program, user, enterprise, ProviderFactory(), "HT-C-001")
    closed, submitter_pid = threading.Event(), []
    results: dict[str, object] = {}

    def close():
        # The program manager closes the program and holds the lock a while.
        try:
            with transaction.atomic():
                services.program_set_status(
                    program=program, to_status=Program.Status.CLOSED, actor=None
                )
                closed.set()
                results["overlapped"] = _wait_until_blocked(submitter_pid)
        finally:
            connections.close_all()

    def submit():
        try:
            connection.ensure_connection()
            submitter_pid.append(connection.connection.info.backend_pid)
            assert closed.wait(timeout=10)
            svc.application_submit(application=draft, user=user)
            results["submit"] = "submitted"
        except ApplicationError as exc:
            results["submit"] = exc.code
        finally:
            connections.close_all()

    # when: the applicant submits while the closing holds the program
    threads = [threading.Thread(target=close), threading.Thread(target=submit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    # then: the submission waited, saw the program closed, and changed nothing
    assert results == {"overlapped": True, "submit": "closed"}, results
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert draft.number is None


def test_opposite_transfers_between_two_accounts_do_not_deadlock():
    """A hold and its void move money both ways between the same two
    accounts at once: each transfer updates the two balances in primary-key
    order, so the second waits for the first instead of deadlocking."""
    # given: two accounts of a program, both with money
    program = open_program(
        "TEST-TRANSFER-2026", budget={"city": "1000.00"}, cap="500.00"
    )
    [pool] = ledger.budget_accounts(program)
    other = ledger_services.account(program, LedgerAccount.Kind.RELEASED)
    with transaction.atomic():
        ledger_services.transfer(
            debit=pool,
            credit=other,
            amount=Decimal("100.00"),
            kind="budget_reduced",
            key=transfer_key(),
        )
    paused, go, second_pid = threading.Event(), threading.Event(), []
    results: dict[str, str] = {}

    def pause_after_first_balance_update(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('UPDATE "vouchers_ledgeraccount"') and not paused.is_set():
            paused.set()
            assert go.wait(timeout=10)
        return result

    def first():  # pool → other, pausing between its two balance updates
        try:
            with (
                connection.execute_wrapper(pause_after_first_balance_update),
                transaction.atomic(),
            ):
                ledger_services.transfer(
                    debit=pool,
                    credit=other,
                    amount=Decimal("10.00"),
                    kind="budget_reduced",
                    key=transfer_key(),
                )
            results["first"] = "ok"
        except Exception as exc:
            results["first"] = repr(exc)
        finally:
            connections.close_all()

    def second():  # other → pool, while the first is half done
        try:
            connection.ensure_connection()
            second_pid.append(connection.connection.info.backend_pid)
            assert paused.wait(timeout=10)
            with transaction.atomic():
                ledger_services.transfer(
                    debit=other,
                    credit=pool,
                    amount=Decimal("5.00"),
                    kind="budget_reduced",
                    key=transfer_key(),
                )
            results["second"] = "ok"
        except Exception as exc:
            results["second"] = repr(exc)
        finally:
            connections.close_all()

    # when: the second waits on a lock the first holds, then the first goes on
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    blocked = _wait_until_blocked(second_pid)
    go.set()
    for t in threads:
        t.join(timeout=30)

    # then: both committed, and the balances are what both say
    assert blocked
    assert results == {"first": "ok", "second": "ok"}, results
    pool.refresh_from_db()
    other.refresh_from_db()
    assert other.balance == Decimal("105.00")
    assert pool.balance == Decimal("895.00")
    assert check_ledger() == []


def _wait_until_blocked(pids: list[int], timeout: float = 5.0) -> bool:
    """Until the other connection waits for a lock (False if it does not
    within ``timeout``): it then holds whatever it took before asking."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    [pids[0]],
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return True
        time.sleep(0.02)
    return False
