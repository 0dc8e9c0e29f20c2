"""The voucher pages: the applicant's list, a voucher's page and its
certificate (PDF), scoped to who may read the voucher's enterprise."""

import shutil
import subprocess

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.roles import Role
from config.exceptions import ApplicationError
from tests.factories import (
    ApplicationFactory,
    UserFactory,
    make_role_user,
    make_sme,
    membership,
)
from vouchers.issuance import codes
from vouchers.models import Application, LedgerTransfer, Voucher
from vouchers.review import services as review

pytestmark = pytest.mark.django_db


def at_final_stage(enterprise, applicant, number="HT-2026-001"):
    """An application of ``enterprise`` to HZ-COMPUTE-2026 approved at the
    county: waiting for the city's final approval of 200,000.00 yuan."""
    make_sme(enterprise)
    return ApplicationFactory(
        at_second_stage=True,
        applicant=applicant,
        enterprise=enterprise,
        contract_number=number,
    )


def issue_voucher(enterprise, applicant) -> Voucher:
    """The application of ``at_final_stage`` approved by the city: a
    200,000.00 yuan voucher."""
    app = at_final_stage(enterprise, applicant)
    review.application_approve(
        application=app, reviewer=make_role_user(Role.REVIEWER, region="330100")
    )
    return Voucher.objects.get(application=app)


@pytest.fixture
def voucher(applicant) -> Voucher:
    return issue_voucher(applicant.memberships.get().enterprise, applicant)


def _detail(voucher):
    return reverse("vouchers:voucher-detail", args=[voucher.code])


def _certificate(voucher):
    return reverse("vouchers:certificate", args=[voucher.code])


# -- the list --------------------------------------------------------------------


def test_the_applicant_lists_the_vouchers_of_their_enterprise(
    client, applicant, voucher
):
    # given
    client.force_login(applicant)

    # when
    response = client.get(reverse("vouchers:voucher-list"))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert voucher.code in content
    assert "200,000.00" in content  # face value and balance
    assert voucher.program.name_zh in content
    assert voucher.expires_on.isoformat() in content


def test_a_colleague_sees_the_enterprise_s_vouchers_too(client, applicant, voucher):
    # given
    colleague = UserFactory()
    membership(colleague, Role.APPLICANT, voucher.enterprise)
    client.force_login(colleague)

    # when
    content = client.get(reverse("vouchers:voucher-list")).content.decode()

    # then
    assert voucher.code in content


def test_another_enterprise_s_applicant_does_not_see_the_voucher_in_their_list(
    client, other_applicant, voucher
):
    # given
    client.force_login(other_applicant)

    # when
    response = client.get(reverse("vouchers:voucher-list"))

    # then
    assert response.status_code == 200
    assert voucher.code not in response.content.decode()


def test_the_list_is_for_applicants_only(client, auditor, voucher):
    # given
    client.force_login(auditor)

    # when
    response = client.get(reverse("vouchers:voucher-list"))

    # then
    assert response.status_code == 403


# -- the voucher's page: who may read it -------------------------------------------


def test_the_applicant_reads_their_voucher_with_its_qr_code_and_ledger(
    client, applicant, voucher
):
    # given
    client.force_login(applicant)

    # when
    response = client.get(_detail(voucher))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert voucher.code in content
    assert voucher.enterprise.name in content
    assert voucher.program.name_zh in content
    assert 'src="data:image/svg+xml;base64,' in content
    assert response.context["balance"] == "200,000.00"
    [issued] = response.context["ledger"]
    assert issued["amount"] == "200,000.00"
    assert issued["remaining"] == "200,000.00"
    assert issued["transfer"].kind == "voucher_issued"


@pytest.mark.parametrize("reader", ["reviewer", "program_manager", "auditor"])
def test_government_readers_read_the_voucher_and_its_certificate(
    request, client, voucher, reader
):
    # given: the Xihu reviewer (the enterprise is in Xihu), the province's
    # program manager and auditor
    client.force_login(request.getfixturevalue(reader))

    # when
    page = client.get(_detail(voucher))
    certificate = client.get(_certificate(voucher))

    # then
    assert page.status_code == 200
    assert certificate.status_code == 200


@pytest.mark.parametrize("stranger", ["other_applicant", "provider_staff"])
def test_others_get_404_for_the_voucher_and_its_certificate(
    request, client, voucher, stranger
):
    # given
    client.force_login(request.getfixturevalue(stranger))

    # when
    page = client.get(_detail(voucher))
    certificate = client.get(_certificate(voucher))

    # then
    assert page.status_code == 404
    assert certificate.status_code == 404


