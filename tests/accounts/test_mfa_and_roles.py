"""Government roles need TOTP; logging in with TOTP asks for the code;
setting TOTP up through the site is recorded."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
)
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from tests.factories import (
    PASSWORD,
    ProviderFactory,
    UserFactory,
    add_totp,
    make_role_user,
    membership,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
MFA_AUTHENTICATE_URL = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"
REAUTHENTICATE_URL = "/accounts/reauthenticate/"

GOVERNMENT_PAGES = [
    pytest.param(Role.REVIEWER, "/enterprises/review/", id="reviewer"),
    pytest.param(Role.PROGRAM_MANAGER, "/enterprises/staff/", id="program-manager"),
    pytest.param(Role.AUDITOR, "/audit/events/", id="auditor"),
]


def _counter():
    """The current TOTP counter, waiting out the last seconds of a period so
    the code cannot expire between computing and posting it."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 3:
        time.sleep(left + 0.1)
    return int(time.time()) // period


def _code(secret, counter):
    return format_hotp_value(hotp_value(secret, counter))


def _wrong_code(secret, counter):
    valid = {_code(secret, counter + i) for i in (-1, 0, 1)}
    return next(
        candidate
        for candidate in (f"{n:06d}" for n in range(0, 10**6, 111111))
        if candidate not in valid
    )


def _login(client, user):
    return client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})


def _is_logged_in(client):
    return "_auth_user_id" in client.session


def _open_totp_setup(client, user):
    """Log in with the password, open the TOTP set-up page (allauth asks for
    the password again first) and return the secret it offers."""
    _login(client, user)
    assert _is_logged_in(client)
    asked = client.get(TOTP_ACTIVATE_URL)
    assert asked.status_code == 302
    assert asked["Location"].startswith(REAUTHENTICATE_URL)
    reauthenticated = client.post(asked["Location"], {"password": PASSWORD})
    assert reauthenticated["Location"] == TOTP_ACTIVATE_URL
    page = client.get(TOTP_ACTIVATE_URL)
    assert page.status_code == 200
    return client.session[SECRET_SESSION_KEY]


# -- role guards --------------------------------------------------------------


@pytest.mark.parametrize(("role", "path"), GOVERNMENT_PAGES)
def test_government_role_without_totp_is_sent_to_set_it_up(client, role, path):
    # given
    user = make_role_user(role, region="330000", mfa=False)
    client.force_login(user)

    # when
    response = client.get(path)

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize(("role", "path"), GOVERNMENT_PAGES)
def test_government_role_without_totp_is_told_why(client, role, path):
    # given
    user = make_role_user(role, region="330000", mfa=False)
    client.force_login(user)

    # when
    response = client.get(path, follow=True)

    # then
    with translation.override("zh-hans"):
        expected = gettext(
            "Your role needs two-factor authentication. "
            "Set up an authenticator app to continue."
        )
    messages = [str(m) for m in response.context["messages"]]
    assert expected in messages
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")


@pytest.mark.parametrize(("role", "path"), GOVERNMENT_PAGES)
def test_government_role_with_totp_may_open_its_page(client, role, path):
    # given
    user = make_role_user(role, region="330000", mfa=True)
    client.force_login(user)

    # when
    response = client.get(path)

    # then
    assert response.status_code == 200


def test_applicants_need_no_totp(client):
    # given
    user = make_role_user(Role.APPLICANT)
    assert not Authenticator.objects.filter(user=user).exists()
    client.force_login(user)

    # when
    response = client.get("/enterprises/")

    # then
    assert response.status_code == 200


def test_provider_staff_need_no_totp(client):
    # given
    user = UserFactory()
    membership(user, Role.PROVIDER_STAFF, ProviderFactory(offers_model=True))
    client.force_login(user)

    # when
    response = client.get("/enterprises/provider/", follow=True)

    # then
    assert response.status_code == 200
    assert all(
        url != reverse("mfa_activate_totp") for url, _ in response.redirect_chain
    )


def test_applicant_may_not_open_a_government_page(client, applicant):
    # given
    client.force_login(applicant)

    # when
    response = client.get("/enterprises/review/")

    # then
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_login_from_a_government_page(client):
    # given / when
    response = client.get("/audit/events/")

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


# -- logging in with TOTP -------------------------------------------------------


def test_password_alone_does_not_log_in_a_user_with_totp(client, reviewer):
    # given: the reviewer fixture has TOTP

    # when
    response = _login(client, reviewer)

    # then
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE_URL
    assert not _is_logged_in(client)
    assert not AuditEvent.objects.filter(action=actions.USER_LOGGED_IN).exists()
    assert client.get("/enterprises/review/").status_code == 302


