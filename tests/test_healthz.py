"""/healthz: the database and the Celery broker, as a load balancer sees them.

The view reads whether tasks run inline from Django's
``settings.CELERY_TASK_ALWAYS_EAGER``, and connects to the broker through the
Celery app (``app.connection_for_write()``). Celery takes that broker from the
environment first (CELERY_BROKER_WRITE_URL, then CELERY_BROKER_URL, which
scripts/test.sh exports) and only then from its configuration, read once from
Django's CELERY_BROKER_URL. Changing Django's setting, or even
``app.conf.broker_url`` alone, would leave the view checking the original
broker, so the fixture sets all of them and puts them back.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError

import config.views
from config.celery import app

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
# The check must answer well inside a load balancer's timeout.
MAX_SECONDS = 5


@pytest.fixture
def use_broker(settings, monkeypatch):
    """Point the check at a broker: returns a function taking the URL."""
    original = app.conf.broker_url
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)

    def use(url, *, eager=False):
        settings.CELERY_TASK_ALWAYS_EAGER = eager
        settings.CELERY_BROKER_URL = url
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        assert app.conf.broker_write_url == url

    yield use
    app.conf.broker_url = original


@pytest.fixture
def silent_broker():
    """A TCP port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def _timed_get(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


def test_healthz_is_ok_when_database_and_broker_answer(client, use_broker):
    # given
    use_broker(REDIS_URL)

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_checks_the_broker_celery_sends_tasks_to(client, use_broker, settings):
    # given: Django's setting names a live Redis, Celery's broker is closed
    use_broker(CLOSED_PORT_URL)
    settings.CELERY_BROKER_URL = REDIS_URL

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_healthz_fails_quickly_when_the_broker_port_is_closed(client, use_broker):
    # given
    use_broker(CLOSED_PORT_URL)

    # when
    response, seconds = _timed_get(client)

    # then
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "broker": "unreachable",
        "status": "fail",
        "failed": ["broker"],
    }
    assert seconds < MAX_SECONDS


def test_healthz_fails_in_bounded_time_when_the_broker_never_answers(
    client, use_broker, silent_broker
):
    # given
    use_broker(silent_broker)

    # when
    response, seconds = _timed_get(client)

    # then
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert seconds < MAX_SECONDS


def test_healthz_reports_the_database_when_its_query_fails(
    client, use_broker, monkeypatch
):
    # given
    use_broker(REDIS_URL)

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(config.views, "connection", BrokenConnection())

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "database": "unreachable",
        "broker": "ok",
        "status": "fail",
        "failed": ["database"],
    }


# Run in a process whose database is a closed port: the request itself must
# not need the database (ATOMIC_REQUESTS would open a transaction first).
_UNREACHABLE_DB_SCRIPT = """
import json
from django.test import Client
response = Client(HTTP_HOST="localhost", raise_request_exception=False).get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.content.decode()}))
"""


def test_healthz_answers_503_json_when_the_database_cannot_be_reached():
    # given
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/voucher",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PYTHONPATH": str(ROOT),
    }

    # when
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            _UNREACHABLE_DB_SCRIPT,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    seconds = time.monotonic() - started

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503, answer
    assert json.loads(answer["body"]) == {
        "database": "unreachable",
        "broker": "inline",
        "status": "fail",
        "failed": ["database"],
    }
    assert seconds < 30


def test_healthz_names_both_parts_when_both_fail(client, use_broker, monkeypatch):
    # given
    use_broker(CLOSED_PORT_URL)

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(config.views, "connection", BrokenConnection())

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert response.json()["failed"] == ["database", "broker"]


def test_healthz_reports_inline_tasks_without_a_broker_in_eager_mode(
    client, use_broker
):
    # given: no broker is contacted at all, even a closed one
    use_broker(CLOSED_PORT_URL, eager=True)

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "inline", "status": "ok"}


def test_healthz_refuses_post(client):
    # when
    response = client.post("/healthz")

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_healthz_needs_no_login(client, settings):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = True

    # when
    response = client.get("/healthz", follow=False)

    # then
    assert response.status_code == 200
