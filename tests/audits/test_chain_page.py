"""The chain page (managers and auditors): state, checks, checkpoints, and
the scheduled tasks that keep the chain sealed."""

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import Role
from audits import actions, tasks
from audits.chain import services
from audits.chain.verify import read_checkpoints
from audits.models import AuditEvent, ChainCheckpoint, ChainLink, ChainVerification
from audits.services import audit_event_record
from config.celery import app as celery_app
from tests.factories import make_role_user

pytestmark = pytest.mark.django_db

URL = "/audit/chain/"


@pytest.fixture
def auditor_client(client):
    return client.sign_in(
        make_role_user(Role.AUDITOR, region="330000"), language="zh-hans"
    )


def _record(n=1, when=None):
    for _ in range(n):
        with transaction.atomic():
            if when is None:
                audit_event_record(action=actions.USER_CREATED, actor_label="x")
            else:
                with mock.patch("django.utils.timezone.now", return_value=when):
                    audit_event_record(action=actions.USER_CREATED, actor_label="x")


def test_the_page_shows_the_head_and_what_waits(auditor_client):
    # given
    _record(3)
    services.chain_seal()
    _record(2)
    seq, head = ChainLink.objects.values_list("seq", "hash").order_by("-seq")[0]

    # when
    response = auditor_client.get(URL)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "审计链" in page
    assert head in page
    assert f'data-testid="head-seq">{seq}<' in page
    assert "2 条事件" in page
    assert 'data-testid="sealer-behind"' not in page


def test_the_page_warns_when_the_sealer_is_behind(auditor_client):
    # given: an event waiting for two minutes (the limit is one)
    _record(1, when=timezone.now() - timedelta(minutes=2))

    # when
    page = auditor_client.get(URL).content.decode()

    # then
    assert 'data-testid="sealer-behind"' in page
    assert "封存程序滞后" in page


def test_a_check_from_the_page_runs_and_shows_intact(
    auditor_client, django_capture_on_commit_callbacks
):
    # given
    _record(4)

    # when (tasks run inline in the tests, once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor_client.post(f"{URL}verify/", {"first": "", "last": ""})

    # then
    assert response.status_code == 302
    verification = ChainVerification.objects.get()
    assert verification.status == ChainVerification.Status.INTACT
    assert verification.checked == ChainLink.objects.count() >= 4
    assert verification.requested_by_label
    assert AuditEvent.objects.filter(
        action=actions.AUDIT_CHAIN_VERIFICATION_REQUESTED
    ).exists()
    page = auditor_client.get(URL).content.decode()
    assert 'data-testid="verification-intact"' in page


def test_a_broken_chain_is_named_on_the_page(auditor_client):
    # given: an event changed after sealing
    _record(3)
    services.chain_seal()
    seq, event_id = ChainLink.objects.values_list("seq", "event_id").order_by("-seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    AuditEvent.objects.filter(pk=event_id).update(actor_label="forged")
    verification = services.chain_verification_request()

    # when
    services.chain_verification_run(verification.pk)
    page = auditor_client.get(URL).content.decode()

    # then
    verification.refresh_from_db()
    assert verification.status == ChainVerification.Status.BROKEN
    assert verification.break_seq == seq
    assert f"事件 #{event_id}" in page
    assert f"位置 {seq}" in page


def test_a_bad_range_is_refused_with_a_message(auditor_client):
    response = auditor_client.post(f"{URL}verify/", {"first": "5", "last": "2"})
    assert response.status_code == 400
    assert "最后位置在起始位置之前" in response.content.decode()
    assert not ChainVerification.objects.exists()

    response = auditor_client.post(f"{URL}verify/", {"first": "abc"})
    assert response.status_code == 400
    assert not ChainVerification.objects.exists()


def test_a_checkpoint_from_the_page_and_none_when_nothing_moved(auditor_client):
    # given
    _record(2)

    # when
    first = auditor_client.post(f"{URL}checkpoints/", follow=True)

    # then
    checkpoint = ChainCheckpoint.objects.get()
    assert checkpoint.seq == ChainLink.objects.count()
    assert f"已在位置 {checkpoint.seq} 记录检查点" in first.content.decode()
    assert AuditEvent.objects.filter(action=actions.AUDIT_CHECKPOINT_TAKEN).count() == 1

    # when: again, with only the request's own event since
    services.chain_seal()
    again = auditor_client.post(f"{URL}checkpoints/", follow=True)

    # then: the head moved by that event, so one more checkpoint
    assert ChainCheckpoint.objects.count() == 2
    assert again.status_code == 200


def test_the_checkpoints_download_reads_back_for_audit_verify(auditor_client):
    # given
    _record(2)
    services.chain_checkpoint_take()
    _record(1)
    services.chain_checkpoint_take()

    # when
    response = auditor_client.get(f"{URL}checkpoints.csv")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["position"]) for r in rows] == sorted(
        ChainCheckpoint.objects.values_list("seq", flat=True)
    )
    assert read_checkpoints(text.splitlines()) == dict(
        ChainCheckpoint.objects.values_list("seq", "hash")
    )
    assert AuditEvent.objects.filter(
        action=actions.AUDIT_CHECKPOINTS_EXPORTED, after={"count": 2}
    ).exists()


def test_managers_and_auditors_find_the_page_in_their_menu(client):
    for role in (Role.AUDITOR, Role.PROGRAM_MANAGER):
        user = make_role_user(role, region="330000")
        page = client.sign_in(user, language="zh-hans").get("/").content.decode()
        assert 'href="/audit/chain/"' in page


def test_the_beat_seals_every_ten_seconds_on_its_own_queue():
    entry = celery_app.conf.beat_schedule["audit-chain-seal"]
    assert entry["task"] == "audits.tasks.chain_seal"
    assert entry["schedule"] == 10.0
    assert entry["options"]["queue"] == "audit"
    assert "audits.tasks.chain_seal" in celery_app.tasks
    assert "audits.tasks.chain_checkpoint" in celery_app.tasks
    assert "audits.tasks.chain_verify_nightly" in celery_app.tasks


def test_the_scheduled_tasks_seal_checkpoint_and_check(
    django_capture_on_commit_callbacks,
):
    _record(2)
    assert tasks.chain_seal() == 2
    assert tasks.chain_checkpoint() == 2
    assert tasks.chain_checkpoint() is None
    with django_capture_on_commit_callbacks(execute=True):
        pk = tasks.chain_verify_nightly()
    assert ChainVerification.objects.get(pk=pk).status == "intact"


def test_sealing_on_commit_links_the_event_once_the_change_commits(
    settings, django_capture_on_commit_callbacks
):
    # given
    settings.AUDIT_SEAL_ON_COMMIT = True

    # when
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            audit_event_record(action=actions.USER_CREATED, actor_label="x")
        assert ChainLink.objects.count() == 0  # not before the commit

    # then
    assert ChainLink.objects.count() == 1
