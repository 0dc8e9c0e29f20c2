"""A real Celery worker takes a task from Redis and sends the e-mail.

The worker runs the test settings with tasks not eager and a file-based e-mail
backend writing into the test's tmp_path (config/settings/test.py reads
CELERY_TASK_ALWAYS_EAGER, TEST_EMAIL_BACKEND and TEST_EMAIL_FILE_PATH). It
listens on a queue of its own, so no other worker on the same Redis takes the
task, and this test's worker takes no one else's.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import redis

from accounts.tasks import send_email
from config.celery import app

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voucher"
)
WAIT_SECONDS = 20
STOP_SECONDS = 15


@pytest.fixture
def broker_url():
    """The Redis the worker and this process share; it must answer."""
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        problem = str(exc)
    else:
        return BROKER_URL
    pytest.fail(
        f"Redis at {BROKER_URL} does not answer ({problem}). The worker tests need "
        "it: run `make test` (scripts/test.sh starts one) or set "
        "CELERY_BROKER_URL to a running Redis.",
        pytrace=False,
    )


@pytest.fixture
def publish_to_broker(broker_url):
    """Send tasks to the real broker from this process, then restore the app.

    Even an eager task takes a producer from the app's pool, and the pool keeps
    the broker it was first made for; so the test publishes through its own
    connection to ``broker_url`` rather than through the pool.
    """
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url
    try:
        with app.connection_for_write(broker_url) as connection:
            yield connection
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved


@pytest.fixture
def queue(broker_url):
    """A queue no other worker listens on; its Redis keys are removed after."""
    name = f"test-worker-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2)
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def worker(broker_url, queue, mail_dir, tmp_path):
    """A Celery worker subprocess consuming ``queue``; stopped with SIGTERM."""
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TEST_EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(CELERY),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "info",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    process.log_path = log_path
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail(
                    f"The worker did not stop within {STOP_SECONDS} s of SIGTERM.\n"
                    + log_path.read_text(errors="replace"),
                    pytrace=False,
                )


def _wait_for_mail(mail_dir: Path, process) -> Path:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        files = sorted(mail_dir.glob("*.log"))
        if files:
            return files[0]
        if process.poll() is not None:
            pytest.fail(
                f"The worker exited with {process.returncode} before sending:\n"
                + process.log_path.read_text(errors="replace"),
                pytrace=False,
            )
        time.sleep(0.2)
    pytest.fail(
        f"No e-mail from the worker within {WAIT_SECONDS} s. Worker log:\n"
        + process.log_path.read_text(errors="replace"),
        pytrace=False,
    )


def _read_mail(path: Path):
    # The file backend writes the message followed by a line of 79 dashes.
    raw = path.read_bytes().split(b"\n" + b"-" * 79)[0]
    return message_from_bytes(raw)


def test_worker_sends_the_email_task_taken_from_the_broker(
    publish_to_broker, worker, queue, mail_dir
):
    # given
    marker = uuid.uuid4().hex[:12]
    subject = f"邀请 invitation {marker}"

    # when
    result = send_email.apply_async(
        kwargs={
            "subject": subject,
            "body": f"Open this link to accept: https://example.test/{marker}/",
            "to": ["colleague@example.com"],
        },
        queue=queue,
        connection=publish_to_broker,
    )
    mail_path = _wait_for_mail(mail_dir, worker)

    # then
    assert result.id
    message = _read_mail(mail_path)
    assert str(make_header(decode_header(message["Subject"]))) == subject
    assert message["To"] == "colleague@example.com"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert f"https://example.test/{marker}/" in body

    # when: the worker is asked to stop
    worker.send_signal(signal.SIGTERM)
    returncode = worker.wait(timeout=STOP_SECONDS)

    # then: it stops cleanly, and did the work once
    assert returncode == 0, worker.log_path.read_text(errors="replace")
    assert len(list(mail_dir.glob("*.log"))) == 1
    log = worker.log_path.read_text(errors="replace")
    assert "accounts.tasks.send_email" in log
    assert "succeeded" in log
