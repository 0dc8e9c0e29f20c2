"""The audit trail: how events are written, what a request adds to them, the
database refusing to change them, and the page that lists them."""

import re
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import Error, connection, transaction

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from audits.services import SYSTEM_LABEL, audit_event_record
from tests.factories import PASSWORD, UserFactory, make_role_user

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
EVENTS_URL = "/audit/events/"


class Boom(Exception):
    pass


def _record(when=None, **kwargs):
    """Write one event in its own transaction, at ``when`` if given."""
    kwargs.setdefault("action", actions.USER_CREATED)
    with transaction.atomic():
        if when is None:
            return audit_event_record(**kwargs)
        with mock.patch("django.utils.timezone.now", return_value=when):
            return audit_event_record(**kwargs)


def _login(client, user, **extra):
    return client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}, **extra
    )


def _listed(response):
    return [e.actor_label for e in response.context["page"].object_list]


# -- writing events ---------------------------------------------------------------


def test_event_keeps_actor_object_and_values():
    # given
    actor = UserFactory(email="actor@example.com")
    target = UserFactory(email="target@example.com", full_name="目标用户")

    # when
    _record(
        action=actions.USER_PROFILE_UPDATED,
        actor=actor,
        target=target,
        before={"language": "zh-hans"},
        after={"language": "en"},
    )

    # then
    event = AuditEvent.objects.get()
    assert event.actor == actor
    assert event.actor_label == "actor@example.com"
    assert event.action == actions.USER_PROFILE_UPDATED
    assert event.object_type == "accounts.user"
    assert event.object_id == str(target.pk)
    assert event.object_repr == "目标用户"
    assert event.before == {"language": "zh-hans"}
    assert event.after == {"language": "en"}
    assert event.occurred_at is not None


def test_explicit_object_fields_win_over_the_target():
    # given
    target = UserFactory()

    # when
    event = _record(
        target=target,
        object_type="custom.type",
        object_id="X-1",
        object_repr="shown text",
    )

    # then
    event.refresh_from_db()
    assert (event.object_type, event.object_id, event.object_repr) == (
        "custom.type",
        "X-1",
        "shown text",
    )


def test_event_without_actor_is_labelled_system():
    # given / when
    event = _record(actor=None)

    # then
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_label == SYSTEM_LABEL


def test_anonymous_user_as_actor_is_stored_as_no_actor():
    # given / when
    event = _record(actor=AnonymousUser(), actor_label="guest@example.com")

    # then
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_label == "guest@example.com"


def test_long_actor_label_and_object_text_are_cut_to_fit():
    # given / when
    event = _record(actor_label="a" * 300, object_repr="对" * 300)

    # then
    event.refresh_from_db()
    assert len(event.actor_label) == 254
    assert len(event.object_repr) == 255


def test_event_outside_a_request_has_no_request_id_or_address():
    # given / when
    event = _record()

    # then
    event.refresh_from_db()
    assert event.request_id == ""
    assert event.client_ip is None


def test_event_disappears_with_a_rolled_back_change():
    # given
    before = AuditEvent.objects.count()

    def change_that_fails():
        with transaction.atomic():
            audit_event_record(action=actions.USER_CREATED)
            raise Boom

    # when
    with pytest.raises(Boom):
        change_that_fails()

    # then
    assert AuditEvent.objects.count() == before


# -- request id and client address ------------------------------------------------


@pytest.mark.parametrize(
    "request_id", ["abcdefgh", "req-2026.11_26-XYZ", "a" * 64], ids=["8", "mixed", "64"]
)
def test_well_formed_request_id_is_kept_and_echoed(client, request_id):
    # given
    user = UserFactory()

    # when
    response = _login(client, user, HTTP_X_REQUEST_ID=request_id)

    # then
    assert response["X-Request-ID"] == request_id
    event = AuditEvent.objects.get(action=actions.USER_LOGGED_IN)
    assert event.request_id == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        "short",
        "has spaces in it",
        "a" * 65,
        "<script>alert(1)</script>",
        "id\nX-Evil: 1",
    ],
    ids=["too-short", "spaces", "too-long", "markup", "newline"],
)
def test_malformed_request_id_is_replaced(client, request_id):
    # given
    user = UserFactory()

    # when
    response = _login(client, user, HTTP_X_REQUEST_ID=request_id)

    # then
    sent = response["X-Request-ID"]
    assert sent != request_id
    assert re.fullmatch(r"[0-9a-f]{32}", sent)
    event = AuditEvent.objects.get(action=actions.USER_LOGGED_IN)
    assert event.request_id == sent


