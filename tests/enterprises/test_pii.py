"""Personal data on the register: shareholder ID numbers kept only as a keyed
hash and a masked form, contact phones masked, and reveals recorded."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import actions
from audits.models import AuditEvent
from enterprises import services
from enterprises.models import Enterprise, Shareholder
from enterprises.pii import hash_id_number, mask_id_number, mask_phone

pytestmark = pytest.mark.django_db

ID_NUMBER = "33010619900307123X"
BIRTH_DATE = "19900307"
PHONE = "13812341234"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise(applicant):
    enterprise = Enterprise.objects.get(memberships__user=applicant)
    enterprise.contact_phone = PHONE
    enterprise.save(update_fields=["contact_phone"])
    return enterprise


def audit_json() -> str:
    return json.dumps(
        list(AuditEvent.objects.values("object_repr", "before", "after")),
        ensure_ascii=False,
    )


def shareholder_rows() -> str:
    return json.dumps(list(Shareholder.objects.values()), default=str)


# Shareholder ID numbers


def test_shareholder_id_number_is_stored_only_as_hash_and_masked_form(
    applicant, enterprise
):
    # when
    shareholder = services.shareholder_add(
        enterprise=enterprise, name="李四", id_number=ID_NUMBER, actor=applicant
    )

    # then
    shareholder.refresh_from_db()
    assert shareholder.id_number_masked == "3301**********123X"
    assert shareholder.id_number_hash == hash_id_number(ID_NUMBER)
    assert len(shareholder.id_number_hash) == 64
    rows = shareholder_rows()
    assert ID_NUMBER not in rows
    assert BIRTH_DATE not in rows
    [event] = AuditEvent.objects.filter(action=actions.SHAREHOLDER_ADDED)
    assert event.after == {
        "enterprise": enterprise.pk,
        "name": "李四",
        "id": "3301**********123X",
    }
    assert ID_NUMBER not in audit_json()
    assert BIRTH_DATE not in audit_json()


def test_shareholder_page_stores_and_shows_only_the_masked_number(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")
    url = reverse("enterprises:shareholders", args=[enterprise.pk])

    # when
    response = client.post(url, {"name": "李四", "id_number": ID_NUMBER}, follow=True)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "3301**********123X" in page
    assert BIRTH_DATE not in page
    assert BIRTH_DATE not in shareholder_rows()
    assert BIRTH_DATE not in audit_json()
    assert Shareholder.objects.get().id_number_hash == hash_id_number(ID_NUMBER)


def test_removing_a_shareholder_records_only_the_masked_number(applicant, enterprise):
    # given
    shareholder = services.shareholder_add(
        enterprise=enterprise, name="李四", id_number=ID_NUMBER, actor=applicant
    )

    # when
    services.shareholder_remove(shareholder=shareholder, actor=applicant)

    # then
    assert not Shareholder.objects.exists()
    [event] = AuditEvent.objects.filter(action=actions.SHAREHOLDER_REMOVED)
    assert event.before == {"name": "李四", "id": "3301**********123X"}


def test_equal_id_numbers_give_equal_hashes_across_enterprises(
    applicant, other_applicant, enterprise
):
    # given
    other = Enterprise.objects.get(memberships__user=other_applicant)

    # when
    first = services.shareholder_add(
        enterprise=enterprise, name="李四", id_number=ID_NUMBER, actor=applicant
    )
    second = services.shareholder_add(
        enterprise=other,
        name="李四",
        id_number=" 330106 19900307 123x ",
        actor=other_applicant,
    )
    third = services.shareholder_add(
        enterprise=other,
        name="王五",
        id_number="330106199003071231",
        actor=other_applicant,
    )

    # then
    assert first.id_number_hash == second.id_number_hash
    assert first.id_number_hash != third.id_number_hash
    assert Shareholder.objects.filter(id_number_hash=first.id_number_hash).count() == 2


def test_id_number_hash_is_keyed(settings):
    # given
    before = hash_id_number(ID_NUMBER)

    # when
    settings.PII_HASH_KEY = "another-key"

    # then
    assert hash_id_number(ID_NUMBER) != before


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="0123456789X", min_size=15, max_size=18))
def test_id_number_mask_never_shows_the_middle(number):
    # when
    masked = mask_id_number(number)

    # then
    assert len(masked) == len(number)
    assert masked[4:-4] == "*" * (len(number) - 8)
    assert masked[:4] + masked[-4:] == number[:4] + number[-4:]


def test_shareholder_form_refuses_an_id_number_of_the_wrong_length(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.post(
        reverse("enterprises:shareholders", args=[enterprise.pk]),
        {"name": "李四", "id_number": "3301061990"},
    )

    # then
    assert response.status_code == 200
    assert "Enter 15 or 18 letters and digits." in response.content.decode()
    assert not Shareholder.objects.exists()


# Contact phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("+86 138-1234-1234", "861******1234"),
        ("0571-8888666", "057****8666"),
        ("8888-6666", "******66"),
        ("", ""),
    ],
)
def test_phone_mask(phone, masked):
    assert mask_phone(phone) == masked


def test_detail_page_shows_the_phone_masked(client, applicant, enterprise):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(reverse("enterprises:detail", args=[enterprise.pk]))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "138****1234" in page
    assert PHONE not in page


def test_profile_audit_event_keeps_the_phone_masked(applicant, enterprise):
    # when
    services.enterprise_update_profile(
        enterprise=enterprise,
        data={"contact_phone": "13999998888"},
        actor=applicant,
    )

    # then
    [event] = AuditEvent.objects.filter(action=actions.ENTERPRISE_UPDATED)
    assert event.before == {"contact_phone": "138****1234"}
    assert event.after == {"contact_phone": "139****8888"}
    assert PHONE not in audit_json()
    assert "13999998888" not in audit_json()


def test_reveal_shows_the_full_phone_and_records_who_saw_it(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.post(
        reverse("enterprises:reveal-phone", args=[enterprise.pk]), follow=True
    )

    # then
    assert response.status_code == 200
    assert response.redirect_chain == [
        (reverse("enterprises:detail", args=[enterprise.pk]), 302)
    ]
    assert PHONE in response.content.decode()
    [event] = AuditEvent.objects.filter(action=actions.SENSITIVE_VALUE_REVEALED)
    assert event.actor == applicant
    assert event.object_type == "enterprises.enterprise"
    assert event.object_id == str(enterprise.pk)
    assert event.after == {"field": "contact_phone"}
    assert PHONE not in audit_json()


def test_reviewer_of_the_region_may_reveal_the_phone(client, reviewer, enterprise):
    # given
    client.sign_in(reviewer, language="en")

    # when
    response = client.post(
        reverse("enterprises:reveal-phone", args=[enterprise.pk]), follow=True
    )

    # then
    assert PHONE in response.content.decode()
    [event] = AuditEvent.objects.filter(action=actions.SENSITIVE_VALUE_REVEALED)
    assert event.actor == reviewer


def test_applicant_of_another_enterprise_gets_404_on_reveal(
    client, other_applicant, enterprise
):
    # given
    client.sign_in(other_applicant, language="en")

    # when
    response = client.post(reverse("enterprises:reveal-phone", args=[enterprise.pk]))

    # then
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(
        action=actions.SENSITIVE_VALUE_REVEALED
    ).exists()


def test_reveal_by_get_is_not_allowed(client, applicant, enterprise):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(reverse("enterprises:reveal-phone", args=[enterprise.pk]))

    # then
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(
        action=actions.SENSITIVE_VALUE_REVEALED
    ).exists()
