"""The provider's webhook pages through the test client: register an
endpoint (secret shown once), refusals in Chinese, the delivery log and a
delivery's page, disabling, a test ping and sending a failed one again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import ProviderFactory, UserFactory, membership
from vouchers.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory()
    provider = ProviderFactory()
    membership(user, Role.PROVIDER_STAFF, provider)
    client.force_login(user)
    return user, provider


def page(provider) -> str:
    return reverse("vouchers:webhooks", kwargs={"provider_pk": provider.pk})


def register(
    client, provider, url="https://1.1.1.1/hooks", events=("charge.confirmed",)
):
    return client.post(page(provider), {"url": url, "events": list(events)})


def test_staff_register_an_endpoint_and_see_its_secret_once(client, staff):
    _, provider = staff

    response = register(
        client, provider, events=["charge.confirmed", "statement.ready"]
    )

    secret = response.context["new_secret"]
    assert secret.startswith("whsec_")
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get(provider=provider)
    assert endpoint.events == ["charge.confirmed", "statement.ready"]
    again = client.get(page(provider)).content.decode()
    assert secret not in again
    assert "扣费已确认" in again
    assert "https://1.1.1.1/hooks" in again


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://1.1.1.1/hooks", "HTTPS"),
        ("https://10.0.0.8/hooks", "私有"),
        ("https://169.254.169.254/latest", "私有"),
    ],
)
def test_an_address_that_is_refused_says_why_in_chinese(client, staff, url, message):
    _, provider = staff
    response = register(client, provider, url=url)

    assert response.status_code == 200
    [error] = response.context["form"].errors["url"]
    assert message in error
    assert not WebhookEndpoint.objects.exists()


def test_no_event_chosen_is_refused(client, staff):
    _, provider = staff
    response = register(client, provider, events=[])
    assert response.context["form"].errors["events"]
    assert not WebhookEndpoint.objects.exists()


def test_the_log_and_a_delivery_page_show_what_was_sent_and_answered(client, staff):
    _user, provider = staff
    register(client, provider)
    endpoint = WebhookEndpoint.objects.get()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="charge.confirmed",
        event_id="00000000-0000-4000-8000-0000000000aa",
        payload={"event": "charge.confirmed", "data": {"invoice_number": "FP-LOG-1"}},
        status=WebhookDelivery.Status.FAILED,
        attempts=7,
        last_status_code=503,
    )

    log = client.get(page(provider) + "?status=failed").content.decode()
    detail = client.get(
        reverse(
            "vouchers:webhook-delivery",
            kwargs={"provider_pk": provider.pk, "pk": delivery.pk},
        )
    ).content.decode()

    assert "HTTP 503" in log
    assert "发送失败" in log
    assert "FP-LOG-1" in detail
    assert "00000000-0000-4000-8000-0000000000aa" in detail
    assert 'data-testid="retry"' in detail

    # sent again: pending, attempts start over
    client.post(
        reverse(
            "vouchers:webhook-retry",
            kwargs={"provider_pk": provider.pk, "pk": delivery.pk},
        )
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_a_ping_and_disabling(client, staff):
    _, provider = staff
    register(client, provider)
    endpoint = WebhookEndpoint.objects.get()

    ping = client.post(
        reverse(
            "vouchers:webhook-ping",
            kwargs={"provider_pk": provider.pk, "pk": endpoint.pk},
        )
    )
    assert WebhookDelivery.objects.filter(event="ping").count() == 1
    assert ping.status_code == 302

    client.post(
        reverse(
            "vouchers:webhook-disable",
            kwargs={"provider_pk": provider.pk, "pk": endpoint.pk},
        )
    )
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert WebhookDelivery.objects.get(event="ping").status == "failed"


def test_another_providers_staff_get_404(client, staff):
    _, provider = staff
    register(client, provider)
    stranger = UserFactory()
    membership(stranger, Role.PROVIDER_STAFF, ProviderFactory())
    client.force_login(stranger)
    assert client.get(page(provider)).status_code == 404
