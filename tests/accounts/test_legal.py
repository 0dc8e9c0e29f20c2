"""The user agreement and the privacy notice: public pages in the reader's
language with the version a sign-up accepts, linked from the sign-up form."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.legal import VERSIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("document", ["terms", "privacy"])
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "个人信息"), ("en", "personal information")],
)
def test_each_text_is_public_with_its_version(client, document, language, words):
    response = client.get(
        reverse("legal", args=[document]), HTTP_ACCEPT_LANGUAGE=language
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert VERSIONS[document] in html
    assert settings.SUPPORT_CONTACT in html
    assert words in html.lower() or words in html


def test_an_unknown_text_is_404(client):
    assert client.get("/legal/cookies/").status_code == 404


def test_the_signup_form_links_both_texts(client):
    html = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    page = html.decode()
    for document in ("terms", "privacy"):  # links, not escaped text
        assert f'<a href="{reverse("legal", args=[document])}"' in page
    assert "《用户协议》" in page
