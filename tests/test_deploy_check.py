"""The production profile passes Django's deployment checks and sends the
security headers: every asset from this site only, no sniffing, no referrer
to other sites."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "vouchers.example.gov.cn"


def _random_key(length: int) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _production_env() -> dict[str, str]:
    """The process environment of a deployment, with nothing from the test run
    that could stand in for a missing production value."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "TEST_EMAIL_"))
        and key not in {"DATABASE_URL", "CACHE_URL", "EMAIL_URL"}
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": _random_key(60),
        "DJANGO_PII_HASH_KEY": _random_key(60),
        "DJANGO_SEALING_KEYS": "Dz1cGJdPobFS0zVH1w8h3jbL5n2Q9q5Qy0nqU4m8b1E=",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voucher"
        ),
        "CELERY_BROKER_URL": os.environ.get(
            "CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"
        ),
        "CACHE_URL": "redis://127.0.0.1:6379/2",
        "EMAIL_URL": "smtp://mail.example.gov.cn:587",
        "PYTHONPATH": str(ROOT),
    }


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**_production_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks():
    # when
    result = _manage("check", "--deploy", "--fail-level", "WARNING")

    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output


# Run inside the production profile: request /healthz over HTTPS through the
# whole middleware stack and print the headers.
_HEADERS_SCRIPT = f"""
import json
from django.test import Client
response = Client(HTTP_HOST={HOST!r}).get("/healthz", secure=True)
print(json.dumps({{"status": response.status_code, "headers": dict(response.items())}}))
"""


def test_production_profile_sends_the_security_headers():
    # when
    result = _manage("shell", "--no-imports", "-c", _HEADERS_SCRIPT)

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {name.lower(): value for name, value in answer["headers"].items()}
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "includeSubDomains" in headers["strict-transport-security"]


@pytest.mark.django_db
def test_every_response_carries_a_self_only_content_security_policy(client):
    # when
    response = client.get("/healthz")

    # then
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy
    assert "unsafe" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_old_forwarded_for_switch_stops_the_process_naming_its_successor():
    # given a deployment still configured the old way (first hop trusted)
    # when
    result = _manage("check", DJANGO_USE_X_FORWARDED_FOR="true")

    # then
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_COUNT" in result.stderr


def test_the_example_environment_trusts_the_one_proxy_of_the_compose_file():
    # given
    example = (ROOT / "docker" / ".env.example").read_text(encoding="utf-8")
    values = dict(
        line.split("=", 1)
        for line in example.splitlines()
        if line and not line.startswith("#")
    )

    # when
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)",
        DJANGO_TRUSTED_PROXY_COUNT=values["DJANGO_TRUSTED_PROXY_COUNT"],
    )

    # then
    assert values["DJANGO_TRUSTED_PROXY_COUNT"] == "1"
    assert result.stdout.strip() == "1", result.stderr
