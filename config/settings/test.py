"""The test profile: PostgreSQL and Redis from the environment (see scripts/test.sh;
config.settings.test_sqlite runs a few tests on SQLite, the demo's database).

Tasks run inline except in the tests that start a real worker.
"""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DEMO_SIGNING_DIR, env

if not os.environ.get("DATABASE_URL", "").startswith(
    ("postgres", "pgsql")
) and not os.environ.get("DJANGO_TEST_SQLITE"):
    raise RuntimeError(
        "Tests run against PostgreSQL: set DATABASE_URL=postgres://... "
        "(`make test` finds or starts a server and sets it)."
    )

DEBUG = False
# The worker tests start a real worker with this profile: it must consume from
# the broker (CELERY_TASK_ALWAYS_EAGER=0) and write its e-mail where the test
# reads it (TEST_EMAIL_BACKEND, TEST_EMAIL_FILE_PATH).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
EMAIL_BACKEND = env(
    "TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env(
    "TEST_EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "test-mail")
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Reports are signed with the published demo certificate (not for production).
AUDIT_REPORT_SIGNING_KEY = env(
    "AUDIT_REPORT_SIGNING_KEY", default=str(DEMO_SIGNING_DIR / "demo-signing.key.pem")
)
AUDIT_REPORT_SIGNING_CERT = env(
    "AUDIT_REPORT_SIGNING_CERT", default=str(DEMO_SIGNING_DIR / "demo-signing.crt.pem")
)
