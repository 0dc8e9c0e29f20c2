"""The provider's API key page through the test client: make a key (shown
once, not stored), list, revoke; only the provider's own staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import ProviderFactory, UserFactory, make_role_user, membership
from vouchers.models import ProviderApiKey
from vouchers.provider_api.services import digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory()
    provider = ProviderFactory()
    membership(user, Role.PROVIDER_STAFF, provider)
    return user, provider


def page(provider) -> str:
    return reverse("vouchers:api-keys", kwargs={"provider_pk": provider.pk})


def test_staff_make_a_key_that_is_shown_once(client, staff):
    user, provider = staff
    client.force_login(user)

    response = client.post(page(provider), {"name": "计费系统（生产）"})

    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("vpk_")
    assert key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    row = ProviderApiKey.objects.get(provider=provider)
    assert (row.name, row.digest) == ("计费系统（生产）", digest(key))
    again = client.get(page(provider)).content.decode()
    assert key not in again
    assert f"vpk_{row.prefix}_…" in again


def test_a_key_needs_a_name(client, staff):
    user, provider = staff
    client.force_login(user)
    response = client.post(page(provider), {"name": " "})
    assert response.context["form"].errors["name"]
    assert not ProviderApiKey.objects.exists()


def test_staff_revoke_a_key(client, staff):
    user, provider = staff
    client.force_login(user)
    client.post(page(provider), {"name": "测试"})
    row = ProviderApiKey.objects.get()

    response = client.post(
        reverse(
            "vouchers:api-key-revoke", kwargs={"provider_pk": provider.pk, "pk": row.pk}
        )
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert row.revoked_by == user


def test_another_providers_staff_get_404(client, staff):
    _user, provider = staff
    client.force_login(make_role_user(Role.PROVIDER_STAFF))
    assert client.get(page(provider)).status_code == 404
    assert client.post(page(provider), {"name": "x"}).status_code == 404
    assert not ProviderApiKey.objects.exists()
