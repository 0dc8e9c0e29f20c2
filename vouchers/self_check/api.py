"""The public REST API: the eligibility self-check.

``POST /api/v1/eligibility/self-check`` answers whether an enterprise would
qualify for an open program and estimates the subsidy. Anonymous, stateless
(nothing is stored), throttled per client; messages and reasons follow the
request's language (Chinese by default, English with Accept-Language: en).
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ParseError, Throttled
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView, exception_handler

from config.client_ip import ClientIpThrottleMixin

from ..eligibility.explain import decision_answer
from .selectors import run_self_check, validate_self_check
from .serializers import (
    DetailSerializer,
    ErrorsSerializer,
    SelfCheckRequestSerializer,
    SelfCheckResultSerializer,
)

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class SelfCheckThrottle(ClientIpThrottleMixin, ScopedRateThrottle):
    """Requests per client (its address, as the audit trail records it),
    at the rate of ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]``."""

    def get_rate(self):
        # Read at request time (DRF binds the rates when the class is made),
        # so a changed setting applies without a restart of the test process.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def throttled_message(wait: float | None) -> str:
    # DRF's own messages, which carry their translations; its default detail
    # runs ngettext over already formatted text and so stays in English.
    message = _("Request was throttled.")
    if wait is not None:
        seconds = max(math.ceil(wait), 1)
        extra = (
            _("Expected available in {wait} second.")
            if seconds == 1
            else _("Expected available in {wait} seconds.")
        )
        message = f"{message} {extra.format(wait=seconds)}"
    return message


# The deepest a valid request goes is 4 (body, enterprise, investments, row).
MAX_JSON_DEPTH = 16


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return deepest


class SelfCheckJSONParser(JSONParser):
    """JSON, refusing absurd nesting with a 400 (Python's parser would run
    out of recursion and answer 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(code="too_deep") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise ParseError(code="too_deep")
        return data


def _exception_handler(exc, context):
    if isinstance(exc, ParseError):
        message = (
            _("The request body is nested too deeply.")
            if exc.get_codes() == "too_deep"
            else _("The request body is not valid JSON.")
        )
        return Response(
            {"errors": {NON_FIELD: [message]}}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Throttled):
        wait = exc.wait
        exc = Throttled(detail=throttled_message(wait))
        exc.wait = wait  # for the Retry-After header
    return exception_handler(exc, context)


EXAMPLE_REQUEST = {
    "program": "HZ-COMPUTE-2026",
    "enterprise": {
        "credit_code": "91330106MA2CD0F16U",
        "region_code": "330106",
        "industry_code": "I65",
        "employees": 45,
        "revenue": "12000000.00",
        "total_assets": "8000000.00",
        "established_on": "2019-05-20",
        "investments": [{"year": 2023, "it": "300000.00", "ai": "120000.00"}],
    },
    "contract": {
        "signed_on": "2026-03-01",
        "term_months": 12,
        "amount": "400000.00",
        "facility": "domestic",
    },
}

EXAMPLE_RESULT = {
    "program": "HZ-COMPUTE-2026",
    "version": 1,
    "eligible": True,
    "needs_review": False,
    "size_class": "small",
    "rules": [
        {
            "code": "enterprise_type",
            "title": "市场主体类型",
            "outcome": "pass",
            "reason": "统一社会信用代码前两位为“91”，属于本项目受理的主体类型。（依据：《杭州市算力券实施细则》第三条）",
            "citation": "（依据：《杭州市算力券实施细则》第三条）",
        },
        {
            "code": "region",
            "title": "注册地",
            "outcome": "pass",
            "reason": "企业注册地（330106）在本项目地区（杭州市）内。（依据：《杭州市算力券实施细则》第三条）",
            "citation": "（依据：《杭州市算力券实施细则》第三条）",
        },
        {
            "code": "provider",
            "title": "服务商",
            "outcome": "not_applicable",
            "reason": "未指定服务商。（依据：《杭州市算力券实施细则》第四条）",
            "citation": "（依据：《杭州市算力券实施细则》第四条）",
        },
    ],
    "rate": "0.50",
    "subsidy": "200000.00",
    "calculation": [
        {"step": "eligible_amount", "value": "400000.00", "citation": ""},
        {
            "step": "rate",
            "value": "0.50",
            "basis": "spend tier: SME year total 400000.00 <= 500000.00",
            "citation": "（依据：《杭州市算力券实施细则》第五条）",
        },
        {"step": "rate_times_amount", "value": "200000.0000", "citation": ""},
        {
            "step": "cap_remaining",
            "value": "8000000.00",
            "basis": "8000000.00 - 0.00",
            "citation": "（依据：《杭州市算力券实施细则》第六条）",
        },
        {"step": "budget_remaining", "value": "250000000.00", "citation": ""},
        {
            "step": "subsidy",
            "value": "200000.00",
            "basis": "min(...), rounded half-up to the fen",
            "citation": "",
        },
    ],
}


class SelfCheckView(APIView):
    # Anonymous and stateless: no session, hence no CSRF check either.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SelfCheckThrottle]
    throttle_scope = "self_check"
    parser_classes = [SelfCheckJSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return _exception_handler

    @extend_schema(
        operation_id="eligibility_self_check",
        summary="Eligibility self-check",
        description=(
            "Would this enterprise qualify for an open program, and how much "
            "might the subsidy be? Anonymous; nothing is stored. Rules that need "
            "a provider or existing applications answer `not_applicable`; they "
            "are checked when the enterprise applies. Reasons and error messages "
            "follow Accept-Language: Chinese by default, English with `en`.\n\n"
            'Money is in yuan: give decimal strings ("400000.00") or whole '
            "numbers (400000); numbers with decimals are refused, as are more "
            "than two decimals. Throttled per client (HTTP 429)."
        ),
        tags=["eligibility"],
        auth=[],
        request=SelfCheckRequestSerializer,
        responses={
            200: SelfCheckResultSerializer,
            400: OpenApiResponse(
                ErrorsSerializer,
                description="Malformed input; messages by field path.",
                examples=[
                    OpenApiExample(
                        "Invalid credit code",
                        value={
                            "errors": {
                                "enterprise.credit_code": [
                                    "校验码有误：最后一位应为U。"
                                ],
                                "contract.amount": ["金额不能为负数。"],
                            }
                        },
                        response_only=True,
                        status_codes=["400"],
                    )
                ],
            ),
            429: OpenApiResponse(
                DetailSerializer, description="Too many requests from this client."
            ),
        },
        examples=[
            OpenApiExample(
                "Software company in Xihu district",
                summary="45 staff, 12 million yuan revenue, 400,000 yuan contract",
                value=EXAMPLE_REQUEST,
                request_only=True,
            ),
            OpenApiExample(
                "Eligible at 50 percent",
                value=EXAMPLE_RESULT,
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        validated, errors = validate_self_check(request.data)
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        decision = run_self_check(validated)
        return Response(SelfCheckResultSerializer(decision_answer(decision)).data)
