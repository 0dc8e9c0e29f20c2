import pytest
from django.core.cache import cache

from accounts.roles import Role
from tests.factories import make_role_user


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
    return make_role_user(Role.PROGRAM_MANAGER, region="330000", email="manager@example.com")


@pytest.fixture
def auditor(db):
    return make_role_user(Role.AUDITOR, region="330000", email="auditor@example.com")


@pytest.fixture
def other_applicant(db):
    """An applicant of another enterprise, in another city (Ningbo)."""
    return make_role_user(Role.APPLICANT, region="330203", email="other@example.com")
