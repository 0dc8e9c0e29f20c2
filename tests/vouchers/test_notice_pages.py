"""The public notice pages: the public list and objection form, the
manager's objection page, and what the applicant sees."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from tests.factories import (
    ApplicationFactory,
    make_open_program,
    make_role_user,
    pdf_upload,
    stage_reviewer,
)
from tests.factories.vouchers import PDF
from vouchers.models import Application, Notice, Objection
from vouchers.notice import services as notice_services
from vouchers.notice.views import OBJECTION_LIMIT
from vouchers.review import services as review

pytestmark = pytest.mark.django_db

S = Application.Status
OB = Objection.Status


@pytest.fixture
def in_notice(applicant) -> Notice:
    program = make_open_program("TEST-NOTICE-2026", public_notice_days=5)
    app = ApplicationFactory(
        at_second_stage=True,
        program=program,
        applicant=applicant,
        enterprise=applicant.memberships.get().enterprise,
    )
    review.application_approve(application=app, reviewer=stage_reviewer(app))
    return Notice.objects.get(application=app)


def _program_page(n):
    return reverse("vouchers:notice-program", args=[n.program.code])


def _object(n):
    return reverse("vouchers:notice-object", args=[n.program.code, n.pk])


def objection_data(**changes):
    return {
        "name": "张三",
        "contact": "13800000000",
        "reason": "该企业与服务商存在关联关系。",
    } | changes


def test_anyone_reads_the_notice_with_no_personal_data(client, in_notice):
    response = client.get(_program_page(in_notice), HTTP_ACCEPT_LANGUAGE="zh-hans")
    content = response.content.decode()
    enterprise = in_notice.application.enterprise
    assert response.status_code == 200
    assert enterprise.name in content
    assert "杭州市" in content  # Xihu district's city
    assert f"{in_notice.amount:,.2f}" in content  # thousands separators
    assert in_notice.ends_on.isoformat() in content
    assert enterprise.uscc not in content
    assert "applicant@example.com" not in content
    listing = client.get(reverse("vouchers:notices")).content.decode()
    assert in_notice.program.code in listing


def test_an_ended_notice_is_no_longer_listed_nor_open_to_objections(client, in_notice):
    Notice.objects.filter(pk=in_notice.pk).update(
        starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 9)
    )
    content = client.get(_program_page(in_notice)).content.decode()
    assert in_notice.application.enterprise.name not in content
    assert client.get(_object(in_notice)).status_code == 404
    assert client.post(_object(in_notice), objection_data()).status_code == 404
    assert not Objection.objects.exists()


def test_an_objection_is_received_and_holds_the_voucher(client, in_notice):
    response = client.post(
        _object(in_notice), objection_data(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.status == OB.OPEN
    assert objection.client_ip == "127.0.0.1"
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"已收到您的异议（编号 {objection.pk}）" in page


def test_an_incomplete_objection_is_explained_in_chinese(client, in_notice):
    response = client.post(
        _object(in_notice), objection_data(reason=""), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "此项为必填项" in response.content.decode()
    assert not Objection.objects.exists()


def test_objections_are_limited_per_client_address(client, in_notice):
    for _n in range(OBJECTION_LIMIT):
        assert client.post(_object(in_notice), objection_data()).status_code == 302
    response = client.post(
        _object(in_notice), objection_data(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 429
    assert "异议过多" in response.content.decode()
    assert Objection.objects.count() == OBJECTION_LIMIT


def test_the_applicant_sees_the_notice_and_that_an_objection_waits(
    client, applicant, in_notice
):
    page = reverse("applications:detail", args=[in_notice.application_id])
    client.sign_in(applicant, language="zh-hans")
    content = client.get(page).content.decode()
    assert "公示中" in content
    assert in_notice.ends_on.isoformat() in content
    assert 'data-testid="notice-objection"' not in content
    client.post(_object(in_notice), objection_data())
    content = client.get(page).content.decode()
    assert 'data-testid="notice-objection"' in content
    assert "张三" not in content  # the objector stays with the department


def test_a_manager_dismisses_and_upholds_on_the_objection_page(client, in_notice):
    manager = make_role_user(Role.PROGRAM_MANAGER)
    first = notice_services.objection_submit(
        notice=in_notice, name="张三", contact="13800000000", reason="关联方"
    )
    second = notice_services.objection_submit(
        notice=in_notice, name="李四", contact="139", reason="合同未履行"
    )
    client.sign_in(manager, language="zh-hans")

    home = client.get(reverse("home")).content.decode()
    assert "2 条对公示申请的异议等待您的决定" in home

    page = reverse("vouchers:objection-detail", args=[first.pk])
    content = client.get(page).content.decode()
    assert "13800000000" in content  # the objector's contact, for the manager
    review_page = reverse("review:detail", args=[in_notice.application_id])
    assert review_page in content
    assert 'data-testid="notice-amount"' in client.get(review_page).content.decode()
    assert "关联方" in content

    # a decision without a reason: the form again, nothing changed
    response = client.post(page, {"decision": "dismiss", "reason": ""})
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == OB.OPEN

    response = client.post(page, {"decision": "dismiss", "reason": "经核查不成立。"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == OB.DISMISSED
    assert "公示继续" in client.get(response.url).content.decode()

    response = client.post(
        reverse("vouchers:objection-detail", args=[second.pk]),
        {"decision": "uphold", "reason": "合同确未履行。"},
    )
    assert response.status_code == 302
    in_notice.application.refresh_from_db()
    assert in_notice.application.status == S.REJECTED


def test_an_auditor_reads_objections_but_does_not_resolve_them(client, in_notice):
    o = notice_services.objection_submit(
        notice=in_notice, name="张三", contact="138", reason="关联方"
    )
    client.sign_in(make_role_user(Role.AUDITOR), language="zh-hans")
    page = reverse("vouchers:objection-detail", args=[o.pk])
    content = client.get(page).content.decode()
    assert "关联方" in content
    assert 'data-testid="resolve-form"' not in content
    assert client.post(page, {"decision": "uphold", "reason": "x"}).status_code == 404
    o.refresh_from_db()
    assert o.status == OB.OPEN
    listing = client.get(reverse("vouchers:objections")).content.decode()
    assert f"#{o.pk}" in listing


def test_the_program_page_tells_managers_of_a_year_the_calendar_lacks(
    client, in_notice, monkeypatch
):
    from vouchers.programs import views as program_views

    page = reverse("programs:detail", args=[in_notice.program.code])
    client.sign_in(make_role_user(Role.PROGRAM_MANAGER), language="zh-hans")
    monkeypatch.setattr(program_views, "calendar_gaps", lambda today: [])
    assert 'data-testid="calendar-gaps"' not in client.get(page).content.decode()
    monkeypatch.setattr(program_views, "calendar_gaps", lambda today: [2027])
    content = client.get(page).content.decode()
    assert 'data-testid="calendar-gaps"' in content
    assert "2027" in content


# -- the objection's evidence, downloaded and audited --------------------------


def _evidence(o):
    return reverse("vouchers:objection-evidence", args=[o.pk])


def _downloads():
    return list(AuditEvent.objects.filter(action=actions.DOCUMENT_DOWNLOADED))


@pytest.mark.parametrize("role", [Role.PROGRAM_MANAGER, Role.AUDITOR])
def test_the_evidence_download_records_who_took_which_file(client, in_notice, role):
    # given
    o = notice_services.objection_submit(
        notice=in_notice,
        name="张三",
        contact="138",
        reason="关联方",
        evidence=pdf_upload("证据.pdf"),
    )
    reader = make_role_user(role)
    client.sign_in(reader, language="en")

    # when
    response = client.get(_evidence(o), REMOTE_ADDR="198.51.100.4")

    # then
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    [event] = _downloads()
    assert (event.actor, event.object_type, event.object_id) == (
        reader,
        "vouchers.objection",
        str(o.pk),
    )
    assert event.after == {
        "file_name": "证据.pdf",
        "size": len(PDF),
        "sha256": o.evidence_sha256,
    }
    assert event.client_ip == "198.51.100.4"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("who", ["applicant", "reviewer", "provider_staff"])
def test_the_evidence_refused_to_others_records_nothing(
    client, in_notice, who, request
):
    # given
    o = notice_services.objection_submit(
        notice=in_notice,
        name="张三",
        contact="138",
        reason="关联方",
        evidence=pdf_upload("证据.pdf"),
    )
    client.sign_in(request.getfixturevalue(who), language="en")

    # when
    response = client.get(_evidence(o))

    # then
    assert response.status_code in (403, 404)
    assert not response.streaming
    assert _downloads() == []


def test_an_objection_without_evidence_answers_404_and_records_nothing(
    client, in_notice
):
    # given
    o = notice_services.objection_submit(
        notice=in_notice, name="张三", contact="138", reason="关联方"
    )
    client.sign_in(make_role_user(Role.PROGRAM_MANAGER), language="en")

    # then
    assert client.get(_evidence(o)).status_code == 404
    assert _downloads() == []
