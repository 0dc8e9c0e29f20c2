"""The accounts Celery tasks, run inline (CELERY_TASK_ALWAYS_EAGER)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions, send_email

pytestmark = pytest.mark.django_db


def _session(expire_date):
    store = SessionStore()
    store["marker"] = "x"
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=expire_date)
    return store.session_key


def test_send_email_sends_one_message(mailoutbox):
    # given
    kwargs = {
        "subject": "[算力券·模型券] 请确认您的邮箱",
        "body": "您好",
        "to": ["someone@example.com"],
        "html": "<p>您好</p>",
    }

    # when
    result = send_email.delay(**kwargs)

    # then
    assert result.get() == 1
    [message] = mailoutbox
    assert message.subject == kwargs["subject"]
    assert message.body == "您好"
    assert message.to == ["someone@example.com"]
    assert message.alternatives[0][0] == "<p>您好</p>"
    assert message.alternatives[0][1] == "text/html"


def test_send_email_without_html_sends_plain_text_only(mailoutbox):
    # given / when
    send_email.delay(subject="s", body="b", to=["a@example.com"])

    # then
    [message] = mailoutbox
    assert message.alternatives == []


def test_clear_expired_sessions_removes_only_expired_rows():
    # given
    expired = _session(timezone.now() - timedelta(minutes=1))
    live = _session(timezone.now() + timedelta(minutes=30))

    # when
    clear_expired_sessions.delay()

    # then
    assert not Session.objects.filter(pk=expired).exists()
    assert Session.objects.filter(pk=live).exists()
