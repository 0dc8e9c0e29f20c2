"""The whole path through the services: draft → submit (screened) → county
approves → city returns → corrected and resubmitted → county and city
approve → voucher issued from the budget; the ledger holds."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.roles import Role
from config.exceptions import ApplicationError
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    demo_program,
    department_for,
    make_role_user,
    membership,
    sme_applicant,
    version_changed,
)
from tests.factories.ledger import transfer_key
from tests.factories.vouchers import consistent_citations
from vouchers.applications import services as svc
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import budget_remaining, voucher_balance
from vouchers.ledger.services import account, transfer
from vouchers.lock_objects import budget_accounts_lock
from vouchers.models import Application
from vouchers.review import services as review

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The Hangzhou program, a small Xihu enterprise's applicant, the county
    and city reviewers and an approved provider."""
    program = demo_program()
    applicant = sme_applicant()
    enterprise = applicant.memberships.get().enterprise
    county = make_role_user(Role.REVIEWER, region="330106")
    city = make_role_user(Role.REVIEWER, region="330100")
    provider = ProviderFactory()
    return program, applicant, enterprise, county, city, provider


def _draft(program, applicant, enterprise, provider, number="HT-2026-001"):
    """A complete draft: 400,000 of compute and 50,000 of storage (left out)."""
    return ApplicationFactory(
        complete=True,
        program=program,
        applicant=applicant,
        enterprise=enterprise,
        provider=provider,
        contract_number=number,
        lines=[
            svc.LineInput("compute", "GPU 卡时", Decimal("400000.00")),
            svc.LineInput("storage", "存储", Decimal("50000.00")),
        ],
    )


def test_the_whole_path_issues_a_voucher_and_the_ledger_holds(world):
    program, applicant, enterprise, county, city, provider = world
    budget_before = budget_remaining(program)
    app = _draft(program, applicant, enterprise, provider)
    assert app.eligible_amount == Decimal("400000.00")  # storage excluded

    app = svc.application_submit(application=app, user=applicant)
    assert app.status == Application.Status.IN_REVIEW
    assert app.stage_level == "county"
    assert app.requested_subsidy == Decimal("200000.00")

    review.application_approve(application=app, reviewer=county)
    app.refresh_from_db()
    assert app.stage_level == "city"
    assert app.final_stage

    review.application_return(application=app, reviewer=city, note="合同附件缺页")
    app.refresh_from_db()
    assert app.status == Application.Status.RETURNED

    app = svc.application_submit(application=app, user=applicant)
    assert app.revision == 2
    assert app.stage == 0
    assert app.reviews.filter(invalidated_at__isnull=True).count() == 0

    review.application_approve(application=app, reviewer=county)
    review.application_approve(application=app, reviewer=city)
    app.refresh_from_db()
    assert app.status == Application.Status.APPROVED
    voucher = app.voucher
    assert voucher.face_value == Decimal("200000.00")
    assert voucher_balance(voucher) == Decimal("200000.00")
    assert budget_remaining(program) == budget_before - Decimal("200000.00")
    assert check_ledger() == []


def test_a_reviewer_outside_the_region_or_stage_is_refused(world):
    program, applicant, enterprise, _county, city, provider = world
    app = svc.application_submit(
        application=_draft(program, applicant, enterprise, provider), user=applicant
    )
    ningbo = make_role_user(Role.REVIEWER, region="330203")
    with pytest.raises(ApplicationError) as outside:
        review.application_approve(application=app, reviewer=ningbo)
    with pytest.raises(ApplicationError) as next_stage:
        review.application_approve(application=app, reviewer=city)
    assert outside.value.code == "scope"
    assert next_stage.value.code == "scope"


