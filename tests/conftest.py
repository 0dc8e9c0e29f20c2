import time
from collections.abc import Iterator
from io import StringIO

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.backends.postgresql.operations import (
    DatabaseOperations as PostgresOperations,
)
from django.test import Client as DjangoClient
from django.test import override_settings
from django.utils import translation

from accounts.roles import Role
from tests.factories import make_role_user


class Client(DjangoClient):
    """force_login as a finished sign-in: password, plus the TOTP code when
    the user has TOTP (government pages check that this session passed it)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        now = time.time()
        records = [{"method": "password", "at": now, "email": user.email}]
        totp = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if totp is not None:
            records.append({"method": "mfa", "at": now, "id": totp.pk, "type": "totp"})
        session = self.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = records
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
        session.save()

    def sign_in(self, user, *, language: str | None = None):
        """Signed in as ``user`` (as force_login), with the site in
        ``language`` when given (kept on the account, as the site does)."""
        if language is not None:
            user.language = language
            user.save(update_fields=["language"])
        self.force_login(user)
        return self


@pytest.fixture
def client():
    return Client()


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    """Uploads go to a temporary folder, never the project's var/ (tests that
    look at the files set their own)."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """`manage.py load_demo` run once for the module that asks for it (about
    six seconds a run), rolled back when the module is done; its printed
    output. Each test still runs in its own savepoint, so what one test
    changes the next does not see. A test in such a module that needs the
    database without the demo belongs in another module."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_no_truncate_triggers():
    """Transactional tests end with Django emptying every table by TRUNCATE,
    which the audit tables' triggers refuse (audits/append_only.py). The
    flush runs in one transaction; ``session_replication_role = replica``
    (superuser only, as the test runner connects) skips ordinary triggers
    for that transaction alone."""
    original = PostgresOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if not statements:
            return statements
        return ["SET LOCAL session_replication_role = replica", *statements]

    PostgresOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    PostgresOperations.sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts and ends in the site's language. A request through
    the test client leaves its user's language active in the thread
    (accounts.middleware activates it; a server's next request activates
    its own), which would otherwise carry into whatever runs next."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and used TOTP codes live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def applicant(db):
    """An applicant who owns an enterprise in Xihu district."""
    return make_role_user(Role.APPLICANT, email="applicant@example.com")


@pytest.fixture
def provider_staff(db):
    return make_role_user(Role.PROVIDER_STAFF, email="provider@example.com")


@pytest.fixture
def reviewer(db):
    """A county reviewer (Xihu district) with TOTP set up."""
    return make_role_user(Role.REVIEWER, region="330106", email="reviewer@example.com")


@pytest.fixture
def program_manager(db):
    return make_role_user(
        Role.PROGRAM_MANAGER, region="330000", email="manager@example.com"
    )


@pytest.fixture
def auditor(db):
    return make_role_user(Role.AUDITOR, region="330000", email="auditor@example.com")


@pytest.fixture
def other_applicant(db):
    """An applicant of another enterprise, in another city (Ningbo)."""
    return make_role_user(Role.APPLICANT, region="330203", email="other@example.com")
