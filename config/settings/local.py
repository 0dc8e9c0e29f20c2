"""The demo profile: SQLite file, background tasks run inline, e-mail on the console.

Needs no environment at all; any value can still be overridden by it.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, DEMO_SIGNING_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
(BASE_DIR / "var").mkdir(exist_ok=True)
# runserver serves static files itself; keep the manifest out of the demo's way.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No beat in the demo: each commit that recorded events seals them at once.
AUDIT_SEAL_ON_COMMIT = env.bool("AUDIT_SEAL_ON_COMMIT", default=True)
# No worker either: a webhook delivery goes on its own thread, so a charge
# never waits for the provider's endpoint (vouchers.webhooks.services).
WEBHOOK_DELIVER_ON_THREAD = env.bool("WEBHOOK_DELIVER_ON_THREAD", default=True)

# Reports are signed with the published demo certificate (not for production).
AUDIT_REPORT_SIGNING_KEY = env(
    "AUDIT_REPORT_SIGNING_KEY", default=str(DEMO_SIGNING_DIR / "demo-signing.key.pem")
)
AUDIT_REPORT_SIGNING_CERT = env(
    "AUDIT_REPORT_SIGNING_CERT", default=str(DEMO_SIGNING_DIR / "demo-signing.crt.pem")
)