def test_a_reviewer_of_another_region_gets_404(client, voucher):
    # given: a Ningbo reviewer; the enterprise is in Hangzhou
    client.force_login(make_role_user(Role.REVIEWER, region="330203"))

    # when
    response = client.get(_detail(voucher))

    # then
    assert response.status_code == 404


def test_the_anonymous_are_sent_to_sign_in(client, voucher):
    # when
    page = client.get(_detail(voucher))
    certificate = client.get(_certificate(voucher))

    # then
    for response, path in [
        (page, _detail(voucher)),
        (certificate, _certificate(voucher)),
    ]:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert f"next={path}" in response["Location"]


def test_a_government_reader_without_the_second_factor_reads_nothing(client, voucher):
    # given
    client.force_login(make_role_user(Role.AUDITOR, region="330000", mfa=False))

    # when
    response = client.get(_detail(voucher))

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda code: code.lower(), id="lower-case"),
        pytest.param(lambda code: code.replace("-", ""), id="without-hyphens"),
        pytest.param(lambda code: code.replace("-", " "), id="with-spaces"),
    ],
)
def test_only_the_canonical_code_is_looked_up(client, applicant, voucher, spelling):
    # given
    client.force_login(applicant)
    path = reverse("vouchers:voucher-detail", args=[spelling(voucher.code)])

    # when
    response = client.get(path)

    # then
    assert response.status_code == 404


def test_a_well_formed_code_of_no_voucher_is_404(client, applicant, voucher):
    # given: a valid code (check character right) that was never issued
    client.force_login(applicant)
    code = codes.generate()
    assert code != voucher.code

    # when
    response = client.get(reverse("vouchers:voucher-detail", args=[code]))

    # then
    assert response.status_code == 404


# -- the certificate ------------------------------------------------------------


def test_the_certificate_is_a_pdf_with_the_code_and_the_face_value(
    client, applicant, voucher, tmp_path
):
    # given
    client.force_login(applicant)

    # when
    response = client.get(_certificate(voucher))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert f'filename="voucher-{voucher.code}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext (poppler-utils) is not installed: the text is not checked"
        )
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert voucher.code in text
    assert "200,000.00" in text
    assert voucher.enterprise.uscc in text
    assert voucher.enterprise.name in text
    assert voucher.program.name_zh in text
    assert voucher.program.name_en in text
    assert voucher.expires_on.isoformat() in text


# -- codes are never reused -------------------------------------------------------


@pytest.fixture
def second_at_final_stage(voucher):
    """Another enterprise's application waiting for its final approval."""
    applicant = make_role_user(Role.APPLICANT, region="330106")
    return at_final_stage(
        applicant.memberships.get().enterprise, applicant, number="HT-2026-002"
    )


def test_a_code_already_taken_is_never_issued_again(
    voucher, second_at_final_stage, monkeypatch
):
    # given: every code drawn is the first voucher's
    monkeypatch.setattr(codes, "generate", lambda: voucher.code)
    budget = LedgerTransfer.objects.count()

    # when
    with pytest.raises(ApplicationError) as info:
        review.application_approve(
            application=second_at_final_stage,
            reviewer=make_role_user(Role.REVIEWER, region="330100"),
        )

    # then: a clear refusal, and nothing issued or moved
    assert info.value.code == "no_free_code"
    second_at_final_stage.refresh_from_db()
    assert second_at_final_stage.status == Application.Status.IN_REVIEW
    assert Voucher.objects.count() == 1
    assert LedgerTransfer.objects.count() == budget


def test_a_code_drawn_twice_is_drawn_again(voucher, second_at_final_stage, monkeypatch):
    # given: the first two codes drawn are taken, the third is free
    free = codes.format_code(
        "ABCDEFGHJKMNPQR" + codes.check_character("ABCDEFGHJKMNPQR")
    )
    drawn = iter([voucher.code, voucher.code, free])
    monkeypatch.setattr(codes, "generate", lambda: next(drawn))

    # when
    review.application_approve(
        application=second_at_final_stage,
        reviewer=make_role_user(Role.REVIEWER, region="330100"),
    )

    # then
    assert Voucher.objects.get(application=second_at_final_stage).code == free


def test_the_database_refuses_a_status_a_voucher_cannot_have(voucher):
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(status="lost")
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ACTIVE
