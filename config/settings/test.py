"""The test profile: PostgreSQL and Redis from the environment (see scripts/test.sh).

Tasks run inline except in the tests that start a real worker.
"""

import os

from .base import *  # noqa: F403

if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
    raise RuntimeError(
        "Tests run against PostgreSQL: set DATABASE_URL=postgres://... "
        "(`make test` finds or starts a server and sets it)."
    )

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
