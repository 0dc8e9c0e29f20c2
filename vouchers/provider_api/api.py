"""The provider API under /api/v1/: voucher look-up, charges (created with
an Idempotency-Key, listed with a cursor, voided). Authenticated with a
provider's API key (``Authorization: Bearer vpk_…``), throttled per key.

Every refusal answers ``{"code", "message", "errors"?}``: a stable code
(vouchers/error_codes.py and the codes below) and a message in the
request's language (Chinese by default, English with Accept-Language: en);
nothing is written on a refusal but the stored answer of its idempotency
key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.db import connection, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from config.api_fields import TextField
from config.exceptions import ApplicationError

from .. import error_codes
from ..ledger.selectors import voucher_balance
from ..models import IdempotentRequest, ProviderApiKey, Redemption
from ..redemption.services import (
    INVOICE_MAX,
    redemption_charge,
    redemption_void,
    voucher_for_charge,
)
from ..self_check.api import throttled_message
from .auth import HasProviderKey, PerKeyThrottle, ProviderKeyAuthentication, key_label
from .serializers import (
    ChargeRequestSerializer,
    ErrorSerializer,
    RedemptionSerializer,
    VoidRequestSerializer,
    VoucherLookupRequestSerializer,
    VoucherLookupSerializer,
)

# Codes of the API's own refusals (the services' codes are in error_codes).
IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
IDEMPOTENCY_IN_FLIGHT = "idempotency_in_flight"
NOT_AUTHENTICATED = "not_authenticated"
THROTTLED = "throttled"
NOT_FOUND = "not_found"
IDEMPOTENCY_KEY_MAX = 255
# Visible ASCII, no spaces (a UUID fits): what survives every proxy and
# HTTP library unchanged, so a retry arrives with the very same key.
IDEMPOTENCY_KEY_RE = re.compile(rf"[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}")

# HTTP status of each service refusal; any other code answers 400.
STATUS_OF_CODE = {
    error_codes.VOUCHER_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    error_codes.NOT_YOURS: status.HTTP_404_NOT_FOUND,
    error_codes.PROVIDER_NOT_APPROVED: status.HTTP_403_FORBIDDEN,
    error_codes.VOUCHER_NOT_ACTIVE: status.HTTP_409_CONFLICT,
    error_codes.VOUCHER_EXPIRED: status.HTTP_409_CONFLICT,
    error_codes.INSUFFICIENT_BALANCE: status.HTTP_409_CONFLICT,
    error_codes.DUPLICATE_INVOICE: status.HTTP_409_CONFLICT,
    error_codes.REDEMPTION_MODE: status.HTTP_409_CONFLICT,
    error_codes.OFFERING_NOT_FILED: status.HTTP_409_CONFLICT,
    error_codes.TRANSITION: status.HTTP_409_CONFLICT,
}


def _error(code: str, message: str, http: int, errors: dict | None = None) -> Response:
    body: dict = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return Response(body, status=http)


def refusal(exc: ApplicationError) -> Response:
    message = str(exc.message)
    code = exc.code or error_codes.INVALID
    return _error(
        code,
        message,
        STATUS_OF_CODE.get(code, status.HTTP_400_BAD_REQUEST),
        {exc.field: [message]} if exc.field else None,
    )


def invalid(errors: dict) -> Response:
    return _error(
        error_codes.INVALID,
        _("Some fields are not valid; see errors."),
        status.HTTP_400_BAD_REQUEST,
        {
            field: [str(m) for m in messages]
            for field, messages in _flat(errors).items()
        },
    )


def _flat(errors, prefix: str = "") -> dict[str, list]:
    if isinstance(errors, dict):
        out: dict[str, list] = {}
        for key, value in errors.items():
            out |= _flat(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    return {prefix or "non_field_errors": list(errors)}


def api_exception_handler(exc, context):
    """DRF's own refusals in the API's shape."""
    if isinstance(exc, exceptions.Throttled):
        response = _error(
            THROTTLED, throttled_message(exc.wait), status.HTTP_429_TOO_MANY_REQUESTS
        )
        if exc.wait is not None:
            response["Retry-After"] = str(max(int(exc.wait + 0.999), 1))
        return response
    if isinstance(exc, exceptions.ValidationError):
        return invalid(exc.detail)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code, message = (
            NOT_AUTHENTICATED,
            (
                str(exc.detail)
                if isinstance(exc, exceptions.AuthenticationFailed)
                else _("Send your API key: Authorization: Bearer <key>.")
            ),
        )
    elif isinstance(exc, exceptions.NotFound | Http404):
        code, message = NOT_FOUND, _("Not found.")
    elif isinstance(exc, exceptions.ParseError):
        code, message = error_codes.INVALID, _("The request body is not valid JSON.")
    else:
        code = getattr(exc, "default_code", error_codes.INVALID)
        message = str(getattr(exc, "detail", exc))
    response.data = {"code": code, "message": message}
    return response


class ProviderAPIView(APIView):
    # JSON only, as the schema lists it: one form to document and to check.
    parser_classes = [JSONParser]
    authentication_classes = [ProviderKeyAuthentication]
    permission_classes = [HasProviderKey]
    throttle_classes = [PerKeyThrottle]
    throttle_scope = "provider_api"
    renderer_classes = [JSONRenderer]

    # The query parameters each method takes (besides the pagination's);
    # any other is refused, so a misspelt filter (``stauts=pending``) is
    # answered with 400 instead of quietly listing everything.
    query_parameters: dict[str, tuple[str, ...]] = {}

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # dispatch answers 405 Method Not Allowed
        known = set(self.query_parameters.get(request.method, ()))
        paginator = getattr(self, "pagination_class", None)
        if paginator is not None and request.method == "GET":
            known |= {paginator.cursor_query_param, paginator.page_size_query_param}
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            message = (
                _("This endpoint takes the query parameters: %(known)s.")
                % {"known": ", ".join(sorted(known))}
                if known
                else _("This endpoint takes no query parameters.")
            )
            raise exceptions.ValidationError({name: [message] for name in unknown})

    @property
    def key(self) -> ProviderApiKey:
        return self.request.auth


def _advisory_lock(provider_id: int, key: str) -> bool:
    """Take the transaction-level lock of this idempotency key without
    waiting; False when another request holds it (PostgreSQL; on the demo's
    SQLite, writes run one at a time anyway)."""
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.sha256(f"{provider_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        return bool(cursor.fetchone()[0])


def _request_digest(request) -> str:
    canonical = json.dumps(
        request.data, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(
        f"{request.method} {request.path}\n{canonical}".encode()
    ).hexdigest()


def _replay(prior: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        prior.body, status=prior.status_code, content_type="application/json"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, key_row: ProviderApiKey, handle: Callable[[], Response]):
    """Run ``handle`` once per Idempotency-Key: the first answer is stored
    (in the same transaction as what it did) and replayed to any retry with
    the same request; a different request under the key answers 422, a
    retry while the first is still running 409."""
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY_RE.fullmatch(key):
        return _error(
            IDEMPOTENCY_KEY_REQUIRED,
            _(
                "Send an Idempotency-Key header of 1 to %(n)d visible ASCII characters "
                "without spaces (a UUID, say), new for each charge."
            )
            % {"n": IDEMPOTENCY_KEY_MAX},
            status.HTTP_400_BAD_REQUEST,
        )
    provider = key_row.provider
    digest = _request_digest(request)
    # No savepoint: the request's own transaction (ATOMIC_REQUESTS) is
    # rolled back on an error, and the service keeps its own.
    with transaction.atomic(savepoint=False):
        if not _advisory_lock(provider.pk, key):
            return _error(
                IDEMPOTENCY_IN_FLIGHT,
                _(
                    "A request with this Idempotency-Key is still being processed; retry shortly."
                ),
                status.HTTP_409_CONFLICT,
            )
        prior = IdempotentRequest.objects.filter(provider=provider, key=key).first()
        if prior is not None:
            if prior.request_digest != digest:
                return _error(
                    IDEMPOTENCY_KEY_REUSED,
                    _("This Idempotency-Key was used for a different request."),
                    status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            return _replay(prior)
        response = handle()
        body = JSONRenderer().render(response.data).decode()
        IdempotentRequest.objects.create(
            provider=provider,
            key=key,
            request_digest=digest,
            status_code=response.status_code,
            body=body,
        )
        return HttpResponse(
            body,
            status=response.status_code,
            content_type="application/json",
            headers={k: v for k, v in response.items() if k.lower() == "location"},
        )


ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input (`invalid`, `price_above_list`, `offering`, `period`, `idempotency_key_required`).",
    ),
    401: OpenApiResponse(
        ErrorSerializer, description="No or a wrong API key (`not_authenticated`)."
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="The provider is not approved for the program (`provider`).",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="No such voucher for this credit code (`voucher_not_found`).",
    ),
    409: OpenApiResponse(
        ErrorSerializer,
        description="`insufficient_balance`, `duplicate_invoice`, `voucher_not_active`, `voucher_expired`, `redemption_mode`, `transition`, `idempotency_in_flight`.",
    ),
    422: OpenApiResponse(
        ErrorSerializer,
        description="The Idempotency-Key was used for a different request (`idempotency_key_reused`).",
    ),
    429: OpenApiResponse(
        ErrorSerializer, description="Too many requests with this key (`throttled`)."
    ),
}


def error_responses(*codes: int) -> dict:
    """The OpenAPI responses of these error statuses."""
    return {c: ERRORS[c] for c in codes}


class VoucherLookupView(ProviderAPIView):
    throttle_scope = "voucher_lookup"

    @extend_schema(
        operation_id="voucher_lookup",
        summary="Look up a voucher",
        description=(
            "The voucher's status, balance left to spend and expiry, for its code "
            "and its holder's credit code together (either wrong: 404, the same "
            "answer, so codes cannot be tried). A tighter per-key limit applies."
        ),
        tags=["provider"],
        request=VoucherLookupRequestSerializer,
        responses={200: VoucherLookupSerializer, **error_responses(400, 401, 404, 429)},
    )
    def post(self, request):
        serializer = VoucherLookupRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid(serializer.errors)
        voucher = voucher_for_charge(
            code=serializer.validated_data["code"],
            credit_code=serializer.validated_data["credit_code"],
        )
        if voucher is None:
            return _error(
                error_codes.VOUCHER_NOT_FOUND,
                _(
                    "No voucher with this code is held by the enterprise with this credit code."
                ),
                status.HTTP_404_NOT_FOUND,
            )
        return Response(
            VoucherLookupSerializer(
                {
                    "code": voucher.code,
                    "status": voucher.status,
                    "balance": voucher_balance(voucher),
                    "expires_on": voucher.expires_on,
                }
            ).data
        )


class ProviderCursor(CursorPagination):
    """Newest first, 50 a page, ``page_size`` 1 to 200. A page size or a
    cursor the API did not give out is refused with 400 (``invalid``), as
    the schema says, instead of being quietly replaced by the default."""

    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not (
            1 <= int(raw) <= self.max_page_size
        ):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        _(
                            "This cursor was not given out by the API; "
                            "follow the next or previous link, or start without it."
                        )
                    ]
                }
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
        return parameters


def query_choice(request, name: str, choices) -> str | None:
    """The query parameter ``name`` when given (one of ``choices``), None
    when absent; anything else is refused with 400 (``invalid``)."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if value not in choices:
        raise exceptions.ValidationError(
            {name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]}
        )
    return value


