"""ApplicationFactory reaches each state through the services."""

import pytest

from tests.factories import ApplicationFactory, make_open_program
from vouchers.models import Application, Voucher

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.mark.parametrize(
    ("trait", "status", "stage_level"),
    [
        ({}, S.DRAFT, ""),
        ({"with_contract": True}, S.DRAFT, ""),
        ({"complete": True}, S.DRAFT, ""),
        ({"submitted": True}, S.IN_REVIEW, "county"),
        ({"at_second_stage": True}, S.IN_REVIEW, "city"),
        ({"approved": True}, S.APPROVED, "city"),
        ({"returned": True}, S.RETURNED, "county"),
        ({"rejected": True}, S.REJECTED, "county"),
        ({"withdrawn": True}, S.WITHDRAWN, "county"),
    ],
)
def test_each_trait_ends_in_its_state(trait, status, stage_level):
    application = ApplicationFactory(**trait)
    assert application.status == status
    assert application.stage_level == stage_level


def test_a_draft_with_its_contract_has_the_amounts_but_no_documents():
    application = ApplicationFactory(with_contract=True)
    assert str(application.eligible_amount) == "400000.00"
    assert not application.documents.exists()


def test_approval_issues_the_subsidy_asked_for():
    application = ApplicationFactory(approved=True, amount="100000.00")
    assert str(Voucher.objects.get(application=application).face_value) == "50000.00"


def test_a_one_stage_program_is_approved_by_its_only_stage():
    program = make_open_program("TEST-ONE-STAGE-2026", review_stages=["city"])
    application = ApplicationFactory(program=program, approved=True)
    assert application.status == S.APPROVED
