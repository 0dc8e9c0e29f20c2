"""The site's URLs plus ``POST /bench/bare/``: a DRF endpoint with the
provider API's authentication, permission and throttle that inserts one row
and answers 201, the baseline the charge endpoint is compared with; with
BENCH_AUDIT_CHAIN=off, audit events skip the sealer's queue."""

import os
from types import SimpleNamespace

from django.db import connection
from django.urls import path
from rest_framework.response import Response

from config.urls import urlpatterns as site
from vouchers.provider_api.api import ProviderAPIView


class BareInsert(ProviderAPIView):
    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare (provider_id, body) VALUES (%s, %s) RETURNING id",
                [request.auth.provider_id, str(request.data)[:500]],
            )
            (pk,) = cursor.fetchone()
        return Response({"id": pk}, status=201)


if os.environ.get("BENCH_AUDIT_CHAIN") == "off":
    # bench/redemption.py --chain-rounds: the run "without the chain", where
    # events are recorded with no row for the sealer (bench only).
    from audits import services as audit_services

    audit_services.PendingSeal = SimpleNamespace(  # type: ignore[assignment]
        objects=SimpleNamespace(create=lambda **kwargs: None)
    )


urlpatterns = [path("bench/bare/", BareInsert.as_view()), *site]
