"""The applicant's application pages, through the Django test client: the
steps with their autosaved drafts and server-side checks, submission with
the live estimate, the receipt PDF, the timeline, withdrawing, correcting a
returned application, and the scoping of every page to the enterprise's
members."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.roles import Role
from config.exceptions import ApplicationError
from enterprises.models import Enterprise, Provider
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    UserFactory,
    demo_program,
    make_role_user,
    membership,
    pdf_upload,
    sme_applicant,
)
from tests.factories.ledger import transfer_key
from vouchers.applications import services as svc
from vouchers.applications.documents import RECEIPT_TEMPLATE, receipt_context
from vouchers.applications.selectors import required_documents
from vouchers.ledger.services import account, transfer
from vouchers.lock_objects import budget_accounts_lock
from vouchers.models import (
    Application,
    ApplicationDocument,
    LineItem,
    Notification,
    Program,
)
from vouchers.programs.selectors import program_accepts_submissions
from vouchers.review import services as review

pytestmark = pytest.mark.django_db


@dataclass
class World:
    program: Program
    applicant: object
    enterprise: Enterprise
    provider: Provider
    county: object  # Xihu reviewer
    city: object  # Hangzhou reviewer


@pytest.fixture
def world() -> World:
    """An SME applicant in Xihu, the Hangzhou compute program (50% up to a
    yearly total of 500,000 for SMEs; storage, network and security left
    out), an approved domestic compute provider, and the two reviewers."""
    applicant = sme_applicant(region="330106")
    return World(
        program=demo_program("HZ-COMPUTE-2026"),
        applicant=applicant,
        enterprise=applicant.memberships.get().enterprise,
        provider=ProviderFactory(),
        county=make_role_user(Role.REVIEWER, region="330106"),
        city=make_role_user(Role.REVIEWER, region="330100"),
    )


@pytest.fixture
def applicant_client(client, world):
    client.force_login(world.applicant)
    return client


def url(name, application=None, **kwargs):
    if application is not None:
        kwargs["pk"] = application.pk
    return reverse(f"applications:{name}", kwargs=kwargs or None)


def contract_data(provider, /, **changes):
    """The contract step's fields: a compute line and a storage line."""
    data = {
        "provider": str(provider.pk),
        "offering": "",
        "contract_number": "HT-2026-001",
        "signed_on": "2026-03-01",
        "term_months": "12",
        "year_contract_total": "",
        "line_0_category": "compute",
        "line_0_description": "GPU 卡时",
        "line_0_amount": "400000.00",
        "line_1_category": "storage",
        "line_1_description": "存储",
        "line_1_amount": "50000.00",
        "action": "continue",
    }
    return data | changes


def documents_data(kinds, action="continue"):
    return {"action": action, **{kind: pdf_upload(f"{kind}.pdf") for kind in kinds}}


def draft(world, number="HT-2026-001") -> Application:
    """A complete draft: 400,000 of compute and 50,000 of storage."""
    return ApplicationFactory(
        complete=True,
        program=world.program,
        applicant=world.applicant,
        enterprise=world.enterprise,
        provider=world.provider,
        contract_number=number,
        lines=[
            svc.LineInput("compute", "GPU 卡时", Decimal("400000.00")),
            svc.LineInput("storage", "存储", Decimal("50000.00")),
        ],
    )


def submitted(world, number="HT-2026-001") -> Application:
    return svc.application_submit(
        application=draft(world, number), user=world.applicant
    )