def test_every_response_gets_a_fresh_request_id(client):
    # given / when
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]

    # then
    assert first != second


def _switch_language(client, user, **extra):
    """A request of the site's own that writes an event (no allauth rate
    limiting, which refuses requests without a valid client address)."""
    client.force_login(user)
    return client.post("/me/language/", {"language": "en"}, **extra)


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8::1", "2001:db8::1"),
        ("not-an-ip", None),
        ("", None),
    ],
    ids=["ipv4", "ipv6", "garbage", "empty"],
)
def test_client_address_comes_from_remote_addr(client, remote_addr, stored):
    # given
    user = UserFactory()

    # when
    _switch_language(client, user, REMOTE_ADDR=remote_addr)

    # then
    event = AuditEvent.objects.get(action=actions.USER_PROFILE_UPDATED)
    assert event.client_ip == stored


def test_forwarded_for_header_is_ignored_unless_the_deployment_trusts_it(
    client, settings
):
    # given
    user = UserFactory()
    settings.TRUSTED_PROXY_COUNT = 0

    # when
    _switch_language(
        client, user, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    # then
    event = AuditEvent.objects.get(action=actions.USER_PROFILE_UPDATED)
    assert event.client_ip == "10.0.0.1"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_recorded(
    client, settings
):
    # given a client that forges a first hop, and the proxy appending the
    # address it really came from
    user = UserFactory()
    settings.TRUSTED_PROXY_COUNT = 1

    # when
    _switch_language(
        client,
        user,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )

    # then
    event = AuditEvent.objects.get(action=actions.USER_PROFILE_UPDATED)
    assert event.client_ip == "198.51.100.7"


# -- append-only ---------------------------------------------------------------------


def _assert_refused(change):
    with pytest.raises(Error, match="append-only"), transaction.atomic():
        change()


def test_database_refuses_orm_update():
    # given
    event = _record(actor_label="original")

    # when / then
    _assert_refused(
        lambda: AuditEvent.objects.filter(pk=event.pk).update(actor_label="forged")
    )
    event.actor_label = "forged"
    _assert_refused(event.save)
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "original"


def test_database_refuses_orm_delete():
    # given
    event = _record()

    # when / then
    _assert_refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    _assert_refused(lambda: AuditEvent.objects.all().delete())
    _assert_refused(event.delete)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_database_refuses_raw_sql_update_and_delete():
    # given
    event = _record(actor_label="original")

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])

        return run

    # when / then
    _assert_refused(
        raw("UPDATE audits_auditevent SET actor_label = 'forged' WHERE id = %s")
    )
    _assert_refused(raw("DELETE FROM audits_auditevent WHERE id = %s"))
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "original"


def test_database_still_accepts_new_events_after_a_refusal():
    # given
    event = _record()
    _assert_refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())

    # when
    _record(actor_label="later")

    # then
    assert AuditEvent.objects.filter(actor_label="later").exists()


# -- the event list page ------------------------------------------------------------


def test_event_list_filters_by_action(client, auditor):
    # given
    _record(action=actions.USER_PROFILE_UPDATED, actor_label="profile@example.com")
    _record(action=actions.USER_SIGNED_UP, actor_label="signup@example.com")
    client.force_login(auditor)

    # when
    response = client.get(EVENTS_URL, {"action": actions.USER_PROFILE_UPDATED})

    # then
    assert response.status_code == 200
    assert _listed(response) == ["profile@example.com"]
    assert "profile@example.com" in response.content.decode()
    assert "signup@example.com" not in response.content.decode()


