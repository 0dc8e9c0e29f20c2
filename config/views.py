"""Site-wide pages: the home page, the health check and "not found"."""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.permissions import user_roles
from accounts.roles import Role

logger = logging.getLogger(__name__)


def home(request):
    """Public landing page, or the signed-in user's dashboard by role."""
    from vouchers.programs.describe import public_program_groups

    if not request.user.is_authenticated:
        return render(
            request, "home_public.html", {"program_groups": public_program_groups()}
        )
    from config.todo import todos_for

    roles = user_roles(request.user)
    return render(
        request,
        "home.html",
        {
            "roles": roles,
            "sections": todos_for(request.user),
            "Role": Role,
            # An applicant, or someone about to become one, sees the programs.
            "program_groups": public_program_groups()
            if Role.APPLICANT in roles or not roles
            else None,
        },
    )


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("healthz: database unreachable: %s", exc)
        return "unreachable"
    return None


# Seconds the broker may take to accept and to answer; one attempt, no retry,
# so a dead or silent broker makes the check answer within a few seconds.
BROKER_CHECK_TIMEOUT = 2


def _check_broker() -> tuple[str, str | None]:
    """(status text, error) for the Celery broker (the Celery app's broker_url)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "inline", None
    from config.celery import app

    try:
        # Redis otherwise waits without limit for a connection or an answer.
        with app.connection_for_write(
            connect_timeout=BROKER_CHECK_TIMEOUT,
            transport_options={
                "socket_connect_timeout": BROKER_CHECK_TIMEOUT,
                "socket_timeout": BROKER_CHECK_TIMEOUT,
            },
        ) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return "unreachable", "unreachable"
    return "ok", None


# Outside ATOMIC_REQUESTS: opening the request's transaction needs the database,
# and would turn an unreachable database into a 500 instead of this report.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer, else 503 naming the part."""
    db_error = _check_database()
    broker_status, broker_error = _check_broker()
    body = {
        "database": db_error or "ok",
        "broker": broker_status,
    }
    failed = [
        name for name, err in (("database", db_error), ("broker", broker_error)) if err
    ]
    body["status"] = "fail" if failed else "ok"
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def page_not_found(request, exception):
    """Django's 404 page, except under /api/, where a client gets the API's
    JSON shape (``code`` and ``message``) instead of an HTML page, also for
    a path no endpoint matches (``/api/v1/redemptions/abc/``)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": _("Not found.")},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return defaults.page_not_found(request, exception)