def test_the_applicant_path_through_the_pages(world, applicant_client):
    client = applicant_client

    # given: a new application for the enterprise and the program
    response = client.post(
        url("new"), {"enterprise": world.enterprise.pk, "program": world.program.pk}
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("contract", application)

    # when: the contract has a storage line, which the program leaves out
    response = client.post(url("contract", application), contract_data(world.provider))

    # then
    assert response["Location"] == url("documents", application)
    application.refresh_from_db()
    assert application.contract_amount == Decimal("450000.00")
    assert application.eligible_amount == Decimal("400000.00")
    assert application.draft == {"contract": {}}

    # when: the three documents are uploaded
    kinds = required_documents(application)
    assert set(kinds) == {"contract", "quote", "commitment"}
    response = client.post(url("documents", application), documents_data(kinds))

    # then
    assert response["Location"] == url("review", application)
    assert application.documents.count() == 3

    # when: the review page shows the live result
    content = client.get(url("review", application)).content.decode()

    # then: 50% of the eligible 400,000 (the storage line is out)
    assert 'data-testid="rate">50%<' in content
    assert 'data-testid="subsidy">200,000.00<' in content
    assert 'data-testid="excluded"' in content
    assert 'data-testid="missing"' not in content

    # when: submitted
    response = client.post(url("review", application))

    # then
    assert response["Location"] == url("detail", application)
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.number == "HZ-COMPUTE-2026-000001"
    content = client.get(url("detail", application)).content.decode()
    assert 'data-status="in_review"' in content
    assert application.number in content
    assert url("receipt", application) in content
    assert url("withdraw", application) in content
    assert 'data-testid="excluded"' in content

    # and: the receipt downloads as a PDF with the number in it
    response = client.get(url("receipt", application))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    html = render_to_string(RECEIPT_TEMPLATE, receipt_context(application))
    assert application.number in html
    assert world.enterprise.uscc in html
    assert "200,000.00" in html
    assert "WenQuanYi Micro Hei" in html

    # and: the list shows it with its estimated subsidy
    content = client.get(url("list")).content.decode()
    assert application.number in content
    assert "200,000.00" in content


def test_opening_the_application_reads_its_notifications(world, applicant_client):
    # given: the submission notified the applicant
    application = submitted(world)
    unread = Notification.objects.filter(user=world.applicant, read_at__isnull=True)
    assert unread.filter(application=application).exists()
    assert (
        'data-testid="notifications"'
        in applicant_client.get(url("list")).content.decode()
    )

    # when
    applicant_client.get(url("detail", application))

    # then
    assert not unread.exists()
    assert (
        'data-testid="notifications"'
        not in applicant_client.get(url("list")).content.decode()
    )


def test_the_draft_keeps_invalid_input(world, applicant_client):
    # given
    application = svc.application_create(
        enterprise=world.enterprise, program=world.program, user=world.applicant
    )

    # when: an amount that is not a number
    response = applicant_client.post(
        url("contract", application),
        contract_data(world.provider, line_0_amount="12abc", contract_number="HT-X"),
    )

    # then: the error beside the field, nothing saved by the service
    assert response.status_code == 200
    assert 'id="id_line_0_amount_error"' in response.content.decode()
    assert not LineItem.objects.exists()

    # when: coming back to the step
    content = applicant_client.get(url("contract", application)).content.decode()

    # then: the input is still there as typed
    assert 'value="12abc"' in content
    assert 'value="HT-X"' in content
    assert 'data-testid="from-draft"' in content


def test_save_draft_and_the_autosave_endpoint_keep_the_input(world, applicant_client):
    # given
    application = svc.application_create(
        enterprise=world.enterprise, program=world.program, user=world.applicant
    )

    # when: the "Save draft" button, with a half-filled step
    response = applicant_client.post(
        url("contract", application),
        {"contract_number": "HT-DRAFT", "line_0_amount": "1", "action": "draft"},
    )

    # then: kept without checks
    assert response["Location"] == url("contract", application)
    application.refresh_from_db()
    assert application.draft["contract"]["contract_number"] == "HT-DRAFT"

    # when: the script posts what is being typed
    response = applicant_client.post(
        url("autosave", application, step="contract"),
        {"contract_number": "HT-TYPED", "line_2_description": "算力", "junk": "x"},
    )

    # then
    assert response.status_code == 200
    assert response.json()["saved"] is True
    application.refresh_from_db()
    assert application.draft["contract"] == {
        "contract_number": "HT-TYPED",
        "line_2_description": "算力",
    }
    content = applicant_client.get(url("contract", application)).content.decode()
    assert 'value="HT-TYPED"' in content
    assert 'value="算力"' in content
    assert (
        applicant_client.post(
            url("autosave", application, step="documents")
        ).status_code
        == 404
    )


def test_the_contract_step_refuses_bad_input_beside_the_fields(world, applicant_client):
    # given
    application = svc.application_create(
        enterprise=world.enterprise, program=world.program, user=world.applicant
    )
    suspended = ProviderFactory(status=Provider.Status.SUSPENDED)
    cases = [
        (
            {"provider": str(suspended.pk)},
            ["id_provider_error"],
        ),
        (
            {"signed_on": "2026-13-40", "term_months": "0"},
            ["id_signed_on_error", "id_term_months_error"],
        ),
        (
            {"line_0_amount": "", "line_1_category": ""},
            ["id_line_0_amount_error", "id_line_1_category_error"],
        ),
        (
            {"line_0_amount": "-5", "line_1_amount": "1.001"},
            ["id_line_0_amount_error", "id_line_1_amount_error"],
        ),
        (
            {"year_contract_total": "1000.00"},
            ["id_year_contract_total_error"],
        ),
        (
            {
                "line_0_category": "",
                "line_0_description": "",
                "line_0_amount": "",
                "line_1_category": "",
                "line_1_description": "",
                "line_1_amount": "",
            },
            ["lines_error"],
        ),
    ]
    for changes, error_ids in cases:
        # when
        response = applicant_client.post(
            url("contract", application), contract_data(world.provider, **changes)
        )

        # then
        assert response.status_code == 200, changes
        content = response.content.decode()
        for error_id in error_ids:
            assert f'id="{error_id}"' in content, (changes, error_id)
    application.refresh_from_db()
    assert not LineItem.objects.exists()
    assert application.provider_id is None
    assert application.contract_number == ""


def test_a_model_program_needs_the_offering_and_a_payment_proof(
    world, applicant_client
):
    # given: the model program pays after payment
    program = Program.objects.get(code="ZJ-MODEL-2026")
    application = svc.application_create(
        enterprise=world.enterprise, program=program, user=world.applicant
    )

    # when: no offering
    response = applicant_client.post(
        url("contract", application), contract_data(world.provider)
    )

    # then
    assert response.status_code == 200
    assert 'id="id_offering_error"' in response.content.decode()
    assert not LineItem.objects.exists()
    content = applicant_client.get(url("documents", application)).content.decode()
    assert 'name="payment_proof"' in content


def test_the_documents_step_refuses_bad_files_beside_the_fields(
    world, applicant_client
):
    # given
    application = svc.application_create(
        enterprise=world.enterprise, program=world.program, user=world.applicant
    )

    # when: a file that is no PDF, JPEG or PNG, whatever its name says
    response = applicant_client.post(
        url("documents", application),
        {
            "action": "upload",
            "contract": SimpleUploadedFile("contract.pdf", b"MZ\x90\x00not a pdf"),
            "quote": pdf_upload(),
        },
    )

    # then: nothing stored, not even the good file
    assert response.status_code == 200
    assert 'id="id_contract_error"' in response.content.decode()
    assert not ApplicationDocument.objects.exists()

    # when: going on with one document missing
    response = applicant_client.post(
        url("documents", application),
        {"action": "continue", "contract": pdf_upload(), "quote": pdf_upload()},
    )

    # then: the two are stored, the missing one is asked for
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_commitment_error"' in content
    assert 'data-testid="uploaded-contract"' in content
    assert set(application.documents.values_list("kind", flat=True)) == {
        "contract",
        "quote",
    }


def test_an_incomplete_application_is_not_submitted(world, applicant_client):
    # given: a draft without documents
    application = svc.application_create(
        enterprise=world.enterprise, program=world.program, user=world.applicant
    )
    applicant_client.post(url("contract", application), contract_data(world.provider))

    # when
    response = applicant_client.post(url("review", application))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="submit-error"' in content
    assert 'data-testid="missing"' in content
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.number is None


def test_the_new_page_refuses_bad_input(world, applicant_client):
    # when
    response = applicant_client.post(url("new"), {})

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_enterprise_error"' in content
    assert 'id="id_program_error"' in content
    assert not Application.objects.exists()


def test_withdraw_before_a_decision(world, applicant_client):
    # given
    application = submitted(world)

    # when
    response = applicant_client.post(url("withdraw", application))

    # then
    assert response["Location"] == url("detail", application)
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    content = applicant_client.get(url("detail", application)).content.decode()
    assert url("withdraw", application) not in content
    assert '<tr data-status="withdrawn">' in content
    # and: the steps are closed now
    response = applicant_client.get(url("contract", application))
    assert response["Location"] == url("detail", application)
    response = applicant_client.post(url("autosave", application, step="contract"))
    assert response.status_code == 409


def test_a_returned_application_is_corrected_and_resubmitted(world, applicant_client):
    # given: returned by the county with a reason and a note
    application = submitted(world)
    review.application_return(
        application=application,
        reviewer=world.county,
        reasons=["documents-incomplete"],
        note="合同附件缺页",
    )

    # when
    content = applicant_client.get(url("detail", application)).content.decode()

    # then: the reason in the current language (Chinese by default), the note
    assert 'data-status="returned"' in content
    assert "申报材料不齐全" in content
    assert "合同附件缺页" in content
    assert 'data-testid="correct"' in content
    world.applicant.language = "en"
    world.applicant.save(update_fields=["language"])
    english = applicant_client.get(url("detail", application)).content.decode()
    assert "Documents missing or incomplete" in english
    world.applicant.language = "zh-hans"
    world.applicant.save(update_fields=["language"])

    # when: corrected (a bigger compute line) and resubmitted through the pages
    response = applicant_client.post(
        url("contract", application),
        contract_data(world.provider, line_0_amount="420000.00"),
    )
    assert response["Location"] == url("documents", application)
    response = applicant_client.post(
        url("documents", application), {"action": "continue", "contract": pdf_upload()}
    )
    assert response["Location"] == url("review", application)
    review_page = applicant_client.get(url("review", application)).content.decode()
    assert 'data-testid="returned"' in review_page
    response = applicant_client.post(url("review", application))

    # then: version 2 in review, version 1 kept in the history
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.revision == 2
    assert application.eligible_amount == Decimal("420000.00")
    content = applicant_client.get(url("detail", application)).content.decode()
    assert 'data-revision="2"' in content
    assert 'data-revision="1"' in content
    assert "420,000.00" in content
    assert "400,000.00" in content


def test_a_rule_that_fails_rejects_at_once_with_its_reason(world, applicant_client):
    # given: the same contract already claimed
    submitted(world)
    second = draft(world)

    # when
    applicant_client.post(url("review", second))

    # then
    second.refresh_from_db()
    assert second.status == Application.Status.REJECTED
    [failed] = [r for r in second.screening.result["rules"] if r["outcome"] == "fail"]
    content = applicant_client.get(url("detail", second)).content.decode()
    assert failed["reason_zh"] in content
    assert url("withdraw", second) not in content


def test_another_enterprises_applicant_gets_404_on_every_page(world, client):
    # given
    application = submitted(world)
    other = make_role_user(Role.APPLICANT, region="330203")
    client.force_login(other)
    gets = ["detail", "contract", "documents", "review", "receipt"]
    posts = ["contract", "documents", "review", "withdraw"]

    # when / then
    for name in gets:
        assert client.get(url(name, application)).status_code == 404, name
    for name in posts:
        assert client.post(url(name, application)).status_code == 404, name
    response = client.post(url("autosave", application, step="contract"))
    assert response.status_code == 404
    assert application.number not in client.get(url("list")).content.decode()
    response = client.post(
        url("new"), {"enterprise": world.enterprise.pk, "program": world.program.pk}
    )
    assert 'id="id_enterprise_error"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert Application.objects.count() == 1


def test_a_colleague_of_the_enterprise_sees_the_application(world, client):
    # given
    application = submitted(world)
    colleague = UserFactory()
    membership(colleague, Role.APPLICANT, world.enterprise)
    client.force_login(colleague)

    # when / then
    assert client.get(url("detail", application)).status_code == 200
    assert client.get(url("receipt", application)).status_code == 200


def test_a_draft_has_no_receipt_and_a_submitted_one_has_no_steps(
    world, applicant_client
):
    # given
    draft_application = draft(world, "HT-DRAFT")
    in_review = submitted(world, "HT-SENT")

    # when / then
    assert applicant_client.get(url("receipt", draft_application)).status_code == 404
    for name in ("contract", "documents", "review"):
        response = applicant_client.get(url(name, in_review))
        assert response["Location"] == url("detail", in_review), name
    response = applicant_client.post(url("review", in_review))
    assert response["Location"] == url("detail", in_review)
    in_review.refresh_from_db()
    assert in_review.revision == 1


def test_a_closed_program_refuses_new_applications_with_a_message(
    world, applicant_client
):
    # given
    Program.objects.filter(pk=world.program.pk).update(status=Program.Status.CLOSED)
    world.program.refresh_from_db()
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refusal:
        program_accepts_submissions(world.program)

    # when
    response = applicant_client.post(
        url("new"), {"enterprise": world.enterprise.pk, "program": world.program.pk}
    )

    # then
    assert response.status_code == 200
    assert escape(refusal.value.message) in response.content.decode()
    assert not Application.objects.exists()


def test_a_program_whose_budget_is_used_up_says_so(world, applicant_client):
    # given: the whole budget moved away
    with transaction.atomic():
        [pool] = budget_accounts_lock(world.program)
        transfer(
            debit=pool,
            credit=account(world.program, "released"),
            amount=pool.balance,
            kind="budget_reduced",
            key=transfer_key(),
        )
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refusal:
        program_accepts_submissions(world.program)

    # when
    page = applicant_client.get(url("new")).content.decode()
    response = applicant_client.post(
        url("new"), {"enterprise": world.enterprise.pk, "program": world.program.pk}
    )

    # then: said on the page before trying, and when trying
    assert refusal.value.code == "budget_exhausted"
    assert escape(refusal.value.message) in page
    assert escape(refusal.value.message) in response.content.decode()
    assert not Application.objects.exists()


def _make_applications(world, n):
    statuses = list(Application.Status.values)
    Application.objects.bulk_create(
        [
            Application(
                program=world.program,
                enterprise=world.enterprise,
                created_by=world.applicant,
                status=statuses[i % len(statuses)],
                requested_subsidy=Decimal("1000.00"),
            )
            for i in range(n)
        ]
    )


def test_the_list_takes_the_same_number_of_queries_for_3_and_30(
    world, applicant_client
):
    # given
    Notification.objects.create(user=world.applicant, subject="新消息", body="…")
    _make_applications(world, 3)
    applicant_client.get(url("list"))  # warm up (session, caches)

    # when
    with CaptureQueriesContext(connection) as three:
        response = applicant_client.get(url("list"))
    assert response.status_code == 200
    _make_applications(world, 27)
    with CaptureQueriesContext(connection) as thirty:
        response = applicant_client.get(url("list"))

    # then
    assert response.status_code == 200
    assert len(thirty) == len(three)
    content = response.content.decode()
    assert content.count('<span class="badge status-') == 30
    assert 'data-testid="status-counts"' in content
    assert "新消息" in content
