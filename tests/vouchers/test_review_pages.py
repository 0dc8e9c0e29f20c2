"""The review pages (vouchers/views_review.py): the queue scoped by stage
level and region, its filters, sorting and counts; one application on one
page with the decision form; approve, return, reject; batch approval; the
final approval issuing the voucher, also when the budget reduces it;
separation of duties; scoping (404) and the auditor's read-only view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from enterprises.models import DishonestEntity, Enterprise, Offering, Provider
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    make_program,
    make_role_user,
    make_sme,
    membership,
    program_params,
)
from tests.factories.ledger import transfer_key
from vouchers.applications import services as svc
from vouchers.demo.programs import load_demo_programs
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.services import account, transfer
from vouchers.lock_objects import budget_accounts_lock
from vouchers.models import Application, Notification, Program, Review, Voucher
from vouchers.programs import services
from vouchers.review import services as review

pytestmark = pytest.mark.django_db

S = Application.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@dataclass
class World:
    hz: Program  # HZ-COMPUTE-2026: county → city, Hangzhou
    zj: Program  # a province-wide copy: county → city, for Ningbo
    applicant: object
    enterprise: Enterprise  # Xihu (330106)
    ningbo_applicant: object
    ningbo_enterprise: Enterprise  # Haishu, Ningbo (330203)
    provider: Provider
    county: object  # Xihu reviewer
    city: object  # Hangzhou reviewer
    ningbo: object  # Haishu reviewer


@pytest.fixture
def w() -> World:
    load_demo_programs(actor=None)
    hz = Program.objects.get(code="HZ-COMPUTE-2026")
    zj = services.program_set_status(
        program=make_program("ZJ-TEST-2026", region="330000", params=program_params()),
        to_status=Program.Status.OPEN,
        actor=None,
    )
    applicant = make_role_user(Role.APPLICANT, region="330106")
    ningbo_applicant = make_role_user(Role.APPLICANT, region="330203")
    return World(
        hz=hz,
        zj=zj,
        applicant=applicant,
        enterprise=make_sme(applicant.memberships.get().enterprise, name="西湖智算"),
        ningbo_applicant=ningbo_applicant,
        ningbo_enterprise=make_sme(
            ningbo_applicant.memberships.get().enterprise, name="海曙模型"
        ),
        provider=ProviderFactory(legal_representative="服务商法人"),
        county=make_role_user(Role.REVIEWER, region="330106"),
        city=make_role_user(Role.REVIEWER, region="330100"),
        ningbo=make_role_user(Role.REVIEWER, region="330203"),
    )


def submit(
    w: World,
    number: str,
    *,
    amount: str = "400000.00",
    program: Program | None = None,
    ningbo: bool = False,
    signed_on: date = date(2026, 3, 1),
    offering: Offering | None = None,
) -> Application:
    """A submitted application (in review at its first stage, unless a rule
    fails), built through the services as an applicant would."""
    return ApplicationFactory(
        submitted=True,
        program=program or (w.zj if ningbo else w.hz),
        applicant=w.ningbo_applicant if ningbo else w.applicant,
        enterprise=w.ningbo_enterprise if ningbo else w.enterprise,
        provider=w.provider,
        offering=offering,
        contract_number=number,
        signed_on=signed_on,
        amount=amount,
    )


def decide(client, app: Application, **data):
    app.refresh_from_db()
    return client.post(
        reverse("review:detail", args=[app.pk]),
        {"stage": app.stage, "revision": app.revision, **data},
    )


def queue_numbers(client, **params) -> list[str]:
    response = client.get(reverse("review:queue"), params)
    assert response.status_code == 200
    return [row["application"].number for row in response.context["rows"]]


def drain_budget(program: Program, leave: str) -> None:
    with transaction.atomic():
        [pool] = budget_accounts_lock(program)
        transfer(
            debit=pool,
            credit=account(program, "released"),
            amount=pool.balance - Decimal(leave),
            kind="budget_reduced",
            key=transfer_key(),
        )


# -- the queue ----------------------------------------------------------------


def test_county_reviewer_sees_only_county_stage_applications_of_their_region(w, client):
    # given: a Xihu application at the county stage, one already at the city
    # stage, and a Ningbo one at the county stage
    county_stage = submit(w, "HT-1")
    city_stage = submit(w, "HT-2")
    review.application_approve(application=city_stage, reviewer=w.county)
    in_ningbo = submit(w, "HT-3", ningbo=True)
    assert in_ningbo.status == S.IN_REVIEW

    # when
    client.sign_in(w.county, language="en")
    response = client.get(reverse("review:queue"))

    # then: only the county-stage application of Xihu
    assert [r["application"].pk for r in response.context["rows"]] == [county_stage.pk]
    content = response.content.decode()
    assert county_stage.number in content
    assert city_stage.number not in content
    assert in_ningbo.number not in content
    # the counts are over Xihu's applications: both Xihu ones are in review
    counts = {c["status"]: c["count"] for c in response.context["counts"]}
    assert counts[S.IN_REVIEW] == 2
    assert response.context["waiting"] == 1
    # and the others see theirs
    assert queue_numbers(client.sign_in(w.city, language="en")) == [city_stage.number]
    assert queue_numbers(client.sign_in(w.ningbo, language="en")) == [in_ningbo.number]


def test_queue_filters_and_sorting(w, client):
    # given: three applications with different amounts, dates and flags
    small = submit(w, "HT-S", amount="100000.00")  # 50,000 requested
    big = submit(w, "HT-B", amount="400000.00")  # 200,000 requested
    w.provider.legal_representative = "张三"
    w.provider.save()
    Enterprise.objects.filter(pk=w.enterprise.pk).update(legal_representative="张三")
    w.enterprise.refresh_from_db()
    flagged = submit(w, "HT-F", amount="200000.00")  # related party: flagged
    assert flagged.needs_review
    assert not small.needs_review
    for app, day in ((small, 10), (big, 12), (flagged, 14)):
        Application.objects.filter(pk=app.pk).update(
            submitted_at=datetime(2026, 11, day, 10, tzinfo=SHANGHAI)
        )
    other = make_sme(
        make_role_user(Role.APPLICANT, region="330106").memberships.get().enterprise,
        name="阿尔法科技",
    )
    client.sign_in(w.county, language="en")

    # then: oldest first by default; newest first; by amount; by enterprise
    assert queue_numbers(client) == [small.number, big.number, flagged.number]
    assert queue_numbers(client, order="-submitted") == [
        flagged.number,
        big.number,
        small.number,
    ]
    assert queue_numbers(client, order="-requested") == [
        big.number,
        flagged.number,
        small.number,
    ]
    assert queue_numbers(client, order="requested")[0] == small.number
    # filters: number, enterprise name, credit code, flag, dates, program, level
    assert queue_numbers(client, q=big.number.lower()) == [big.number]
    assert len(queue_numbers(client, q="西湖")) == 3
    assert queue_numbers(client, q=other.name) == []
    assert len(queue_numbers(client, q=w.enterprise.uscc[:10])) == 3
    assert queue_numbers(client, needs_review="yes") == [flagged.number]
    assert queue_numbers(client, needs_review="no") == [small.number, big.number]
    assert queue_numbers(
        client, submitted_from="2026-11-11", submitted_to="2026-11-13"
    ) == [big.number]
    assert queue_numbers(client, program="ZJ-TEST-2026") == []
    assert len(queue_numbers(client, program="HZ-COMPUTE-2026")) == 3
    assert queue_numbers(client, level="city") == []
    # an end before the start is shown with its error and left out (the
    # start still applies)
    response = client.get(
        reverse("review:queue"),
        {"submitted_from": "2026-11-13", "submitted_to": "2026-11-11"},
    )
    assert "The end of the range is before its start." in response.content.decode()
    assert [r["application"] for r in response.context["rows"]] == [flagged]
    # the flagged row names the rule that flagged it
    assert "Related party" in client.get(reverse("review:queue")).content.decode()


def test_queue_queries_do_not_grow_with_the_rows(w, client):
    # given
    for n in range(5):
        submit(w, f"HT-Q{n}", amount="10000.00")
    client.sign_in(w.county, language="en")
    client.get(reverse("review:queue"))  # warm caches (session, standards)

    # when
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("review:queue"))
    assert len(response.context["rows"]) == 5
    for n in range(5, 40):
        submit(w, f"HT-Q{n}", amount="10000.00")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("review:queue"))

    # then
    assert len(response.context["rows"]) == 40
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# -- one application ------------------------------------------------------------


def test_the_page_shows_everything_needed_to_decide(w, client):
    # given: a withdrawn earlier claim of the same contract, a young
    # enterprise, a provider sharing the legal representative and listed as
    # dishonest, and an offering at a list price
    earlier = submit(w, "HT-SAME")
    svc.application_withdraw(application=earlier, user=w.applicant)
    Enterprise.objects.filter(pk=w.enterprise.pk).update(
        established_on=date(2026, 1, 10), legal_representative="张三"
    )
    Provider.objects.filter(pk=w.provider.pk).update(legal_representative="张三")
    w.enterprise.refresh_from_db()
    w.provider.refresh_from_db()
    DishonestEntity.objects.create(
        uscc=w.provider.uscc, name=w.provider.name, listed_on=date(2025, 5, 1)
    )
    offering = Offering.objects.create(
        provider=w.provider,
        kind=Offering.Kind.COMPUTE,
        name="A100 卡时",
        unit=Offering.Unit.GPU_CARD_HOUR,
        list_price=Decimal("12.5"),
    )
    app = submit(w, "HT-SAME", offering=offering)
    assert app.status == S.IN_REVIEW
    assert app.needs_review

    # when
    client.sign_in(w.county, language="en")
    response = client.get(reverse("review:detail", args=[app.pk]))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    # the enterprise, its size class and how it was derived
    assert w.enterprise.uscc in content
    assert 'data-testid="size-class"' in content
    assert "Lower bound" in content
    # the contract and its documents, downloadable by the reviewer
    assert "HT-SAME" in content
    assert "GPU 卡时" in content
    document = app.documents.first().document
    url = reverse("enterprises:document", args=[document.pk])
    assert url in content
    download = client.get(url)
    assert download.status_code == 200
    b"".join(download.streaming_content)
    # the rule results with their reasons
    assert "One contract, one claim" in content
    assert "they may be related parties" in content
    # the hints
    kinds = {h["kind"] for h in response.context["hints"]}
    assert {
        "related_party",
        "same_contract",
        "recent_registration",
        "credit",
        "price",
    } <= kinds
    assert "The provider is, or was recently, on the list" in content
    assert "list price of 12.5 yuan per GPU card-hour" in content
    assert "pay for 32,000.00 units" in content
    assert "is claimed in 2 applications" in content
    assert "Withdrawn" in content
    assert "less than 6 months before the contract was signed" in content
    # and the form: approve, return, reject with the configured reasons
    assert 'name="decision"' in content
    assert "Documents missing or incomplete" in content


def test_approving_moves_the_application_to_the_city_stage(w, client):
    # given
    app = submit(w, "HT-1")
    client.sign_in(w.county, language="en")

    # when
    response = decide(client, app, decision="approve")

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("review:queue")
    app.refresh_from_db()
    assert (app.status, app.stage_level, app.final_stage) == (S.IN_REVIEW, "city", True)
    assert queue_numbers(client.sign_in(w.city, language="en")) == [app.number]
    # the county reviewer still reads it (decided by them), without a form
    client.sign_in(w.county, language="en")
    response = client.get(reverse("review:detail", args=[app.pk]))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "Approve" in response.content.decode()  # the earlier decision


def test_returning_needs_a_note_and_returns_the_application(w, client):
    # given
    app = submit(w, "HT-1")
    client.sign_in(w.county, language="en")

    # when: no note
    response = decide(client, app, decision="return", note="  ")

    # then: the error beside the note, nothing changed
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_note_error">List what the applicant must correct.' in content
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW

    # when: with a note
    response = decide(client, app, decision="return", note="合同附件缺第3页")

    # then: the applicant's application is returned and they are told
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.RETURNED
    assert app.reviews.get().note == "合同附件缺第3页"
    assert Notification.objects.filter(user=w.applicant, application=app).exists()


def test_rejecting_needs_a_reason(w, client):
    # given
    app = submit(w, "HT-1")
    client.sign_in(w.county, language="en")

    # when: no reason
    response = decide(client, app, decision="reject", note="不符合")

    # then
    assert response.status_code == 200
    assert (
        'id="id_reasons_error">Choose at least one reason from the list.'
        in response.content.decode()
    )
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW

    # when: with reasons and a note
    response = decide(
        client,
        app,
        decision="reject",
        reasons=["documents-incomplete", "other"],
        note="材料缺失",
    )

    # then
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.REJECTED
    review = app.reviews.get()
    assert review.reasons == ["documents-incomplete", "other"]
    assert review.decision == Review.Decision.REJECT


def test_batch_approval_of_two_selected_applications(w, client):
    # given
    first, second, third = (submit(w, f"HT-{n}") for n in (1, 2, 3))
    client.sign_in(w.county, language="en")

    # when
    response = client.post(
        reverse("review:batch-approve"),
        {"ids": [first.pk, second.pk], "query": "order=-submitted&page=2"},
        follow=True,
    )

    # then
    assert response.redirect_chain[-1][0] == reverse("review:queue") + (
        "?order=-submitted"
    )
    for app in (first, second, third):
        app.refresh_from_db()
    assert [a.stage_level for a in (first, second, third)] == ["city", "city", "county"]
    content = response.content.decode()
    assert "2 applications approved" in content
    assert first.number in content
    assert second.number in content


def test_final_approval_issues_the_voucher(w, client):
    # given: the county approved
    app = submit(w, "HT-1")
    review.application_approve(application=app, reviewer=w.county)
    client.sign_in(w.city, language="en")

    # when: the city reviewer opens it
    page = client.get(reverse("review:detail", args=[app.pk]))

    # then: the full amount is available
    availability = page.context["availability"]
    assert availability.amount == Decimal("200000.00")
    assert not availability.reduced
    assert "The full amount is available." in page.content.decode()

    # when: approving
    response = decide(client, app, decision="approve", note="材料齐全")

    # then: first a page that shows the amount and the budget left after it
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="confirm-amount"><strong>200,000.00</strong>' in content
    assert 'data-testid="confirm-back">Back to the form<' in content
    assert 'name="expected_amount" value="200000.00"' in content
    assert app.__class__.objects.get(pk=app.pk).status == S.IN_REVIEW
    assert not Voucher.objects.filter(application=app).exists()

    # when: going back, the form is as it was filled in
    back = decide(client, app, decision="approve", note="材料齐全", back="1")
    assert back.status_code == 200
    assert back.context["form"]["note"].value() == "材料齐全"
    assert not Voucher.objects.filter(application=app).exists()

    # when: confirming
    response = decide(
        client,
        app,
        decision="approve",
        note="材料齐全",
        expected_amount="200000.00",
        confirmed="1",
    )

    # then: the voucher is issued and shown
    assert response.status_code == 302
    assert response["Location"] == reverse("review:detail", args=[app.pk])
    app.refresh_from_db()
    assert app.status == S.APPROVED
    page = client.get(response["Location"]).content.decode()
    assert app.voucher.code in page
    assert app.voucher.face_value == Decimal("200000.00")
    assert check_ledger() == []


def test_a_reduced_amount_is_shown_and_must_be_confirmed(w, client):
    # given: at the city stage, and only 1,000 yuan left in the budget
    app = submit(w, "HT-1")
    review.application_approve(application=app, reviewer=w.county)
    drain_budget(w.hz, "1000.00")
    client.sign_in(w.city, language="en")

    # when
    page = client.get(reverse("review:detail", args=[app.pk]))

    # then: the warning, and the amount to confirm in the form
    content = page.content.decode()
    assert "Approving issues 1,000.00 yuan instead of 200,000.00 yuan" in content
    assert 'name="expected_amount" value="1000.00"' in content

    # when: approving, the confirmation shows the reduced amount
    response = decide(client, app, decision="approve")
    content = response.content.decode()
    assert 'data-testid="confirm-amount"><strong>1,000.00</strong>' in content
    assert 'data-testid="confirm-warning"' in content
    assert 'name="expected_amount" value="1000.00"' in content

    # when: "confirming" without the amount (a forged or older form)
    response = decide(client, app, decision="approve", confirmed="1")

    # then: refused, with the service's message beside the form
    assert response.status_code == 200
    assert "Confirm the reduced amount to approve." in response.content.decode()
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW

    # when: approving the confirmed amount
    response = decide(
        client, app, decision="approve", expected_amount="1000.00", confirmed="1"
    )

    # then: the reduced voucher
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert app.voucher.face_value == Decimal("1000.00")
    assert check_ledger() == []


def test_batch_approval_never_issues_a_reduced_amount(w, client):
    # given
    app = submit(w, "HT-1")
    review.application_approve(application=app, reviewer=w.county)
    drain_budget(w.hz, "1000.00")
    client.sign_in(w.city, language="en")

    # when: the confirmation says it cannot be approved in a batch
    page = client.post(reverse("review:batch-approve"), {"ids": [app.pk]})
    assert "not in a batch" in page.content.decode()
    assert "amount_" not in page.content.decode()

    # when: confirming anyway
    response = client.post(
        reverse("review:batch-approve"),
        {"ids": [app.pk], "confirmed": "1"},
        follow=True,
    )

    # then: refused, with the reason
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW
    content = response.content.decode()
    assert f"{app.number} was not approved" in content
    assert "Only 1,000.00 yuan can be issued now" in content


def test_an_amount_that_changed_after_the_confirmation_is_refused(w, client):
    # given: the city reviewer saw 200,000.00 on the confirmation page
    app = submit(w, "HT-1")
    review.application_approve(application=app, reviewer=w.county)
    client.sign_in(w.city, language="en")
    assert "200,000.00" in decide(client, app, decision="approve").content.decode()

    # when: the budget shrinks before they confirm
    drain_budget(w.hz, "1000.00")
    response = decide(
        client, app, decision="approve", expected_amount="200000.00", confirmed="1"
    )

    # then: nothing issued, and the page says what changed
    assert response.status_code == 200
    assert "it is now 1,000.00 yuan (you confirmed 200,000.00)" in (
        response.content.decode()
    )
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW
    assert not Voucher.objects.filter(application=app).exists()


def test_a_batch_with_final_stages_is_confirmed_with_its_total(w, client):
    # given: two applications at the city's (final) stage
    first, second = submit(w, "HT-1"), submit(w, "HT-2")
    for a in (first, second):
        review.application_approve(application=a, reviewer=w.county)
    client.sign_in(w.city, language="en")
    url = reverse("review:batch-approve")

    # when: approving them together
    page = client.post(url, {"ids": [first.pk, second.pk]})

    # then: the total and the budget left, and nothing issued yet
    content = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="confirm-amount"><strong>400,000.00</strong>' in content
    assert not Voucher.objects.exists()

    # when: going back, the queue, and still nothing issued
    again = client.post(url, {"ids": [first.pk, second.pk], "back": "1"})
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("review:queue"))
    assert not Voucher.objects.exists()

    # when: confirming
    carried = {
        name: value
        for name, value in page.context["fields"]
        if name.startswith("amount_")
    }
    response = client.post(
        url, {"ids": [first.pk, second.pk], "confirmed": "1", **carried}
    )

    # then: both issued
    assert response.status_code == 302
    assert Voucher.objects.filter(application__in=[first, second]).count() == 2
    assert check_ledger() == []


def test_a_reviewer_of_the_provider_may_not_decide(w, client):
    # given: the county reviewer also works for the provider
    app = submit(w, "HT-1")
    membership(w.county, Role.PROVIDER_STAFF, w.provider)
    client.sign_in(w.county, language="en")

    # when
    response = decide(client, app, decision="approve")

    # then
    assert response.status_code == 200
    assert (
        "You belong to the applicant or its provider: someone else must review this."
        in response.content.decode()
    )
    app.refresh_from_db()
    assert (app.status, app.stage) == (S.IN_REVIEW, 0)


def test_applications_outside_the_scope_answer_404(w, client):
    # given
    app = submit(w, "HT-1")
    detail = reverse("review:detail", args=[app.pk])

    # then: another region, another level, an applicant
    assert client.sign_in(w.ningbo, language="en").get(detail).status_code == 404
    assert client.sign_in(w.city, language="en").get(detail).status_code == 404
    assert (
        client.sign_in(w.city, language="en")
        .post(detail, {"decision": "approve"})
        .status_code
        == 404
    )
    assert client.sign_in(w.applicant, language="en").get(detail).status_code == 403
    app.refresh_from_db()
    assert app.stage == 0


def test_the_auditor_reads_without_a_form(w, client):
    # given
    app = submit(w, "HT-1")
    auditor = make_role_user(Role.AUDITOR, region="330000")
    client.sign_in(auditor, language="en")

    # when
    response = client.get(reverse("review:detail", args=[app.pk]))

    # then
    assert response.status_code == 200
    assert response.context["form"] is None
    content = response.content.decode()
    assert w.enterprise.name in content
    assert "You may read this application but not decide it." in content
    assert decide(client, app, decision="approve").status_code == 403
    assert client.get(reverse("review:queue")).status_code == 403
    app.refresh_from_db()
    assert app.stage == 0


def test_a_program_manager_decides_final_stages(w, client):
    # given
    app = submit(w, "HT-1")
    manager = make_role_user(Role.PROGRAM_MANAGER, region="330000")
    client.sign_in(manager, language="en")

    # then: not at the county stage (read-only; a POST is refused)
    assert client.get(reverse("review:detail", args=[app.pk])).context["form"] is None
    assert decide(client, app, decision="approve").status_code == 403

    # when: at the final stage
    review.application_approve(application=app, reviewer=w.county)
    assert queue_numbers(client) == [app.number]
    assert decide(client, app, decision="approve").status_code == 200  # confirm
    response = decide(
        client, app, decision="approve", expected_amount="200000.00", confirmed="1"
    )

    # then
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.APPROVED


def test_a_decision_on_a_stale_page_is_not_recorded(w, client):
    # given: the county reviewer's page shows stage 0; the application was
    # returned and resubmitted meanwhile (revision 2)
    app = submit(w, "HT-1")
    stale = {"stage": app.stage, "revision": app.revision}
    other_county = make_role_user(Role.REVIEWER, region="330106")
    review.application_return(application=app, reviewer=other_county, note="补充")
    app = svc.application_submit(application=app, user=w.applicant)
    client.sign_in(w.county, language="en")

    # when
    response = client.post(
        reverse("review:detail", args=[app.pk]), {**stale, "decision": "approve"}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("review:detail", args=[app.pk])
    app.refresh_from_db()
    assert (app.status, app.stage, app.revision) == (S.IN_REVIEW, 0, 2)