def test_correct_totp_code_completes_login(client):
    # given
    user = make_role_user(Role.REVIEWER, mfa=False)
    secret = add_totp(user)
    _login(client, user)

    # when
    response = client.post(MFA_AUTHENTICATE_URL, {"code": _code(secret, _counter())})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.get(action=actions.USER_LOGGED_IN).actor == user
    assert client.get("/enterprises/review/").status_code == 200


def test_wrong_totp_code_does_not_log_in(client):
    # given
    user = make_role_user(Role.REVIEWER, mfa=False)
    secret = add_totp(user)
    _login(client, user)

    # when
    response = client.post(
        MFA_AUTHENTICATE_URL, {"code": _wrong_code(secret, _counter())}
    )

    # then: it says what to do, and the field says what code it wants
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    html = response.content.decode()
    assert "验证码错误或已过期" in html
    assert "身份验证器应用中的验证码" in html
    assert "项目代码" not in html
    assert not _is_logged_in(client)
    assert not AuditEvent.objects.filter(action=actions.USER_LOGGED_IN).exists()


def test_totp_code_cannot_be_used_twice(client):
    # given
    user = make_role_user(Role.REVIEWER, mfa=False)
    secret = add_totp(user)
    code = _code(secret, _counter())
    _login(client, user)
    client.post(MFA_AUTHENTICATE_URL, {"code": code})
    client.post("/accounts/logout/")
    _login(client, user)

    # when
    response = client.post(MFA_AUTHENTICATE_URL, {"code": code})

    # then
    assert response.status_code == 200
    assert not _is_logged_in(client)


def test_session_opened_without_totp_is_not_let_in_once_totp_is_added_elsewhere(
    client,
):
    # given: a reviewer logged in with the password while still without TOTP
    user = make_role_user(Role.REVIEWER, mfa=False)
    _login(client, user)
    assert client.get("/enterprises/review/").status_code == 302
    # and TOTP is then turned on from another device
    add_totp(user)

    # when
    response = client.get("/enterprises/review/")

    # then: this session never gave a code, so it is asked for one
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


# -- setting TOTP up through the site -------------------------------------------


def test_activating_totp_through_the_site_records_the_event(
    client, django_capture_on_commit_callbacks
):
    # given: a reviewer without TOTP on the set-up page
    user = make_role_user(Role.REVIEWER, mfa=False)
    secret = _open_totp_setup(client, user)

    # when: allauth sends authenticator_added once the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TOTP_ACTIVATE_URL, {"code": _code(secret, _counter())})

    # then
    assert response.status_code == 302
    assert Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()
    event = AuditEvent.objects.get(
        action=actions.USER_MFA_ACTIVATED, after__type=Authenticator.Type.TOTP
    )
    assert event.actor == user
    assert event.object_id == str(user.pk)
    assert client.get("/enterprises/review/").status_code == 200


def test_activating_totp_with_a_wrong_code_changes_nothing(client):
    # given
    user = make_role_user(Role.REVIEWER, mfa=False)
    secret = _open_totp_setup(client, user)

    # when
    response = client.post(TOTP_ACTIVATE_URL, {"code": _wrong_code(secret, _counter())})

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action=actions.USER_MFA_ACTIVATED).exists()


def test_setting_up_totp_in_a_session_counts_as_its_second_factor(
    client, django_capture_on_commit_callbacks
):
    # given: a reviewer without TOTP sets it up through the site
    user = make_role_user(Role.REVIEWER, mfa=False)
    secret = _open_totp_setup(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(TOTP_ACTIVATE_URL, {"code": _code(secret, _counter())})

    # when
    response = client.get("/enterprises/review/")

    # then: the code given at set-up is this session's second factor
    assert response.status_code == 200


def test_allauth_two_factor_sentences_use_the_sites_word_for_account():
    """The site's catalogue rewords allauth's own sentences; each must still
    be one of allauth's msgids, or the rewording silently stops applying."""
    import gettext as gnu
    from pathlib import Path

    import allauth

    from accounts.mfa import ALLAUTH_WORDING

    mo = Path(allauth.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.mo"
    with mo.open("rb") as handle:
        allauth_catalogue = gnu.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    with translation.override("zh-hans"):
        for msgid in ALLAUTH_WORDING:
            assert msgid in allauth_catalogue
            assert "账户" in gettext(msgid)
            assert "帐" not in gettext(msgid)


def test_turning_off_two_factor_is_never_confirmed_by_an_emailed_code(client):
    # given: a reviewer with TOTP whose session needs reauthenticating
    user = make_role_user(Role.REVIEWER)
    client.force_login(user)

    # when: opening the page that turns TOTP off
    response = client.get("/accounts/2fa/totp/deactivate/", follow=True)

    # then: asked for the password (or the app's code), never for an e-mail code
    assert response.redirect_chain[-1][0].startswith(REAUTHENTICATE_URL)
    assert "/accounts/reauthenticate/code/" not in response.content.decode()
    assert client.get("/accounts/reauthenticate/code/").status_code != 200
