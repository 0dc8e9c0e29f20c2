"""Schema conformance: every operation of the published OpenAPI schema,
driven by schemathesis with data generated from the schema itself, answers
as the schema says. A request the schema allows is not refused for its form
and one it forbids is refused with 4xx (never a 500), every status code and
body is documented, and the same holds for the provider API, with a real key
and voucher."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, reject, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories.redemption import charge_setup
from vouchers.provider_api.services import api_key_create


def _published_schema() -> dict:
    """The schema /api/schema/ serves, as JSON."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def provider_key(db, settings, tmp_path) -> str:
    """An API key of a provider with a voucher to charge, and throttles out
    of the way (they have their own tests)."""
    settings.MEDIA_ROOT = tmp_path
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(
            settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute"
        ),
    }
    setup = charge_setup()
    _row, key = api_key_create(provider=setup.provider, user=setup.staff, name="ci")
    return key


@pytest.fixture(autouse=True)
def _in_the_test_transaction():
    """Requests go through Django's WSGI handler, which closes the database
    connection at each request's start and end; Django's test client turns
    that off so a test's transaction survives, and so does this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()
    yield
    cache.clear()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The refusals of a request's form: a request the schema allows must never
# get one. Refusals the schema cannot express (a credit code's check digit,
# a region outside Zhejiang, a program not open, a year's total below the
# contract, a voucher that is not there) may answer a schema-valid request.
FORM_REFUSALS = (
    "This field is required.",
    "This field may not be blank.",
    "This field may not be null.",
    "Not a valid string.",
    "A valid integer is required.",
    "A valid number is required.",
    "Ensure this value is",
    "Ensure this field has",
    "Ensure that there are no more than",
    "Date has wrong format",
    "Enter a valid date",
    "is not a valid choice",
    "Expected a list of items",
    "Invalid data. Expected a dictionary",
    "Give the amount in yuan as digits",
    "Give amounts and rates as decimal strings",
    "Amounts have at most two decimal places",
    "Amounts cannot be negative.",
    "Must be more than zero.",
    "The year must be between",
    "Enter the 6-digit administrative division code",
    "Send an Idempotency-Key header",
    "Give a whole number from",
    "Choose one of:",
    "This endpoint takes",
    "Give a number as digits",
    "At most four decimal places.",
    "The request body is",
    "A unified social credit code has",
    "Character “",
    "Positions 3–8 must be digits",
)


def _messages(body) -> list[str]:
    if isinstance(body, dict):
        return [m for value in body.values() for m in _messages(value)]
    if isinstance(body, list):
        return [m for value in body for m in _messages(value)]
    return [body] if isinstance(body, str) else []


def no_form_refusal_of_a_valid_request(ctx, response, case):
    """A request generated to follow the schema is not refused for its form
    (schemathesis' own positive check refuses any 4xx, which the business
    rules above legitimately give)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 422):
        return None
    refused = [
        m
        for m in _messages(response.json())
        if m.startswith(FORM_REFUSALS)
        or any(f in m for f in FORM_REFUSALS if f.startswith("is "))
    ]
    if refused:
        raise AssertionError(
            f"The schema allows this request, the server refuses its form: {refused}"
        )
    return None


# 40 examples an operation in make test (about half a minute in all); a
# deeper run by hand: CONFORMANCE_EXAMPLES=500 pytest tests/api.
EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "40"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case, provider_key):
    if any(
        name == "" or value in ([], None) for name, value in (case.query or {}).items()
    ):
        # A query parameter without a name or a value is not sent by
        # schemathesis' own transport, which would then blame the server for
        # "accepting" it.
        reject()
    case.call_and_validate(
        headers={"Authorization": f"Bearer {provider_key}", "Accept-Language": "en"},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[no_form_refusal_of_a_valid_request],
    )
