"""Sign-up, e-mail verification, login, logout, passwords and sessions,
driven through the web client as a person would, with their audit events."""

import re
from datetime import timedelta

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone, translation

from accounts.legal import VERSIONS
from audits import actions
from audits.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

NEW_EMAIL = "new.person@example.com"
NEW_PASSWORD = "Sturdy-Lantern-93"
OTHER_PASSWORD = "Quiet-Harbour-71"
SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"


# What sign-up asks besides the e-mail and the password (accounts.forms.SignupForm).
PERSON = {"full_name": "钱小红", "phone": "138 1234 5678", "accept": "on"}


def _signup(client, email=NEW_EMAIL, password1=NEW_PASSWORD, password2=None):
    return client.post(
        SIGNUP_URL,
        {
            "email": email,
            "password1": password1,
            "password2": password1 if password2 is None else password2,
            **PERSON,
        },
    )


def _login(client, email, password, **extra):
    return client.post(LOGIN_URL, {"login": email, "password": password}, **extra)


def _link_path(message, prefix):
    """The path of the first link in the e-mail body that starts with prefix."""
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _is_logged_in(client):
    return "_auth_user_id" in client.session


def _assert_error_beside(response, field):
    """The form kept the error on the field and the page shows it with the
    input (Django links them with aria-describedby)."""
    assert response.context["form"].errors.get(field), response.context["form"].errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error[^"]*"', html)


def _zh(message_key):
    with translation.override("zh-hans"):
        return str(get_adapter().error_messages[message_key])


# -- sign-up and e-mail verification ---------------------------------------


def test_signup_creates_an_unverified_user_and_records_the_signup(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    users_before = User.objects.count()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.count() == users_before + 1
    user = User.objects.get(email=NEW_EMAIL)
    assert user.check_password(NEW_PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified
    event = AuditEvent.objects.get(action=actions.USER_SIGNED_UP)
    assert event.actor == user
    assert event.actor_label == NEW_EMAIL
    assert event.object_type == "accounts.user"
    assert event.object_id == str(user.pk)
    assert event.after == {"email": NEW_EMAIL, "full_name": "钱小红"}
    assert (user.full_name, user.phone) == ("钱小红", "13812345678")
    # the consent, with the versions the visitor was shown
    assert sorted(user.consents.values_list("document", "version")) == sorted(
        VERSIONS.items()
    )
    consented = AuditEvent.objects.get(action=actions.USER_CONSENTED)
    assert consented.after == dict(VERSIONS)
    assert len(mailoutbox) == 1


def test_signup_sends_a_verification_email_whose_link_confirms_the_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    [message] = mailoutbox
    confirm_path = _link_path(message, "/accounts/confirm-email/")
    user = User.objects.get(email=NEW_EMAIL)

    # when
    page = client.get(confirm_path)
    confirmed = client.post(confirm_path)

    # then
    assert message.to == [NEW_EMAIL]
    assert message.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
    # named as configured, greeting by name, no English in a Chinese e-mail
    assert message.body.startswith("钱小红，您好：")
    assert settings.SITE_NAME in message.body
    assert settings.SITE_URL in message.body
    assert settings.SUPPORT_CONTACT in message.body
    assert "Email" not in message.subject
    assert "Hello" not in message.body
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user, email=NEW_EMAIL).verified
    event = AuditEvent.objects.get(action=actions.USER_EMAIL_CONFIRMED)
    assert event.actor == user
    assert event.after == {"email": NEW_EMAIL}


def test_opening_the_confirmation_link_does_not_confirm_without_a_post(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    confirm_path = _link_path(mailoutbox[0], "/accounts/confirm-email/")

    # when
    client.get(confirm_path)

    # then
    assert not EmailAddress.objects.get(email=NEW_EMAIL).verified
    assert not AuditEvent.objects.filter(action=actions.USER_EMAIL_CONFIRMED).exists()


def test_login_before_verification_does_not_log_in(
    client, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    client.logout()

    # when
    response = _login(client, NEW_EMAIL, NEW_PASSWORD)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not _is_logged_in(client)
    assert not AuditEvent.objects.filter(action=actions.USER_LOGGED_IN).exists()


def test_login_after_verification_logs_in_and_records_request_id_and_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    client.post(_link_path(mailoutbox[0], "/accounts/confirm-email/"))
    user = User.objects.get(email=NEW_EMAIL)

    # when
    response = _login(
        client,
        NEW_EMAIL,
        NEW_PASSWORD,
        HTTP_X_REQUEST_ID="login-req-0001",
        REMOTE_ADDR="203.0.113.9",
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(action=actions.USER_LOGGED_IN)
    assert event.actor == user
    assert event.request_id == "login-req-0001"
    assert event.client_ip == "203.0.113.9"


def test_login_writes_a_generated_request_id_when_none_is_sent(client):
    # given
    user = UserFactory()

    # when
    response = _login(client, user.email, PASSWORD)

    # then
    event = AuditEvent.objects.get(action=actions.USER_LOGGED_IN, actor=user)
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)
    assert response["X-Request-ID"] == event.request_id
    assert event.client_ip == "127.0.0.1"


def test_wrong_password_records_a_failed_login_with_the_attempted_address(client):
    # given
    user = UserFactory(email="someone@example.com")

    # when
    response = _login(client, "someone@example.com", "not-the-password")

    # then
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not _is_logged_in(client)
    event = AuditEvent.objects.get(action=actions.USER_LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_label == "someone@example.com"
    assert event.after == {"email": "someone@example.com"}
    assert event.object_id == str(user.pk)
    assert event.client_ip == "127.0.0.1"


def test_failed_login_for_an_unknown_address_is_recorded_without_an_object(client):
    # given
    users_before = User.objects.count()

    # when
    response = _login(client, "nobody@example.com", "whatever-123456")

    # then
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=actions.USER_LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_label == "nobody@example.com"
    assert event.object_id == ""
    assert User.objects.count() == users_before


def test_login_is_refused_after_five_failures_for_one_address(client):
    # given
    user = UserFactory(email="target@example.com")
    for _ in range(5):
        assert _login(client, user.email, "wrong-password-1").status_code == 200

    # when
    response = _login(client, user.email, PASSWORD)

    # then
    assert response.status_code == 200
    assert not _is_logged_in(client)
    message = _zh("too_many_login_attempts")
    assert message in response.context["form"].non_field_errors()
    assert message in response.content.decode()
    assert AuditEvent.objects.filter(action=actions.USER_LOGIN_FAILED).count() == 5
    assert not AuditEvent.objects.filter(action=actions.USER_LOGGED_IN).exists()


def test_rate_limit_for_one_address_holds_from_another_client_address(client):
    # given
    user = UserFactory(email="target@example.com")
    for i in range(5):
        _login(client, user.email, "wrong-password-1", REMOTE_ADDR=f"198.51.100.{i}")

    # when
    response = _login(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.77")

    # then
    assert response.status_code == 200
    assert not _is_logged_in(client)
    assert _zh("too_many_login_attempts") in response.content.decode()


def test_rate_limit_for_one_address_does_not_block_another_address_elsewhere(client):
    # given
    target = UserFactory(email="target@example.com")
    bystander = UserFactory(email="bystander@example.com")
    for _ in range(5):
        _login(client, target.email, "wrong-password-1")

    # when
    response = _login(client, bystander.email, PASSWORD, REMOTE_ADDR="192.0.2.50")

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bystander.pk)


def test_login_rate_limit_setting_is_per_account_and_far_looser_per_address():
    # given / when
    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"]

    # then
    assert set(rates.split(",")) == {"5/5m/key", "40/10m/ip"}


# -- behind the production proxy ------------------------------------------------------

PROXY = "10.0.0.1"


def _only_failures_limited(settings):
    """Lift the 30-a-minute limit on all login attempts per address, which a
    test's 40 quick tries would meet first, to see the failure limit."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login": "1000/m/ip",
    }


def _via_proxy(client_address, forged=None):
    """What gunicorn sees behind the TLS proxy: the proxy's address, and the
    header the proxy appended the client's address to."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


def test_behind_the_proxy_one_accounts_failures_do_not_block_another_client(
    client, settings
):
    # given
    settings.TRUSTED_PROXY_COUNT = 1
    target = UserFactory(email="target@example.com")
    bystander = UserFactory(email="bystander@example.com")
    for _ in range(6):
        _login(client, target.email, "wrong-password-1", **_via_proxy("198.51.100.7"))

    # when
    response = _login(client, bystander.email, PASSWORD, **_via_proxy("192.0.2.50"))

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bystander.pk)
    event = AuditEvent.objects.get(action=actions.USER_LOGGED_IN)
    assert event.client_ip == "192.0.2.50"
    failed = AuditEvent.objects.filter(action=actions.USER_LOGIN_FAILED)
    assert {e.client_ip for e in failed} == {"198.51.100.7"}


def test_one_persons_failures_do_not_lock_out_a_colleague_at_the_same_address(
    client, settings
):
    # given two clerks behind one office NAT
    settings.TRUSTED_PROXY_COUNT = 1
    target = UserFactory(email="target@example.com")
    colleague = UserFactory(email="colleague@example.com")
    for _ in range(6):
        _login(client, target.email, "wrong-password-1", **_via_proxy("198.51.100.7"))

    # when
    response = _login(client, colleague.email, PASSWORD, **_via_proxy("198.51.100.7"))

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_the_guessed_account_stays_locked_from_every_address(client, settings):
    # given
    settings.TRUSTED_PROXY_COUNT = 1
    target = UserFactory(email="target@example.com")
    for i in range(5):
        _login(
            client, target.email, "wrong-password-1", **_via_proxy(f"198.51.100.{i}")
        )

    # when
    response = _login(client, target.email, PASSWORD, **_via_proxy("192.0.2.50"))

    # then
    assert not _is_logged_in(client)
    assert _zh("too_many_login_attempts") in response.content.decode()


def test_guessing_across_many_accounts_from_one_address_is_stopped(client, settings):
    _only_failures_limited(settings)
    # given 40 failures from one client, over 8 accounts (5 each)
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(8):
        for _ in range(5):
            _login(client, f"guess{n}@example.com", "x", **_via_proxy("198.51.100.7"))
    user = UserFactory(email="someone@example.com")

    # when
    blocked = _login(client, user.email, PASSWORD, **_via_proxy("198.51.100.7"))
    elsewhere = _login(client, user.email, PASSWORD, **_via_proxy("192.0.2.50"))

    # then
    assert _zh("too_many_login_attempts") in blocked.content.decode()
    assert elsewhere.status_code == 302


def test_a_forged_first_hop_does_not_escape_the_address_limit(client, settings):
    _only_failures_limited(settings)
    # given a guesser who writes a new X-Forwarded-For on every try
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(40):
        _login(
            client,
            f"guess{n}@example.com",
            "x",
            **_via_proxy("198.51.100.7", forged=f"203.0.113.{n}"),
        )
    user = UserFactory(email="someone@example.com")

    # when
    response = _login(
        client,
        user.email,
        PASSWORD,
        **_via_proxy("198.51.100.7", forged="203.0.113.99"),
    )

    # then
    assert _zh("too_many_login_attempts") in response.content.decode()


def test_behind_the_proxy_the_attempts_a_minute_are_counted_per_client(
    client, settings
):
    # given 30 attempts in a minute from one client
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory(email="someone@example.com")
    for n in range(30):
        _login(client, f"guess{n % 5}@example.com", "x", **_via_proxy("198.51.100.7"))

    # when
    blocked = _login(client, user.email, PASSWORD, **_via_proxy("198.51.100.7"))
    elsewhere = _login(client, user.email, PASSWORD, **_via_proxy("192.0.2.50"))

    # then
    assert blocked.status_code == 429
    assert elsewhere.status_code == 302


def test_without_a_configured_proxy_the_header_is_ignored_by_the_limits(
    client, settings
):
    _only_failures_limited(settings)
    # given failures from one connection that claims a new address each time
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(40):
        _login(
            client,
            f"guess{n}@example.com",
            "x",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    user = UserFactory(email="someone@example.com")

    # when
    response = _login(
        client,
        user.email,
        PASSWORD,
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="192.0.2.50",
    )

    # then
    assert _zh("too_many_login_attempts") in response.content.decode()
    failed = AuditEvent.objects.filter(action=actions.USER_LOGIN_FAILED)
    assert {e.client_ip for e in failed} == {"198.51.100.7"}


def test_logout_records_the_logout(client):
    # given
    user = UserFactory()
    _login(client, user.email, PASSWORD)

    # when
    response = client.post("/accounts/logout/")

    # then
    assert response.status_code == 302
    assert not _is_logged_in(client)
    event = AuditEvent.objects.get(action=actions.USER_LOGGED_OUT)
    assert event.actor == user


# -- passwords --------------------------------------------------------------


def test_password_change_records_an_event_and_the_new_password_works(client):
    # given
    user = UserFactory()
    _login(client, user.email, PASSWORD)

    # when
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": OTHER_PASSWORD,
            "password2": OTHER_PASSWORD,
        },
    )

    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(OTHER_PASSWORD)
    event = AuditEvent.objects.get(action=actions.USER_PASSWORD_CHANGED)
    assert event.actor == user
    assert _is_logged_in(client)  # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False


def test_password_change_with_a_wrong_old_password_changes_nothing(client):
    # given
    user = UserFactory()
    _login(client, user.email, PASSWORD)

    # when
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "not-my-password",
            "password1": OTHER_PASSWORD,
            "password2": OTHER_PASSWORD,
        },
    )

    # then
    assert response.status_code == 200
    _assert_error_beside(response, "oldpassword")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=actions.USER_PASSWORD_CHANGED).exists()