def query_text(request, name: str, max_length: int) -> str:
    """The query parameter ``name``, trimmed ("" when absent); text a column
    cannot hold (too long, a NUL character) is refused with 400 (``invalid``)."""
    field = TextField(max_length=max_length, allow_blank=True)
    try:
        return field.run_validation(request.query_params.get(name, ""))
    except exceptions.ValidationError as exc:
        raise exceptions.ValidationError({name: exc.detail}) from None


class RedemptionCursor(ProviderCursor):
    pass


class RedemptionListCreateView(ProviderAPIView, generics.GenericAPIView):
    serializer_class = RedemptionSerializer
    query_parameters = {"GET": ("status", "voucher_code", "invoice_number")}
    pagination_class = RedemptionCursor

    def get_queryset(self):
        qs = Redemption.objects.filter(provider=self.key.provider).select_related(
            "voucher"
        )
        wanted = query_choice(self.request, "status", Redemption.Status.values)
        if wanted is not None:
            qs = qs.filter(status=wanted)
        voucher_code = query_text(self.request, "voucher_code", 40)
        if voucher_code:
            qs = qs.filter(voucher__code=voucher_code.upper())
        invoice_number = query_text(self.request, "invoice_number", INVOICE_MAX)
        if invoice_number:
            qs = qs.filter(invoice_number=invoice_number)
        return qs

    @extend_schema(
        operation_id="redemption_list",
        summary="List your charges",
        description="Newest first, 50 a page (`page_size` up to 200); follow `next`.",
        tags=["provider"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Redemption.Status.values),
            OpenApiParameter(
                "voucher_code", OpenApiTypes.STR, pattern="^[^\\x00]{0,40}$"
            ),
            OpenApiParameter(
                "invoice_number",
                OpenApiTypes.STR,
                pattern=f"^[^\\x00]{{0,{INVOICE_MAX}}}$",
            ),
        ],
        responses={
            200: RedemptionSerializer(many=True),
            **error_responses(400, 401, 429),
        },
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RedemptionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="redemption_create",
        summary="Charge a voucher",
        description=(
            "Holds the amount (quantity × unit price, rounded half-up to the fen) "
            "on the voucher until the enterprise confirms it, its confirmation "
            "window passes, or you void it. Requires an `Idempotency-Key` header: "
            "a retry with the same key and body gets the first answer again "
            "(header `Idempotent-Replayed: true`), a different body 422, a retry "
            "while the first is running 409. Keys are kept at least 30 days."
        ),
        tags=["provider"],
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="A new random value (e.g. a UUID) for each charge.",
                pattern=f"^[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}$",
            )
        ],
        request=ChargeRequestSerializer,
        responses={
            201: RedemptionSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
        examples=[
            OpenApiExample(
                "100 GPU card-hours",
                value={
                    "voucher_code": "5JMT-QHFD-HANE-HD3Y",
                    "credit_code": "91330106MA2CD0F16U",
                    "offering": 3,
                    "quantity": "100",
                    "unit_price": "12.50",
                    "period_start": "2026-11-01",
                    "period_end": "2026-11-30",
                    "invoice_number": "33012345678901234567",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        key = self.key

        def handle() -> Response:
            serializer = ChargeRequestSerializer(data=request.data)
            if not serializer.is_valid():
                return invalid(serializer.errors)
            try:
                redemption = redemption_charge(
                    provider=key.provider,
                    charge=serializer.to_charge(),
                    actor=None,
                    actor_label=key_label(key),
                )
            except ApplicationError as exc:
                return refusal(exc)
            return Response(
                RedemptionSerializer(redemption).data,
                status=status.HTTP_201_CREATED,
                headers={"Location": f"{request.path}{redemption.pk}/"},
            )

        return idempotent(request, key, handle)


class _OwnRedemption(ProviderAPIView):
    def _own(self, pk: int) -> Redemption:
        return get_object_or_404(
            Redemption.objects.select_related("voucher"),
            pk=pk,
            provider=self.key.provider,
        )


class RedemptionDetailView(_OwnRedemption):
    @extend_schema(
        operation_id="redemption_detail",
        summary="One of your charges",
        tags=["provider"],
        responses={200: RedemptionSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request, pk: int):
        return Response(RedemptionSerializer(self._own(pk)).data)


class RedemptionVoidView(_OwnRedemption):
    @extend_schema(
        operation_id="redemption_void",
        summary="Void a pending charge",
        description="The amount goes back on the voucher; the invoice number may be used again.",
        tags=["provider"],
        request=VoidRequestSerializer,
        responses={
            200: RedemptionSerializer,
            **error_responses(400, 401, 404, 409, 429),
        },
    )
    def post(self, request, pk: int):
        redemption = self._own(pk)
        serializer = VoidRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid(serializer.errors)
        try:
            redemption = redemption_void(
                redemption=redemption,
                provider=self.key.provider,
                actor=None,
                actor_label=key_label(self.key),
                reason=serializer.validated_data["reason"],
            )
        except ApplicationError as exc:
            return refusal(exc)
        return Response(RedemptionSerializer(redemption).data)