def test_nobody_decides_two_stages_of_one_application(world):
    # given: one person reviewing for the county and for the city
    program, applicant, enterprise, _county, _city, provider = world
    both = make_role_user(Role.REVIEWER, region="330106")
    membership(both, Role.REVIEWER, department_for("330100"))
    app = svc.application_submit(
        application=_draft(program, applicant, enterprise, provider), user=applicant
    )
    review.application_approve(application=app, reviewer=both)
    app.refresh_from_db()
    assert app.stage_level == "city"

    # when: the same person decides the city stage
    with pytest.raises(ApplicationError) as info:
        review.application_approve(application=app, reviewer=both)

    # then: refused for deciding two stages, though the city is in scope
    assert info.value.code == "two_stages"
    app.refresh_from_db()
    assert app.status == Application.Status.IN_REVIEW
    assert app.stage_level == "city"


def test_the_same_contract_cannot_be_claimed_twice(world):
    program, applicant, enterprise, _county, _city, provider = world
    svc.application_submit(
        application=_draft(program, applicant, enterprise, provider), user=applicant
    )
    second = _draft(program, applicant, enterprise, provider)
    second = svc.application_submit(application=second, user=applicant)
    assert second.status == Application.Status.REJECTED
    outcomes = {r["code"]: r["outcome"] for r in second.screening.result["rules"]}
    assert outcomes["one_contract_one_claim"] == "fail"


def _without_the_contract_rule(program):
    """A new version of the program without the one-contract-one-claim rule,
    so that only the database's unique index stands guard."""
    version = program.versions.order_by("-number").first()
    params = {**version.params}
    params["rules"] = {
        k: v for k, v in params["rules"].items() if k != "one_contract_one_claim"
    }
    params = consistent_citations(params)
    version_changed(program=program, params=params, actor=None)


def test_the_unique_index_refuses_a_second_live_claim_of_a_contract(world):
    # given: a program whose rules would not catch it
    program, applicant, enterprise, _county, _city, provider = world
    _without_the_contract_rule(program)
    svc.application_submit(
        application=_draft(program, applicant, enterprise, provider), user=applicant
    )
    second = _draft(program, applicant, enterprise, provider)

    # when
    with pytest.raises(ApplicationError) as info:
        svc.application_submit(application=second, user=applicant)

    # then: said so beside the contract number, and nothing changed
    assert info.value.code == "duplicate_contract"
    assert info.value.field == "contract_number"
    second.refresh_from_db()
    assert second.status == Application.Status.DRAFT


def test_another_integrity_error_is_not_called_a_claimed_contract(world, monkeypatch):
    # given: a submission whose number collides with another's (a bug)
    program, applicant, enterprise, _county, _city, provider = world
    first = svc.application_submit(
        application=_draft(program, applicant, enterprise, provider), user=applicant
    )
    second = _draft(program, applicant, enterprise, provider, number="HT-2026-002")
    monkeypatch.setattr(svc, "_next_number", lambda program: first.number)

    # when / then: the error is not reported as a contract claimed twice
    with pytest.raises(IntegrityError), transaction.atomic():
        svc.application_submit(application=second, user=applicant)
    second.refresh_from_db()
    assert second.status == Application.Status.DRAFT


def test_a_reduced_amount_must_be_confirmed(world):
    program, applicant, enterprise, county, city, provider = world
    app = svc.application_submit(
        application=_draft(program, applicant, enterprise, provider), user=applicant
    )
    review.application_approve(application=app, reviewer=county)
    # the budget shrinks to 1,000 yuan before the final approval
    with transaction.atomic():
        [pool] = budget_accounts_lock(program)
        transfer(
            debit=pool,
            credit=account(program, "released"),
            amount=pool.balance - Decimal("1000.00"),
            kind="budget_reduced",
            key=transfer_key(),
        )
    with pytest.raises(ApplicationError) as exc:
        review.application_approve(application=app, reviewer=city)
    assert exc.value.code == "amount_changed"
    review.application_approve(
        application=app, reviewer=city, expected_amount=Decimal("1000.00")
    )
    app.refresh_from_db()
    assert app.voucher.face_value == Decimal("1000.00")
    assert check_ledger() == []
