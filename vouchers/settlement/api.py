"""The provider API's statements: the key's provider's statements, newest
first, and one with its charges (read only; records are uploaded and
statements submitted on the statement page)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from ..models import Redemption, Statement
from ..provider_api.api import (
    ProviderAPIView,
    ProviderCursor,
    error_responses,
    query_choice,
)
from .serializers import StatementDetailSerializer, StatementSerializer


class StatementCursor(ProviderCursor):
    pass


def _statements(view: ProviderAPIView):
    return Statement.objects.filter(provider=view.key.provider).select_related(
        "program", "payment"
    )


class StatementListView(ProviderAPIView, generics.GenericAPIView):
    serializer_class = StatementSerializer
    pagination_class = StatementCursor
    query_parameters = {"GET": ("status",)}

    @extend_schema(
        operation_id="statement_list",
        summary="List your statements",
        description=(
            "One statement per program and period, listing the charges confirmed by "
            "the period's end; newest first, 50 a page (`page_size` up to 200)."
        ),
        tags=["provider"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Statement.Status.values)
        ],
        responses={
            200: StatementSerializer(many=True),
            **error_responses(400, 401, 429),
        },
    )
    def get(self, request):
        statements = _statements(self)
        wanted = query_choice(request, "status", Statement.Status.values)
        if wanted is not None:
            statements = statements.filter(status=wanted)
        page = self.paginate_queryset(statements)
        return self.get_paginated_response(StatementSerializer(page, many=True).data)


class StatementDetailView(ProviderAPIView):
    @extend_schema(
        operation_id="statement_detail",
        summary="One of your statements, with its charges",
        tags=["provider"],
        responses={200: StatementDetailSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request, pk: int):
        statement = get_object_or_404(
            _statements(self).prefetch_related(
                Prefetch(
                    "charges", queryset=Redemption.objects.select_related("voucher")
                )
            ),
            pk=pk,
        )
        return Response(StatementDetailSerializer(statement).data)
