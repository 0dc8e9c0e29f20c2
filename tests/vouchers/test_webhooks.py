"""Provider webhooks through the services, delivered to a local HTTPS
receiver: endpoints (who may make them, the destination rule, the limit),
events emitted with the change they report and once per event, the
signature, back-off and its end, redirects not followed, claims, disabling,
retrying and the beat's pass."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from tests.factories import UserFactory
from tests.factories.redemption import ChargeSetup, charge_setup
from vouchers import error_codes
from vouchers.models import Redemption, WebhookDelivery, WebhookEndpoint
from vouchers.redemption import services as redemption
from vouchers.settlement import services as settlement
from vouchers.webhooks import services as svc
from vouchers.webhooks import signing, tasks, transport

from .webhook_receiver import start

pytestmark = pytest.mark.django_db

D = WebhookDelivery.Status
ALL = ["charge.confirmed", "charge.voided", "charge.disputed", "statement.ready"]


@pytest.fixture
def receiver(settings, tmp_path):
    rx, server = start(tmp_path)
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_CA_FILE = str(rx.cert)
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    yield rx
    server.shutdown()
    server.server_close()


@pytest.fixture
def setup(settings, tmp_path) -> ChargeSetup:
    settings.MEDIA_ROOT = tmp_path
    return charge_setup()


@pytest.fixture
def endpoint(setup, receiver) -> tuple[WebhookEndpoint, str]:
    return svc.endpoint_create(
        provider=setup.provider, user=setup.staff, url=receiver.url, events=ALL
    )


def deliveries(event: str | None = None):
    qs = WebhookDelivery.objects.all()
    return qs.filter(event=event) if event else qs


# -- signing ----------------------------------------------------------------------


def test_a_signature_verifies_only_its_body_secret_and_recent_timestamp():
    # given
    body, ts = b'{"a":1}', 1_780_000_000
    header = signing.signature("whsec_x", ts, body)

    # then
    assert header.startswith("v1=")
    assert len(header) == 3 + 64
    assert signing.verify("whsec_x", header, str(ts), body, now=ts + 10)
    assert not signing.verify("whsec_x", header, str(ts), b'{"a":2}', now=ts)
    assert not signing.verify("whsec_y", header, str(ts), body, now=ts)
    assert not signing.verify("whsec_x", header, str(ts + 1), body, now=ts)
    assert not signing.verify("whsec_x", header, str(ts), body, now=ts + 301)
    assert not signing.verify("whsec_x", header, "soon", body, now=ts)
    # several signatures (a secret being changed): any one is enough
    assert signing.verify("whsec_x", f"v1=00, {header}", str(ts), body, now=ts)


# -- the destination rule ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://user:pw@example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.1.1]/hook",
        "https://localhost/hook",
        "https://example.com:99999/hook",
        "https://no-such-host.invalid/hook",
        "ftp://example.com/",
        "",
    ],
)
def test_a_destination_must_be_https_on_a_public_host(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ApplicationError) as refused:
        transport.destination(url)
    assert refused.value.code == error_codes.WEBHOOK_URL
    assert refused.value.field == "url"


def test_private_hosts_are_allowed_only_when_configured(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    target = transport.destination("https://127.0.0.1:8443/a?b=1")
    assert (target.host, target.port, target.path) == ("127.0.0.1", 8443, "/a?b=1")
    assert target.addresses == ("127.0.0.1",)


# -- endpoints --------------------------------------------------------------------


def test_provider_staff_register_an_endpoint_with_a_secret_shown_once(setup, receiver):
    # when
    endpoint, secret = svc.endpoint_create(
        provider=setup.provider,
        user=setup.staff,
        url=receiver.url,
        events=["charge.disputed", "charge.confirmed"],
    )

    # then
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    # sealed at rest: the row holds no clear secret, and opens to it
    stored = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list(
        "secret_sealed", flat=True
    )[0]
    assert secret not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    assert endpoint.events == ["charge.confirmed", "charge.disputed"]
    event = AuditEvent.objects.get(action=actions.WEBHOOK_ENDPOINT_CREATED)
    assert event.object_id == str(endpoint.pk)
    assert secret not in json.dumps(event.after)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"user": "stranger"}, error_codes.NOT_A_MEMBER),
        ({"events": []}, error_codes.INVALID),
        ({"events": ["charge.confirmed", "ping"]}, error_codes.INVALID),
        ({"url": "http://127.0.0.1/"}, error_codes.WEBHOOK_URL),
        ({"url": "https://127.0.0.1/" + "a" * 500}, error_codes.WEBHOOK_URL),
    ],
)
def test_a_refused_endpoint_writes_nothing(setup, receiver, changes, code):
    arguments = {
        "provider": setup.provider,
        "user": setup.staff,
        "url": receiver.url,
        "events": ALL,
    }
    if changes.pop("user", None):
        arguments["user"] = UserFactory()
    arguments |= changes
    before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        svc.endpoint_create(**arguments)

    assert refused.value.code == code
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_provider_has_at_most_five_active_endpoints(setup, receiver):
    made = [
        svc.endpoint_create(
            provider=setup.provider, user=setup.staff, url=receiver.url, events=ALL
        )[0]
        for _ in range(5)
    ]
    with pytest.raises(ApplicationError) as refused:
        svc.endpoint_create(
            provider=setup.provider, user=setup.staff, url=receiver.url, events=ALL
        )
    assert refused.value.code == error_codes.WEBHOOK_LIMIT

    # a disabled one makes room
    svc.endpoint_disable(endpoint=made[0], user=setup.staff)
    svc.endpoint_create(
        provider=setup.provider, user=setup.staff, url=receiver.url, events=ALL
    )


# -- events and deliveries --------------------------------------------------------


def test_a_confirmed_charge_is_delivered_signed_after_commit(
    setup, endpoint, receiver, django_capture_on_commit_callbacks
):
    _endpoint_row, secret = endpoint
    charge = setup.hold()

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        redemption.redemption_confirm(redemption=charge, user=setup.applicant)
        # written with the change, sent only once it commits
        assert deliveries("charge.confirmed").get().status == D.PENDING
        assert receiver.requests == []

    # then
    assert len(callbacks) == 1
    delivery = deliveries("charge.confirmed").get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        D.DELIVERED,
        1,
        200,
    )
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.path == "/hooks/voucher"
    assert headers["x-voucher-event"] == "charge.confirmed"
    assert headers["x-voucher-delivery"] == str(delivery.event_id)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert signing.verify(
        secret,
        headers["x-voucher-signature"],
        headers["x-voucher-timestamp"],
        request.body,
    )
    payload = json.loads(request.body)
    assert payload["event"] == "charge.confirmed"
    assert payload["id"] == str(delivery.event_id)
    assert payload["data"]["id"] == charge.pk
    assert payload["data"]["status"] == "confirmed"
    assert payload["data"]["amount"] == "1250.00"
    assert payload["data"]["invoice_number"] == charge.invoice_number


def test_dispute_void_and_statement_each_send_their_event(setup, endpoint, receiver):
    first, second = setup.hold(), setup.hold()

    redemption.redemption_dispute(
        redemption=first, user=setup.applicant, reason="用量不符"
    )
    redemption.redemption_void(
        redemption=second, provider=setup.provider, actor=setup.staff, reason="开错发票"
    )

    assert set(deliveries().values_list("event", flat=True)) == {
        "charge.disputed",
        "charge.voided",
    }


def test_a_statement_built_sends_statement_ready(setup, endpoint, receiver):
    charge = setup.hold()
    redemption.redemption_confirm(redemption=charge, user=setup.applicant)
    today = timezone.localdate()

    statement = settlement.statement_build(
        program=setup.voucher.program,
        provider=setup.provider,
        period_start=today.replace(day=1),
        period_end=today + timedelta(days=1),
    )

    payload = deliveries("statement.ready").get().payload
    assert payload["data"]["number"] == statement.number
    assert payload["data"]["total"] == "1250.00"


def test_the_same_event_is_one_delivery_however_often_emitted(setup, endpoint):
    charge = setup.hold()
    charge.status = Redemption.Status.CONFIRMED
    from django.db import transaction

    from vouchers.webhooks.events import charge_event_emit

    with transaction.atomic():
        charge_event_emit(charge)
        charge_event_emit(charge)

    assert deliveries().count() == 1


def test_only_subscribed_active_endpoints_of_the_charges_provider_get_it(
    setup, receiver
):
    svc.endpoint_create(
        provider=setup.provider,
        user=setup.staff,
        url=receiver.url,
        events=["statement.ready"],
    )
    gone, _ = svc.endpoint_create(
        provider=setup.provider, user=setup.staff, url=receiver.url, events=ALL
    )
    svc.endpoint_disable(endpoint=gone, user=setup.staff)
    other = charge_setup()
    svc.endpoint_create(
        provider=other.provider, user=other.staff, url=receiver.url, events=ALL
    )

    redemption.redemption_confirm(redemption=setup.hold(), user=setup.applicant)

    assert not deliveries().exists()


# -- attempts ---------------------------------------------------------------------


def pending_delivery(setup) -> WebhookDelivery:
    redemption.redemption_confirm(redemption=setup.hold(), user=setup.applicant)
    return deliveries().get()


def test_a_failed_attempt_waits_longer_each_time_then_the_delivery_fails(
    setup, endpoint, receiver
):
    receiver.answers = [500]
    delivery = pending_delivery(setup)
    now = timezone.now()

    waits = []
    for n in range(1, svc.ATTEMPTS_MAX + 1):
        # not due yet: nothing sent
        if n > 1:
            assert (
                svc.delivery_attempt(delivery.pk, now=now - timedelta(seconds=1))
                is None
            )
        delivery = svc.delivery_attempt(delivery.pk, now=now)
        assert delivery.attempts == n
        assert delivery.last_status_code == 500
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at

    assert waits == list(svc.BACKOFF)
    assert delivery.status == D.FAILED
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == svc.ATTEMPTS_MAX
    # each attempt signed afresh, all with the same event id
    assert len({r.headers["X-Voucher-Delivery"] for r in receiver.requests}) == 1


def test_a_later_attempt_that_succeeds_delivers(setup, endpoint, receiver):
    receiver.answers = [503, 204]
    delivery = pending_delivery(setup)
    now = timezone.now()

    first = svc.delivery_attempt(delivery.pk, now=now)
    second = svc.delivery_attempt(delivery.pk, now=first.next_attempt_at)

    assert (first.status, second.status, second.attempts) == (D.PENDING, D.DELIVERED, 2)
    assert second.last_error == ""


def test_a_redirect_is_not_followed(setup, endpoint, receiver):
    receiver.answers = [302]
    receiver.location = "https://169.254.169.254/latest/meta-data"
    delivery = svc.delivery_attempt(pending_delivery(setup).pk)

    assert delivery.status == D.PENDING
    assert delivery.last_status_code == 302
    assert len(receiver.requests) == 1


def test_no_answer_is_recorded_as_an_error(setup, endpoint, receiver):
    delivery = pending_delivery(setup)
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
        url="https://127.0.0.1:9/closed"
    )

    delivery = svc.delivery_attempt(delivery.pk)

    assert delivery.last_status_code is None
    assert "ConnectionRefused" in delivery.last_error
    assert delivery.status == D.PENDING


def test_a_certificate_the_platform_does_not_trust_fails_the_attempt(
    setup, endpoint, receiver, settings
):
    settings.WEBHOOK_CA_FILE = ""  # the system's CAs do not know the receiver's
    delivery = svc.delivery_attempt(pending_delivery(setup).pk)

    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("TLS")
    assert receiver.requests == []


def test_an_attempt_claims_its_delivery_so_a_second_worker_skips_it(
    setup, endpoint, receiver
):
    delivery = pending_delivery(setup)
    now = timezone.now()

    assert svc._claim(delivery.pk, now)
    # a second worker, at the same moment: the lease holds it
    assert svc.delivery_attempt(delivery.pk, now=now) is None
    # a worker that died: after the lease the beat's attempt goes ahead
    assert svc.delivery_attempt(delivery.pk, now=now + svc.LEASE).status == D.DELIVERED
    assert len(receiver.requests) == 1


def test_the_beat_queues_what_is_due(setup, endpoint, receiver):
    delivery = pending_delivery(setup)
    # eager tasks: queued means attempted
    assert tasks.webhooks_deliver_due() == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == D.DELIVERED
    assert tasks.webhooks_deliver_due() == 0


# -- disabling, retrying, ping ----------------------------------------------------


def test_disabling_fails_what_is_pending_and_is_audited(setup, endpoint, receiver):
    endpoint_row, _ = endpoint
    delivery = pending_delivery(setup)

    svc.endpoint_disable(endpoint=endpoint_row, user=setup.staff)

    delivery.refresh_from_db()
    assert delivery.status == D.FAILED
    assert delivery.last_error == "endpoint disabled"
    assert svc.delivery_attempt(delivery.pk) is None
    assert receiver.requests == []
    assert (
        AuditEvent.objects.filter(action=actions.WEBHOOK_ENDPOINT_DISABLED).count() == 1
    )
    with pytest.raises(ApplicationError) as again:
        svc.endpoint_disable(endpoint=endpoint_row, user=setup.staff)
    assert again.value.code == error_codes.TRANSITION


def test_a_failed_delivery_can_be_sent_again_by_staff(setup, endpoint, receiver):
    delivery = pending_delivery(setup)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=D.FAILED, attempts=7, next_attempt_at=None
    )

    with pytest.raises(ApplicationError) as stranger:
        svc.delivery_retry(delivery=delivery, user=UserFactory())
    assert stranger.value.code == error_codes.NOT_A_MEMBER

    svc.delivery_retry(delivery=delivery, user=setup.staff)
    delivered = svc.delivery_attempt(delivery.pk)
    assert (delivered.status, delivered.attempts) == (D.DELIVERED, 1)
    with pytest.raises(ApplicationError) as not_failed:
        svc.delivery_retry(delivery=delivered, user=setup.staff)
    assert not_failed.value.code == error_codes.TRANSITION


def test_a_ping_tries_the_receiver(
    setup, endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint_row, secret = endpoint
    with django_capture_on_commit_callbacks(execute=True):
        delivery = svc.endpoint_ping(endpoint=endpoint_row, user=setup.staff)

    delivery.refresh_from_db()
    assert delivery.status == D.DELIVERED
    [request] = receiver.requests
    assert request.headers["X-Voucher-Event"] == "ping"
    assert signing.verify(
        secret,
        request.headers["X-Voucher-Signature"],
        request.headers["X-Voucher-Timestamp"],
        request.body,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_worker_a_delivery_does_not_hold_up_the_charge(
    settings, setup, endpoint, receiver
):
    # given: the demo's setting, and an endpoint that answers only when told
    settings.WEBHOOK_DELIVER_ON_THREAD = True
    receiver.hold = threading.Event()
    charge = setup.hold()

    # when: the enterprise confirms the charge
    redemption.redemption_confirm(redemption=charge, user=setup.applicant)

    # then: the confirmation is done while the endpoint still holds the request
    charge.refresh_from_db()
    assert charge.status == Redemption.Status.CONFIRMED
    deadline = time.monotonic() + 10
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.requests) == 1
    assert deliveries("charge.confirmed").get().status == D.PENDING

    # when: the endpoint answers, the delivery is recorded as delivered
    receiver.hold.set()
    while deliveries("charge.confirmed").get().status == D.PENDING:
        assert time.monotonic() < deadline, "the delivery was never recorded"
        time.sleep(0.05)
    assert deliveries("charge.confirmed").get().status == D.DELIVERED
