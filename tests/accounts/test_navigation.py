"""The menu: each role sees its own items; a role with many gets them in
groups (a group of one stays a plain link), so the menu keeps to a line."""

import pytest
from django.test import RequestFactory

from accounts.context_processors import NAV_FLAT_MAX, NAVIGATION, navigation
from accounts.roles import Role
from tests.factories import make_role_user

pytestmark = pytest.mark.django_db


def _menu(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)["nav_items"]


def _links(entries):
    for e in entries:
        yield from e.get("children", [e])


def test_a_reviewer_sees_its_desks_as_plain_links():
    menu = _menu(make_role_user(Role.REVIEWER, region="330106"))
    assert len(menu) <= NAV_FLAT_MAX
    assert not [e for e in menu if "children" in e]
    assert [e["url"] for e in menu][:2] == ["/enterprises/review/", "/review/"]


def test_a_manager_gets_groups_and_keeps_every_link_once():
    user = make_role_user(Role.PROGRAM_MANAGER)
    menu = _menu(user, "/audit/flags/")

    seen = [link["url"] for link in _links(menu)]
    expected = [n for n in NAVIGATION if Role.PROGRAM_MANAGER in n[2]]
    assert len(seen) == len(set(seen)) == len(expected) > NAV_FLAT_MAX
    assert len(menu) <= 7
    groups = {str(e["label"]): e for e in menu if "children" in e}
    assert all(len(g["children"]) > 1 for g in groups.values())
    # the group of the page shown is marked, and so is the page
    (active,) = [g for g in groups.values() if g["active"]]
    assert [c["url"] for c in active["children"] if c["active"]] == ["/audit/flags/"]


def test_the_menu_groups_open_in_the_page(client):
    user = make_role_user(Role.AUDITOR)
    client.sign_in(user, language="zh-hans")
    content = client.get("/audit/flags/").content.decode()
    assert content.count('data-testid="nav-group"') >= 3
    assert '<summary class="active">审计</summary>' in content
    assert '<a href="/audit/flags/" aria-current="page">异常标记</a>' in content
