"""`manage.py load_demo`: the departments, one account per role, and logins
that work exactly as printed. The demo is loaded once for the module
(``demo_loaded``)."""

import re
import time
from io import StringIO

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import MFA_REQUIRED_ROLES, Role
from enterprises.models import Department, Membership

pytestmark = pytest.mark.django_db

ACCOUNT_LINE = re.compile(r"^\s+\S.*?\s(?P<email>[\w.+-]+@[\w.-]+)\s")
SECRET_LINE = re.compile(r"TOTP secret (?P<secret>[A-Z2-7]+=*)\s*$")
PASSWORD_LINE = re.compile(r"password for every account: (?P<password>[^)\s]+)\)")


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    """Rows in every table of every installed app."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _printed_logins(output: str) -> tuple[str, dict[str, str | None]]:
    """The printed password, and each printed account with its TOTP secret."""
    password = PASSWORD_LINE.search(output)
    assert password, output
    accounts: dict[str, str | None] = {}
    last = None
    for line in output.splitlines():
        if secret := SECRET_LINE.search(line):
            assert last, line
            accounts[last] = secret["secret"]
        elif account := ACCOUNT_LINE.match(line):
            last = account["email"]
            accounts[last] = None
    return password["password"], accounts


def _current_totp(secret: str) -> str:
    """The code an authenticator app shows now, not one about to expire."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 1.5:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def test_second_run_creates_nothing(demo_loaded):
    # given: the first run (demo_loaded)
    after_first = _row_counts()

    # when
    output = _load_demo()

    # then
    assert _row_counts() == after_first
    assert "Departments created this run: 0 (total 102)" in output
    for label in [
        "accounts.User",
        "enterprises.Membership",
        "enterprises.Department",
        "enterprises.Enterprise",
        "enterprises.Provider",
        "audits.AuditEvent",
        "mfa.Authenticator",
        "account.EmailAddress",
    ]:
        assert after_first[label] > 0, label


def test_demo_has_every_department_and_an_account_for_every_role(demo_loaded):
    # when
    output = demo_loaded

    # then
    assert Department.objects.count() == 102
    by_level = {
        level: Department.objects.filter(region__level=level).count()
        for level in ["province", "city", "county"]
    }
    assert by_level == {"province": 1, "city": 11, "county": 90}
    assert "Departments created this run: 102 (total 102)" in output
    for role in Role:
        holders = Membership.objects.filter(role=role).values("user").distinct()
        assert holders.count() >= 1, role
    assert Membership.objects.filter(role=Role.APPLICANT, is_owner=True).exists()


def test_totp_secrets_are_printed_for_every_government_account(demo_loaded):
    # when
    output = demo_loaded

    # then
    _, accounts = _printed_logins(output)
    government = set(
        Membership.objects.filter(role__in=MFA_REQUIRED_ROLES).values_list(
            "user__email", flat=True
        )
    )
    assert government
    assert {email for email, secret in accounts.items() if secret} == government
    for email in government:
        assert re.fullmatch(r"[A-Z2-7]{32}", accounts[email]), email


def test_every_printed_login_signs_in_and_opens_the_home_page(demo_loaded, client):
    # given
    password, accounts = _printed_logins(demo_loaded)
    assert len(accounts) >= len(Role) + 1

    for email, secret in accounts.items():
        # when: password first
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": email, "password": password}
        )

        # then: government accounts are asked for the second factor
        assert response.status_code == 302, (email, response.content[:500])
        if secret:
            assert response.url == reverse("mfa_authenticate"), email
            response = client.post(response.url, {"code": _current_totp(secret)})
            assert response.status_code == 302, (email, response.content[:500])
        assert response.url == reverse("home"), email

        # when: the home page
        home = client.get(reverse("home"))

        # then: signed in as this account, with its roles
        assert home.status_code == 200, email
        assert home.context["user"].email == email
        expected_roles = set(
            Membership.objects.filter(user__email=email).values_list("role", flat=True)
        )
        assert set(home.context["roles"]) == expected_roles, email


def test_the_demo_chain_is_sealed_checkpointed_and_checked(demo_loaded):
    from audits.chain.verify import chain_verify
    from audits.models import ChainCheckpoint, ChainLink, ChainVerification, PendingSeal

    assert not PendingSeal.objects.exists()
    head = ChainLink.objects.count()
    assert head > 100
    assert ChainCheckpoint.objects.latest("seq").seq == head
    check = ChainVerification.objects.get()
    assert check.status == ChainVerification.Status.INTACT
    assert check.requested_by_label == "auditor@example.com"
    assert chain_verify().ok


def test_the_demo_has_open_and_triaged_flags(demo_loaded):
    from audits.models import Flag, FlagScan

    assert FlagScan.objects.get().status == FlagScan.Status.DONE
    statuses = set(Flag.objects.values_list("status", flat=True))
    assert statuses == {Flag.Status.OPEN, Flag.Status.DISMISSED}
    assert Flag.objects.filter(rule="declaration_jump").exists()


def test_the_demo_has_a_built_report_of_each_kind(demo_loaded):
    from audits.models import Report

    reports = list(Report.objects.all())
    assert sorted(r.kind for r in reports) == sorted(Report.Kind.values)
    for report in reports:
        assert report.status == Report.Status.DONE
        assert report.requested_by_label == "auditor@example.com"
        assert report.pdf_sha256
        assert report.signer
