"""The provider API through DRF's client: keys (Bearer, hashed, revoked,
throttled), voucher look-up, charges with an Idempotency-Key (replayed,
422 for another body, 409 while in flight), void, list and detail; every
refusal with its code, in the request's language, writing nothing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from audits.models import AuditEvent
from config.celery import app as celery_app
from config.exceptions import ApplicationError
from enterprises.models import Provider
from tests.factories import UserFactory, make_role_user, membership
from tests.factories.redemption import ChargeSetup, charge_setup
from vouchers.ledger.selectors import voucher_balance, voucher_held
from vouchers.models import (
    IdempotentRequest,
    LedgerTransfer,
    ProviderApiKey,
    Redemption,
)
from vouchers.provider_api import api as provider_api
from vouchers.provider_api.services import (
    api_key_create,
    api_key_revoke,
    digest,
    idempotency_keys_purge,
)
from vouchers.redemption import services as redemption
from vouchers.tasks import idempotency_keys_purge as purge_task
from vouchers.tasks import redemptions_confirm_due

pytestmark = pytest.mark.django_db

URL = "/api/v1/redemptions/"
LOOKUP = "/api/v1/vouchers/lookup/"
FACE = Decimal("200000.00")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def setup(media) -> ChargeSetup:
    return charge_setup()


def client_for(setup: ChargeSetup, *, language: str = "en") -> tuple[APIClient, str]:
    _row, key = api_key_create(
        provider=setup.provider, user=setup.staff, name="计费系统"
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, key


@pytest.fixture
def api(setup) -> APIClient:
    return client_for(setup)[0]


def body(setup: ChargeSetup, **changes) -> dict:
    c = setup.charge()
    data = {
        "voucher_code": c.voucher_code,
        "credit_code": c.credit_code,
        "offering": c.offering_id,
        "quantity": "100",
        "unit_price": "12.50",
        "period_start": c.period_start.isoformat(),
        "period_end": c.period_end.isoformat(),
        "invoice_number": c.invoice_number,
    }
    return data | changes


def charge(api: APIClient, data: dict, key: str | None = "k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(URL, data, format="json", **headers)


def writes() -> tuple[int, int]:
    return Redemption.objects.count(), LedgerTransfer.objects.count()


# -- keys ---------------------------------------------------------------------------------


def test_a_key_is_stored_as_a_digest_and_its_making_is_audited(setup):
    row, key = api_key_create(provider=setup.provider, user=setup.staff, name="billing")

    assert key.startswith(f"vpk_{row.prefix}_")
    assert row.digest == digest(key)
    assert key not in json.dumps(list(ProviderApiKey.objects.values()), default=str)
    event = AuditEvent.objects.get(action="api_key.created", object_id=str(row.pk))
    assert key not in json.dumps(event.after)


def test_only_staff_of_the_provider_make_keys(setup):
    with pytest.raises(ApplicationError):
        api_key_create(provider=setup.provider, user=UserFactory(), name="x")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Token abc", "Bearer vpk_00000000_nothing", "Bearer not-a-key"],
)
def test_no_or_a_wrong_key_answers_401(setup, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_key_answers_401_and_the_revocation_is_audited(setup):
    client, key = client_for(setup)
    assert client.get(URL).status_code == 200
    row = ProviderApiKey.objects.get(digest=digest(key))

    api_key_revoke(key=row, user=setup.staff)

    assert client.get(URL).status_code == 401
    assert AuditEvent.objects.filter(
        action="api_key.revoked", object_id=str(row.pk)
    ).exists()


def test_a_suspended_providers_key_answers_401(setup, api):
    Provider.objects.filter(pk=setup.provider.pk).update(
        status=Provider.Status.SUSPENDED
    )
    assert api.get(URL).status_code == 401


def test_use_is_recorded_on_the_key_after_the_request(
    setup, django_capture_on_commit_callbacks
):
    client, key = client_for(setup)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL)
    assert ProviderApiKey.objects.get(digest=digest(key)).last_used_at is not None


def test_each_key_is_throttled_on_its_own(setup, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "provider_api": "2/minute",
        },
    }
    first, _ = client_for(setup)
    second, _ = client_for(setup)
    assert [first.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    throttled = first.get(URL)
    assert throttled.json()["code"] == "throttled"
    assert "Retry-After" in throttled
    assert second.get(URL).status_code == 200


# -- look-up --------------------------------------------------------------------------------


def test_look_up_answers_status_balance_and_expiry_only(setup, api):
    setup.hold()

    response = api.post(
        LOOKUP,
        {
            "code": setup.voucher.code.lower(),
            "credit_code": setup.voucher.enterprise.uscc,
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "code": setup.voucher.code,
        "status": "active",
        "balance": "198750.00",
        "expires_on": setup.voucher.expires_on.isoformat(),
    }


def test_look_up_answers_the_same_404_for_a_wrong_credit_code_and_a_wrong_code(
    setup, api
):
    other = make_role_user("applicant").memberships.get().enterprise
    wrong_holder = api.post(
        LOOKUP, {"code": setup.voucher.code, "credit_code": other.uscc}, format="json"
    )
    unknown = api.post(
        LOOKUP,
        {"code": "AAAA-AAAA-AAAA-AAAA", "credit_code": setup.voucher.enterprise.uscc},
        format="json",
    )
    assert wrong_holder.status_code == unknown.status_code == 404
    assert wrong_holder.json() == unknown.json()
    assert wrong_holder.json()["code"] == "voucher_not_found"


def test_look_up_has_its_own_tighter_limit(setup, api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "voucher_lookup": "1/minute",
        },
    }
    data = {"code": setup.voucher.code, "credit_code": setup.voucher.enterprise.uscc}
    assert api.post(LOOKUP, data, format="json").status_code == 200
    assert api.post(LOOKUP, data, format="json").status_code == 429
    assert api.get(URL).status_code == 200  # the other endpoints go on


# -- charges and idempotency ----------------------------------------------------------------------


def test_a_charge_is_created_and_held(setup, api):
    response = charge(api, body(setup))

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "pending"
    assert data["amount"] == "1250.00"
    assert data["voucher_code"] == setup.voucher.code
    assert (data["unit"], data["unit_name"]) == ("gpu_card_hour", "GPU card-hour")
    assert response["Location"].endswith(f"/api/v1/redemptions/{data['id']}/")
    assert voucher_held(setup.voucher) == Decimal("1250.00")
    event = AuditEvent.objects.get(action="charge.held", object_id=str(data["id"]))
    assert event.actor is None
    assert event.actor_label.startswith("api-key:")


def test_a_charge_reads_in_the_language_of_whoever_asks(setup, api):
    pk = charge(api, body(setup)).json()["id"]

    zh = api.get(f"{URL}{pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = api.get(f"{URL}{pk}/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert (zh["unit"], zh["unit_name"]) == ("gpu_card_hour", "GPU卡时")
    assert (en["unit"], en["unit_name"]) == ("gpu_card_hour", "GPU card-hour")


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(setup, api):
    data = body(setup)
    first = charge(api, data)
    before = writes()

    again = charge(api, data)

    assert again.status_code == first.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert writes() == before
    assert voucher_balance(setup.voucher) == FACE - Decimal("1250.00")


def test_the_same_key_with_another_body_answers_422_and_writes_nothing(setup, api):
    charge(api, body(setup, invoice_number="FP-1"))
    before = writes()

    response = charge(api, body(setup, invoice_number="FP-2"))

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert writes() == before


def test_keys_are_per_provider(setup, api, media):
    other = charge_setup()
    other_api = client_for(other)[0]
    assert charge(api, body(setup), key="shared").status_code == 201
    assert charge(other_api, body(other), key="shared").status_code == 201


@pytest.mark.parametrize("key", [None, "", "   ", " k-1", "k 1", "x" * 256])
def test_a_charge_without_a_usable_idempotency_key_is_refused(setup, api, key):
    before = writes()
    response = charge(api, body(setup), key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert writes() == before


def test_a_refusal_is_stored_and_replayed_too(setup, api):
    data = body(setup, quantity="16001")  # 200,012.50 > 200,000.00
    first = charge(api, data)
    assert first.status_code == 409
    assert first.json()["code"] == "insufficient_balance"
    assert first.json()["errors"] == {"quantity": [first.json()["message"]]}
    assert Redemption.objects.count() == 0

    again = charge(api, data)
    assert again.content == first.content
    assert Redemption.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"quantity": 1.5}, 400, "invalid", "quantity"),
        ({"quantity": "0"}, 400, "invalid", "quantity"),
        ({"unit_price": "12.50001"}, 400, "invalid", "unit_price"),
        ({"period_end": "2020-01-01"}, 400, "invalid", "period_end"),
        ({"offering": "abc"}, 400, "invalid", "offering"),
        ({"invoice_number": ""}, 400, "invalid", "invoice_number"),
        ({"unit_price": "13.00"}, 400, "price_above_list", "unit_price"),
        ({"offering": 999999}, 400, "offering", "offering"),
        (
            {"credit_code": "91330106MA2CD0F16U"},
            404,
            "voucher_not_found",
            "voucher_code",
        ),
        ({"quantity": "16001"}, 409, "insufficient_balance", "quantity"),
    ],
)
def test_every_refusal_has_its_status_code_and_field(
    setup, api, changes, status, code, field
):
    before = writes()

    response = charge(api, body(setup, **changes))

    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == code
    assert field in data["errors"]
    assert data["message"]
    assert writes() == before


def test_a_duplicate_invoice_is_409(setup, api):
    charge(api, body(setup, invoice_number="FP-9"), key="a")
    response = charge(api, body(setup, invoice_number="FP-9"), key="b")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_invoice"


def test_messages_follow_accept_language(setup):
    zh = client_for(setup, language="zh-hans")[0]
    en = client_for(setup, language="en")[0]
    data = body(setup, quantity="16001")
    zh_message = charge(zh, data, key="zh").json()["message"]
    en_message = charge(en, data, key="en").json()["message"]
    assert "余额" in zh_message
    assert "left on the voucher" in en_message


def test_a_retry_while_the_first_is_in_flight_answers_409(setup, api):
    """Holds the key's lock as the first request would, from another
    connection, and sends the retry meanwhile."""
    provider_id, key = setup.provider.pk, "in-flight"
    held, release = threading.Event(), threading.Event()

    def first_request_in_flight():
        try:
            with transaction.atomic():
                assert provider_api._advisory_lock(provider_id, key)
                held.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_request_in_flight)
    thread.start()
    try:
        assert held.wait(timeout=10)
        response = charge(api, body(setup), key=key)
    finally:
        release.set()
        thread.join()

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_flight"
    assert Redemption.objects.count() == 0
    assert not IdempotentRequest.objects.filter(key=key).exists()


# -- void, list, detail ---------------------------------------------------------------------------


def test_the_provider_voids_a_pending_charge(setup, api):
    created = charge(api, body(setup)).json()

    response = api.post(
        f"{URL}{created['id']}/void/", {"reason": "开错"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "voided"
    assert voucher_balance(setup.voucher) == FACE


def test_voiding_a_confirmed_charge_is_409(setup, api):
    r = setup.hold()
    redemption.redemption_confirm(redemption=r, user=setup.applicant)
    response = api.post(f"{URL}{r.pk}/void/", {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "transition"


def test_a_void_needs_a_reason(setup, api):
    r = setup.hold()
    response = api.post(f"{URL}{r.pk}/void/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_another_providers_charge_is_404_everywhere(setup, api, media):
    theirs = charge_setup().hold()
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    response = api.post(f"{URL}{theirs.pk}/void/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert all(r["id"] != theirs.pk for r in api.get(URL).json()["results"])


def test_the_list_pages_with_a_cursor_and_filters(setup, api):
    made = [setup.hold(quantity=Decimal(1)) for _ in range(5)]
    redemption.redemption_confirm(redemption=made[0], user=setup.applicant)

    page = api.get(URL, {"page_size": 2}).json()
    seen = [r["id"] for r in page["results"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [r["id"] for r in page["results"]]

    assert seen == [r.pk for r in reversed(made)]
    confirmed = api.get(URL, {"status": "confirmed"}).json()["results"]
    assert [r["id"] for r in confirmed] == [made[0].pk]
    one = api.get(URL, {"invoice_number": made[2].invoice_number}).json()["results"]
    assert [r["id"] for r in one] == [made[2].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"cursor": "not-one-we-gave"}, "cursor"),
        ({"status": "paid"}, "status"),
        ({"stauts": "pending"}, "stauts"),
        ({"voucher_code": "AB\x00CD"}, "voucher_code"),
        ({"invoice_number": "9" * 41}, "invoice_number"),
    ],
)
def test_a_list_query_the_api_does_not_know_is_refused_not_ignored(
    setup, api, query, field
):
    setup.hold()
    response = api.get(URL, query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]


def test_an_unknown_query_parameter_on_statements_is_refused(api):
    response = api.get("/api/v1/statements/", {"program": "HZ"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "program": [
            "This endpoint takes the query parameters: cursor, page_size, status."
        ]
    }


def test_the_api_takes_json_only(setup, api):
    before = writes()
    response = api.post(
        URL, body(setup), format="multipart", HTTP_IDEMPOTENCY_KEY="k-form"
    )
    assert response.status_code == 415
    assert writes() == before


def test_a_path_no_endpoint_matches_answers_the_apis_json_404(api):
    response = api.get(f"{URL}abc/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_a_page_outside_the_api_still_gets_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_detail_answers_the_charge(setup, api):
    r = setup.hold()
    data = api.get(f"{URL}{r.pk}/").json()
    assert (data["id"], data["amount"], data["invoice_number"]) == (
        r.pk,
        "1250.00",
        r.invoice_number,
    )


def test_the_schema_lists_the_provider_endpoints():
    schema = APIClient().get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/vouchers/lookup/",
        "/api/v1/redemptions/",
        "/api/v1/redemptions/{id}/",
        "/api/v1/redemptions/{id}/void/",
    ):
        assert path in schema["paths"], sorted(schema["paths"])
    create = schema["paths"]["/api/v1/redemptions/"]["post"]
    assert any(
        p["name"] == "Idempotency-Key" and p["required"] for p in create["parameters"]
    )


def test_staff_of_two_providers_use_each_key_for_its_own_provider(setup, media):
    other = charge_setup()
    membership(setup.staff, "provider_staff", other.provider)
    mine = client_for(setup)[0]
    # the key is setup.provider's: the other provider's offering is not its own
    assert charge(mine, body(other)).json()["code"] == "offering"


# -- tasks ----------------------------------------------------------------------------------------


def test_stored_answers_are_kept_thirty_days_then_purged(setup, api):
    charge(api, body(setup), key="old")
    charge(api, body(setup), key="new")
    now = timezone.now()
    IdempotentRequest.objects.filter(key="old").update(
        created_at=now - timedelta(days=32)
    )
    IdempotentRequest.objects.filter(key="new").update(
        created_at=now - timedelta(days=30)
    )

    assert idempotency_keys_purge(now=now) == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    entry = celery_app.conf.beat_schedule["idempotency-keys-purge"]
    assert entry["task"] == purge_task.name


def test_charges_are_confirmed_when_due_on_a_schedule():
    entry = celery_app.conf.beat_schedule["redemptions-confirm-due"]
    assert entry["task"] == redemptions_confirm_due.name
    assert redemptions_confirm_due.delay().get() == 0
