"""The site's URLs plus ``POST /bench/bare/``: a DRF endpoint with the
provider API's authentication, permission and throttle that inserts one row
and answers 201, the baseline the charge endpoint is compared with."""

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


urlpatterns = [path("bench/bare/", BareInsert.as_view()), *site]