def test_event_list_filters_by_actor(client, auditor):
    # given
    _record(actor_label="alice@example.com")
    _record(actor_label="bob@example.com")
    client.force_login(auditor)

    # when
    response = client.get(EVENTS_URL, {"actor": "ALICE"})

    # then
    assert _listed(response) == ["alice@example.com"]


def test_event_list_filters_by_date_in_beijing_time(client, auditor):
    # given
    _record(when=datetime(2026, 1, 10, 12, 0, tzinfo=BEIJING), actor_label="jan10")
    # 00:30 on 15 January in Beijing is still 14 January in UTC
    _record(
        when=datetime(2026, 1, 15, 0, 30, tzinfo=BEIJING), actor_label="jan15-early"
    )
    _record(
        when=datetime(2026, 1, 15, 23, 59, tzinfo=BEIJING), actor_label="jan15-late"
    )
    _record(when=datetime(2026, 1, 16, 0, 0, tzinfo=BEIJING), actor_label="jan16")
    client.force_login(auditor)

    # when
    one_day = client.get(
        EVENTS_URL, {"date_from": "2026-01-15", "date_to": "2026-01-15"}
    )
    from_day = client.get(
        EVENTS_URL, {"date_from": "2026-01-15", "action": actions.USER_CREATED}
    )
    to_day = client.get(EVENTS_URL, {"date_to": "2026-01-14"})

    # then
    assert _listed(one_day) == ["jan15-late", "jan15-early"]
    assert _listed(from_day) == ["jan16", "jan15-late", "jan15-early"]
    assert _listed(to_day) == ["jan10"]


def test_event_list_rejects_an_inverted_date_range_beside_the_field(client, auditor):
    # given
    client.force_login(auditor)

    # when
    response = client.get(
        EVENTS_URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )

    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["date_to"]
    assert "date_from" not in form.errors
    html = response.content.decode()
    assert 'id="id_date_to_error"' in html
    assert str(form.errors["date_to"][0]) in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"action": "no.such.action"}, "action"),
        ({"actor": "x" * 300}, "actor"),
    ],
    ids=["bad-month", "words", "unknown-action", "long-actor"],
)
def test_event_list_shows_bad_filters_beside_the_field_and_never_fails(
    client, auditor, params, field
):
    # given
    client.force_login(auditor)

    # when
    response = client.get(EVENTS_URL, params)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode()


def test_event_list_with_sixty_events_paginates(client, auditor):
    # given
    for i in range(60):
        _record(
            action=actions.INVITATION_SENT, actor_label=f"sender{i:02d}@example.com"
        )
    client.force_login(auditor)

    # when
    first = client.get(EVENTS_URL, {"action": actions.INVITATION_SENT})
    second = client.get(EVENTS_URL, {"action": actions.INVITATION_SENT, "page": 2})
    beyond = client.get(EVENTS_URL, {"action": actions.INVITATION_SENT, "page": 99})
    garbage = client.get(EVENTS_URL, {"action": actions.INVITATION_SENT, "page": "x"})

    # then
    assert first.status_code == 200
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == 50
    assert _listed(first)[0] == "sender59@example.com"  # newest first
    assert f"action={actions.INVITATION_SENT}&amp;page=2" in first.content.decode()
    assert len(second.context["page"].object_list) == 10
    assert _listed(second)[-1] == "sender00@example.com"
    assert beyond.context["page"].number == 2
    assert garbage.context["page"].number == 1


def test_program_manager_may_read_the_event_list(client, program_manager):
    # given
    client.force_login(program_manager)

    # when
    response = client.get(EVENTS_URL)

    # then
    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.REVIEWER])
def test_other_roles_may_not_read_the_event_list(client, role):
    # given
    user = make_role_user(role)
    client.force_login(user)

    # when
    response = client.get(EVENTS_URL)

    # then
    assert response.status_code == 403


def test_event_list_page_offers_no_way_to_change_events(client, auditor):
    # given
    _record(actor_label="someone@example.com")
    client.force_login(auditor)

    # when
    response = client.post(EVENTS_URL, {"action": actions.USER_CREATED})

    # then: the page only reads; a POST changes nothing
    assert response.status_code in {200, 405}
    assert AuditEvent.objects.filter(actor_label="someone@example.com").count() == 1