def test_password_reset_by_email_works_end_to_end(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory(email="forgetful@example.com")

    # when: ask for the e-mail
    with django_capture_on_commit_callbacks(execute=True):
        requested = client.post("/accounts/password/reset/", {"email": user.email})
    # and follow its link to the form that sets the new password
    [message] = mailoutbox
    key_path = _link_path(message, "/accounts/password/reset/key/")
    opened = client.get(key_path)
    form_path = opened["Location"]
    form_page = client.get(form_path)
    saved = client.post(
        form_path, {"password1": OTHER_PASSWORD, "password2": OTHER_PASSWORD}
    )
    logged_in = _login(client, user.email, OTHER_PASSWORD)

    # then
    assert requested.status_code == 302
    assert message.to == [user.email]
    assert opened.status_code == 302
    assert form_page.status_code == 200
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.check_password(OTHER_PASSWORD)
    assert not user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action=actions.USER_PASSWORD_RESET)
    assert event.actor == user
    assert logged_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_link_works_only_once(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory(email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": user.email})
    key_path = _link_path(mailoutbox[0], "/accounts/password/reset/key/")
    form_path = client.get(key_path)["Location"]
    client.post(form_path, {"password1": OTHER_PASSWORD, "password2": OTHER_PASSWORD})
    client.logout()

    # when
    response = client.get(key_path, follow=True)

    # then
    assert response.status_code == 200
    assert response.context["token_fail"]


def test_password_reset_for_an_unknown_address_sends_no_reset_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    users_before = User.objects.count()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/reset/", {"email": "nobody@example.com"}
        )

    # then: the answer looks the same as for a known address
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in m.body for m in mailoutbox)
    assert User.objects.count() == users_before


