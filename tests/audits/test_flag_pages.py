"""The flags pages: the list in Chinese with its filters and scans, one flag
with its facts and links, the auditor's triage, and "scan now"."""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts.roles import Role
from audits import actions
from audits.flags import services
from audits.models import AuditEvent, Flag, FlagScan
from enterprises.models import Enterprise
from tests.factories import ProviderFactory, make_role_user
from tests.factories.vouchers import ApplicationFactory, sme_applicant

pytestmark = pytest.mark.django_db

LIST = reverse("audits:flag-list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def flags():
    provider = ProviderFactory(name="杭州测试算力有限公司")
    ApplicationFactory(withdrawn=True, provider=provider, contract_number="HT-DUP")
    ApplicationFactory(submitted=True, provider=provider, contract_number="HT-DUP")
    applicant = sme_applicant()
    Enterprise.objects.filter(pk=applicant.memberships.get().enterprise_id).update(
        established_on=date(2026, 2, 1), name="新成立科技有限公司"
    )
    ApplicationFactory(submitted=True, applicant=applicant, signed_on=date(2026, 3, 1))
    services.flags_scan()
    return {f.rule: f for f in Flag.objects.all()}


@pytest.fixture
def auditor():
    return make_role_user(Role.AUDITOR, region="330000")


def test_the_list_explains_each_flag_in_chinese(client, flags, auditor):
    client.sign_in(auditor, language="zh-hans")

    response = client.get(LIST)

    page = response.content.decode()
    assert response.status_code == 200
    assert "异常标记" in page
    assert "同一合同多次申报" in page
    assert "杭州测试算力有限公司的合同 HT-DUP 在 2 份申报中出现" in page
    assert "新成立科技有限公司成立于 2026-02-01" in page
    assert 'data-testid="count-open"><a href="?status=open">2<' in page
    assert "新标记" in page  # the scan's result


def test_the_list_filters_by_status_and_rule(client, flags, auditor):
    client.sign_in(auditor, language="en")
    services.flag_triage(
        flag=flags["same_contract"], status="dismissed", note="续约", actor=auditor
    )

    open_only = client.get(LIST, {"status": "open"}).context["page"].object_list
    by_rule = client.get(LIST, {"rule": "same_contract"}).context["page"].object_list
    unknown = client.get(LIST, {"rule": "no_such_rule"})

    assert [f.rule for f in open_only] == ["recent_registration"]
    assert [f.rule for f in by_rule] == ["same_contract"]
    # an unknown rule is shown as an error and ignored, never a 500
    assert unknown.status_code == 200
    assert len(unknown.context["page"].object_list) == 2


def test_an_auditor_triages_a_flag_from_its_page(client, flags, auditor):
    client.sign_in(auditor, language="zh-hans")
    flag = flags["same_contract"]
    url = reverse("audits:flag-detail", args=[flag.pk])

    page = client.get(url).content.decode()
    response = client.post(
        url, {"status": "confirmed", "note": "两次申报同一合同，已移交核查。"}
    )

    assert "你的结论" in page
    assert reverse("enterprises:detail", args=[flag.enterprise_id]) in page
    history = (
        reverse("audits:event-list")
        + "?"
        + urlencode(
            {"object_type": "vouchers.application", "object_id": flag.subject_id}
        )
    )
    assert history.replace("&", "&amp;") in page
    assert response.status_code == 302
    assert response["Location"] == LIST
    flag.refresh_from_db()
    assert flag.status == Flag.Status.CONFIRMED
    assert AuditEvent.objects.filter(
        action=actions.FLAG_CONFIRMED, actor=auditor
    ).exists()
    # the triaged flag shows the finding and no form
    page = client.get(url).content.decode()
    assert "两次申报同一合同，已移交核查。" in page
    assert 'data-testid="triage"' not in page


def test_a_triage_without_a_note_says_so_and_changes_nothing(client, flags, auditor):
    client.sign_in(auditor, language="zh-hans")
    flag = flags["same_contract"]
    events = AuditEvent.objects.count()

    response = client.post(
        reverse("audits:flag-detail", args=[flag.pk]),
        {"status": "dismissed", "note": "   "},
    )

    assert response.status_code == 400
    assert "此项为必填项。" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    assert AuditEvent.objects.count() == events


def test_a_manager_reads_a_flag_but_cannot_triage_it(client, flags):
    manager = make_role_user(Role.PROGRAM_MANAGER, region="330100")
    client.sign_in(manager, language="zh-hans")
    flag = flags["same_contract"]
    url = reverse("audits:flag-detail", args=[flag.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"status": "dismissed", "note": "没问题"})

    assert 'data-testid="flag-text"' in page
    assert 'data-testid="triage"' not in page
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


def test_scan_now_runs_the_rules_and_shows_the_result(
    client, auditor, django_capture_on_commit_callbacks
):
    provider = ProviderFactory()
    ApplicationFactory(withdrawn=True, provider=provider, contract_number="HT-X")
    ApplicationFactory(submitted=True, provider=provider, contract_number="HT-X")
    client.sign_in(auditor, language="zh-hans")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:flag-scan"))

    assert response.status_code == 302
    scan = FlagScan.objects.get()
    assert scan.status == FlagScan.Status.DONE
    assert scan.raised == 1
    page = client.get(LIST).content.decode()
    assert "1 个新标记" in page


def test_the_event_list_shows_one_objects_history(client, flags, auditor):
    client.sign_in(auditor, language="en")
    flag = flags["same_contract"]

    response = client.get(
        reverse("audits:event-list"),
        {"object_type": "audits.flag", "object_id": str(flag.pk)},
    )

    events = list(response.context["page"].object_list)
    assert [e.action for e in events] == [actions.FLAG_RAISED]
