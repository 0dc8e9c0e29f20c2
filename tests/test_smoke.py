import pytest

pytestmark = pytest.mark.django_db


def test_pages_answer(
    client, applicant, reviewer, program_manager, auditor, provider_staff
):
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/healthz"]:
        assert client.get(path).status_code == 200, path
    for user, paths in [
        (applicant, ["/", "/enterprises/", "/me/"]),
        (reviewer, ["/", "/enterprises/review/"]),
        (program_manager, ["/enterprises/staff/", "/audit/events/"]),
        (auditor, ["/audit/events/"]),
        (
            provider_staff,
            [f"/enterprises/providers/{provider_staff.memberships.get().provider_id}/"],
        ),
    ]:
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 200, (user, path)


def test_register_pages_answer(client, applicant, reviewer, program_manager, auditor):
    from enterprises.models import Enterprise

    enterprise = Enterprise.objects.get(memberships__user=applicant)
    client.force_login(applicant)
    for path in [
        "/enterprises/claim/",
        f"/enterprises/{enterprise.pk}/",
        f"/enterprises/{enterprise.pk}/edit/",
        f"/enterprises/{enterprise.pk}/declarations/",
        f"/enterprises/{enterprise.pk}/shareholders/",
        "/enterprises/provider/apply/",
    ]:
        assert client.get(path).status_code == 200, path
    for user in (reviewer, program_manager, auditor):
        client.force_login(user)
        for path in ["/enterprises/register/", f"/enterprises/{enterprise.pk}/"]:
            assert client.get(path).status_code == 200, (user, path)
    client.force_login(reviewer)
    assert client.get("/enterprises/claims/").status_code == 200
    client.force_login(program_manager)
    assert client.get("/enterprises/providers/").status_code == 200