# -- sessions ---------------------------------------------------------------


def test_sessions_expire_after_thirty_idle_minutes_and_at_browser_close():
    # given / when / then
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_session_cookie_lives_only_until_the_browser_closes(client):
    # given
    user = UserFactory()

    # when
    _login(client, user.email, PASSWORD)

    # then
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"]


def test_session_row_expires_thirty_minutes_after_the_last_request(client):
    # given
    user = UserFactory()
    _login(client, user.email, PASSWORD)
    session_key = client.session.session_key
    Session.objects.filter(pk=session_key).update(
        expire_date=timezone.now() + timedelta(seconds=60)
    )

    # when
    client.get("/")

    # then
    remaining = Session.objects.get(pk=session_key).expire_date - timezone.now()
    assert timedelta(seconds=1790) < remaining <= timedelta(seconds=1800)


def test_session_idle_longer_than_its_age_is_no_longer_authenticated(client):
    # given
    user = UserFactory()
    _login(client, user.email, PASSWORD)
    assert client.get("/me/").status_code == 200
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    # when
    response = client.get("/me/")

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


# -- bad sign-up input ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(
            {
                "email": NEW_EMAIL,
                "password1": NEW_PASSWORD,
                "password2": OTHER_PASSWORD,
            },
            "password2",
            id="mismatched-passwords",
        ),
        pytest.param(
            {
                "email": "not-an-email",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
            "email",
            id="invalid-email",
        ),
        pytest.param(
            {"email": NEW_EMAIL, "password1": "Short-1", "password2": "Short-1"},
            "password1",
            id="too-short-password",
        ),
        pytest.param(
            {
                "email": NEW_EMAIL,
                "password1": "1234567890123",
                "password2": "1234567890123",
            },
            "password1",
            id="numeric-password",
        ),
        pytest.param(
            {"email": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            "email",
            id="missing-email",
        ),
        *(
            pytest.param(
                {
                    "email": NEW_EMAIL,
                    "password1": NEW_PASSWORD,
                    "password2": NEW_PASSWORD,
                    name: value,
                },
                name,
                id=f"{name}-{value or 'empty'}",
            )
            for name, value in [
                ("full_name", "  "),
                ("phone", "12345"),
                ("phone", "23812345678"),
                ("accept", ""),
            ]
        ),
    ],
)
def test_signup_with_bad_input_shows_the_error_beside_the_field_and_creates_no_user(
    client, mailoutbox, data, field
):
    # given
    users_before = User.objects.count()

    # when
    response = client.post(SIGNUP_URL, {**PERSON, **data})

    # then
    assert response.status_code == 200
    _assert_error_beside(response, field)
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(action=actions.USER_SIGNED_UP).exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "email",
    ["existing@example.com", "Existing@Example.COM"],
    ids=["same", "other-case"],
)
def test_signup_with_an_existing_email_creates_no_user_and_does_not_reveal_it(
    client, mailoutbox, django_capture_on_commit_callbacks, email
):
    # given: ACCOUNT_PREVENT_ENUMERATION is on, so the page must not say the
    # address is taken; the owner is told by e-mail instead.
    UserFactory(email="existing@example.com")
    users_before = User.objects.count()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email=email)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(action=actions.USER_SIGNED_UP).exists()
    [message] = mailoutbox
    assert message.to[0].lower() == "existing@example.com"
    assert "/accounts/confirm-email/" not in message.body
    assert not _is_logged_in(client)


def test_signup_form_never_answers_500_for_odd_input(client):
    # given
    users_before = User.objects.count()
    odd_inputs = [
        {},
        {"email": "a@b.c" * 100, "password1": "x", "password2": "y"},
        {"email": "名字@例子.中国", "password1": NEW_PASSWORD},
        {"email": "\x00@example.com", "password1": "\x00", "password2": "\x00"},
    ]

    # when
    statuses = [client.post(SIGNUP_URL, data).status_code for data in odd_inputs]

    # then
    assert all(status < 500 for status in statuses), statuses
    assert User.objects.count() == users_before
