import pytest

pytestmark = pytest.mark.django_db


def test_pages_answer(client, applicant, reviewer, program_manager, auditor, provider_staff):
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/healthz"]:
        assert client.get(path).status_code == 200, path
    for user, paths in [
        (applicant, ["/", "/enterprises/", "/me/"]),
        (reviewer, ["/", "/enterprises/review/"]),
        (program_manager, ["/enterprises/staff/", "/audit/events/"]),
        (auditor, ["/audit/events/"]),
        (provider_staff, ["/enterprises/provider/"]),
    ]:
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 200, (user, path)
