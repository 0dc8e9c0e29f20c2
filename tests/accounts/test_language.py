"""Chinese first, English on request: the language switch and the profile."""

import pytest
from django.conf import settings

from audits import actions
from audits.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANGUAGE_URL = "/me/language/"
PROFILE_URL = "/me/"


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


# -- the default and the switch -------------------------------------------------


def test_site_answers_in_chinese_by_default(client):
    # given: a first visit, no cookie, no Accept-Language

    # when
    response = client.get("/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    assert 'data-testid="lang-en">English</button>' in html
    assert 'data-testid="lang-zh"' not in html
    assert response["Content-Language"] == "zh-hans"


def test_allauth_pages_are_in_chinese_by_default(client):
    # given / when
    response = client.get("/accounts/login/")

    # then
    assert "登录" in response.content.decode()


def test_anonymous_visitor_switches_to_english_with_a_cookie(client):
    # given
    assert '<html lang="zh-hans"' in client.get("/").content.decode()

    # when
    switched = client.post(LANGUAGE_URL, {"language": "en", "next": "/"})
    response = client.get("/")

    # then
    assert switched.status_code == 302
    assert switched["Location"] == "/"
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert 'data-testid="lang-zh">中文</button>' in html
    assert not AuditEvent.objects.filter(action=actions.USER_PROFILE_UPDATED).exists()


def test_anonymous_visitor_switches_back_to_chinese(client):
    # given
    client.post(LANGUAGE_URL, {"language": "en"})

    # when
    client.post(LANGUAGE_URL, {"language": "zh-hans"})
    response = client.get("/")

    # then
    assert '<html lang="zh-hans"' in response.content.decode()


def test_signed_in_user_switch_is_kept_on_the_account_and_recorded(client):
    # given
    user = UserFactory(full_name="张三")
    assert user.language == "zh-hans"
    client.force_login(user)

    # when
    switched = client.post(LANGUAGE_URL, {"language": "en", "next": "/me/"})
    response = client.get("/")

    # then
    assert switched.status_code == 302
    assert switched["Location"] == "/me/"
    user.refresh_from_db()
    assert user.language == "en"
    assert user.full_name == "张三"
    event = AuditEvent.objects.get(action=actions.USER_PROFILE_UPDATED)
    assert event.actor == user
    assert event.before == {"full_name": "张三", "language": "zh-hans"}
    assert event.after == {"full_name": "张三", "language": "en"}
    assert '<html lang="en"' in response.content.decode()


def test_signed_in_user_sees_the_account_language_on_another_device(client):
    # given: the choice was made elsewhere; this client has no cookie
    user = UserFactory(language="en")
    client.force_login(user)

    # when
    response = client.get("/")

    # then
    assert '<html lang="en"' in response.content.decode()


def test_switching_to_the_current_language_records_nothing(client):
    # given
    user = UserFactory()
    client.force_login(user)

    # when
    response = client.post(LANGUAGE_URL, {"language": "zh-hans"})

    # then
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=actions.USER_PROFILE_UPDATED).exists()


@pytest.mark.parametrize("language", ["fr", "", "zh-hans<script>", "EN"])
def test_unknown_language_redirects_with_an_error_and_changes_nothing(client, language):
    # given
    user = UserFactory()
    client.force_login(user)

    # when
    response = client.post(LANGUAGE_URL, {"language": language, "next": "/me/"})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert len(_messages(response)) == 1
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert not AuditEvent.objects.filter(action=actions.USER_PROFILE_UPDATED).exists()


def test_unknown_language_message_is_shown_on_the_next_page(client):
    # given
    client.post(LANGUAGE_URL, {"language": "fr"})

    # when
    response = client.get("/")

    # then
    assert len(list(response.context["messages"])) == 1
    assert '<html lang="zh-hans"' in response.content.decode()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/path",
        "http://evil.example.com",
        "javascript:alert(1)",
        "\\\\evil.example.com",
    ],
)
def test_next_pointing_to_another_host_is_ignored(client, target):
    # given / when
    response = client.post(LANGUAGE_URL, {"language": "en", "next": target})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_next_pointing_to_another_host_is_ignored_even_on_error(client):
    # given / when
    response = client.post(
        LANGUAGE_URL, {"language": "fr", "next": "https://evil.example.com/"}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_over_long_next_still_switches_the_language_and_goes_home(client):
    # given: the switch posts the current page's full path, query included
    long_path = "/audit/events/?actor=" + "x" * 2100

    # when
    response = client.post(LANGUAGE_URL, {"language": "en", "next": long_path})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _messages(response) == []


def test_language_switch_accepts_only_post(client):
    # given / when
    response = client.get(LANGUAGE_URL, {"language": "en"})

    # then
    assert response.status_code == 405


# -- the profile form -----------------------------------------------------------


def test_profile_page_needs_login(client):
    # given / when
    response = client.get(PROFILE_URL)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_form_saves_name_and_language(client):
    # given
    user = UserFactory(full_name="")
    client.force_login(user)

    # when
    response = client.post(PROFILE_URL, {"full_name": "  李四 ", "language": "en"})

    # then
    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    user.refresh_from_db()
    assert user.full_name == "李四"
    assert user.language == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    event = AuditEvent.objects.get(action=actions.USER_PROFILE_UPDATED)
    assert event.before == {"full_name": "", "language": "zh-hans"}
    assert event.after == {"full_name": "李四", "language": "en"}
    page = client.get(PROFILE_URL)
    assert '<html lang="en"' in page.content.decode()
    assert 'value="李四"' in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(
            {"full_name": "王" * 101, "language": "en"}, "full_name", id="long-name"
        ),
        pytest.param(
            {"full_name": "王五", "language": "fr"}, "language", id="bad-language"
        ),
        pytest.param({"full_name": "王五"}, "language", id="missing-language"),
    ],
)
def test_profile_form_shows_errors_beside_fields_and_saves_nothing(client, data, field):
    # given
    user = UserFactory(full_name="赵六")
    client.force_login(user)

    # when
    response = client.post(PROFILE_URL, data)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'class="field has-error"' in html
    user.refresh_from_db()
    assert user.full_name == "赵六"
    assert user.language == "zh-hans"
    assert not AuditEvent.objects.filter(action=actions.USER_PROFILE_UPDATED).exists()
