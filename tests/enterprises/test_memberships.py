"""Memberships and invitations: the services, and the pages that use them."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises import services
from enterprises.models import Invitation, Membership
from enterprises.services.memberships import INVITATION_VALID_DAYS
from tests.factories import (
    EnterpriseFactory,
    ProviderFactory,
    UserFactory,
    department_for,
    membership,
)

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _state():
    """What the services may write: compared before and after a refused call."""
    return {
        "memberships": list(Membership.objects.order_by("id").values()),
        "invitations": list(Invitation.objects.order_by("id").values()),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture
def enterprise():
    return EnterpriseFactory()


@pytest.fixture
def owner(enterprise):
    user = UserFactory(email="owner@example.com")
    membership(user, Role.APPLICANT, enterprise, is_owner=True)
    return user


@pytest.fixture
def invitation_and_token(enterprise, owner):
    return services.invitation_create(
        enterprise=enterprise, email="colleague@example.com", invited_by=owner
    )


# membership_grant


def test_grant_creates_membership_and_audit_event_with_snapshot(enterprise, owner):
    # given
    user = UserFactory(email="new@example.com")

    # when
    granted = services.membership_grant(
        user=user, role=Role.APPLICANT, organisation=enterprise, granted_by=owner
    )

    # then
    granted.refresh_from_db()
    assert (granted.user, granted.role, granted.enterprise) == (
        user,
        Role.APPLICANT,
        enterprise,
    )
    assert granted.created_by == owner
    assert not granted.is_owner
    [event] = _events(actions.MEMBERSHIP_CREATED)
    assert event.actor == owner
    assert event.object_type == "enterprises.membership"
    assert event.object_id == str(granted.pk)
    assert event.before is None
    assert event.after == {
        "user": "new@example.com",
        "role": "applicant",
        "organisation_type": "enterprise",
        "organisation_id": enterprise.pk,
        "organisation": enterprise.name,
        "is_owner": False,
    }


def test_grant_of_department_role_records_the_department():
    # given
    department = department_for("330100")
    user = UserFactory()

    # when
    granted = services.membership_grant(
        user=user, role=Role.REVIEWER, organisation=department
    )

    # then
    assert granted.department == department
    [event] = _events(actions.MEMBERSHIP_CREATED)
    assert event.actor is None
    assert event.actor_label == "system"
    assert event.after["organisation_type"] == "department"
    assert event.after["organisation_id"] == department.pk


def test_duplicate_grant_is_refused_and_writes_nothing(enterprise, owner):
    # given
    user = UserFactory()
    services.membership_grant(user=user, role=Role.APPLICANT, organisation=enterprise)
    before = _state()

    # when
    with pytest.raises(ApplicationError) as excinfo:
        services.membership_grant(
            user=user, role=Role.APPLICANT, organisation=enterprise, granted_by=owner
        )

    # then
    assert excinfo.value.code == "duplicate"
    assert user.email in excinfo.value.message
    assert _state() == before


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.REVIEWER, "enterprise"),
        (Role.PROVIDER_STAFF, "enterprise"),
        (Role.APPLICANT, "provider"),
        (Role.AUDITOR, "provider"),
        (Role.APPLICANT, "department"),
        (Role.PROVIDER_STAFF, "department"),
    ],
)
def test_grant_of_a_role_in_the_wrong_kind_of_organisation_is_refused(role, kind):
    # given
    organisation = {
        "enterprise": EnterpriseFactory,
        "provider": ProviderFactory,
        "department": lambda: department_for("330106"),
    }[kind]()
    user = UserFactory()
    before = _state()

    # when
    with pytest.raises(ApplicationError):
        services.membership_grant(user=user, role=role, organisation=organisation)

    # then
    assert _state() == before


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(
            {"role": Role.APPLICANT, "provider": True}, id="two-organisations"
        ),
        pytest.param({"role": Role.REVIEWER}, id="reviewer-in-enterprise"),
        pytest.param(
            {"role": Role.APPLICANT, "enterprise": None}, id="no-organisation"
        ),
        pytest.param(
            {
                "role": Role.PROVIDER_STAFF,
                "enterprise": None,
                "provider": True,
                "is_owner": True,
            },
            id="provider-staff-as-owner",
        ),
        pytest.param({"role": "superuser"}, id="unknown-role"),
    ],
)
def test_database_refuses_a_membership_that_breaks_the_organisation_rules(fields):
    # given
    values = {
        "user": UserFactory(),
        "enterprise": EnterpriseFactory(),
        **fields,
    }
    if values.get("provider") is True:
        values["provider"] = ProviderFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(**values)
    assert not Membership.objects.exists()


def test_database_refuses_a_second_owner(enterprise, owner):
    # given
    other = UserFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        membership(other, Role.APPLICANT, enterprise, is_owner=True)


# membership_remove


def test_remove_deletes_membership_and_records_before_snapshot(enterprise, owner):
    # given
    colleague = UserFactory(email="colleague@example.com")
    doomed = membership(colleague, Role.APPLICANT, enterprise)
    doomed_pk = doomed.pk

    # when
    services.membership_remove(membership=doomed, removed_by=owner)

    # then
    assert not Membership.objects.filter(pk=doomed_pk).exists()
    [event] = _events(actions.MEMBERSHIP_REMOVED)
    assert event.actor == owner
    assert event.object_id == str(doomed_pk)
    assert event.after is None
    assert event.before == {
        "user": "colleague@example.com",
        "role": "applicant",
        "organisation_type": "enterprise",
        "organisation_id": enterprise.pk,
        "organisation": enterprise.name,
        "is_owner": False,
    }


def test_owner_cannot_be_removed(enterprise, owner):
    # given
    own = Membership.objects.get(user=owner, enterprise=enterprise)
    before = _state()

    # when
    with pytest.raises(ApplicationError):
        services.membership_remove(membership=own, removed_by=owner)

    # then
    assert _state() == before


# invitation_create


def test_invitation_create_returns_token_and_stores_only_its_hash(enterprise, owner):
    # when
    invitation, token = services.invitation_create(
        enterprise=enterprise, email="  Colleague@Example.COM ", invited_by=owner
    )

    # then
    invitation.refresh_from_db()
    assert len(token) >= 40
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in {str(v) for v in stored.values()}
    assert invitation.email == "colleague@example.com"
    assert invitation.invited_by == owner
    assert invitation.accepted_at is None
    assert invitation.revoked_at is None
    expected_expiry = timezone.now() + timedelta(days=INVITATION_VALID_DAYS)
    assert abs(invitation.expires_at - expected_expiry) < timedelta(minutes=1)
    assert services.invitation_find(token) == invitation


def test_invitation_create_records_invitation_sent_without_the_token(enterprise, owner):
    # when
    invitation, token = services.invitation_create(
        enterprise=enterprise, email="colleague@example.com", invited_by=owner
    )

    # then
    [event] = _events(actions.INVITATION_SENT)
    assert event.actor == owner
    assert event.object_type == "enterprises.invitation"
    assert event.object_id == str(invitation.pk)
    assert event.after == {
        "enterprise": enterprise.pk,
        "email": "colleague@example.com",
    }
    assert token not in str(event.after)
    assert invitation.token_hash not in str(event.after)


def test_invitation_to_an_existing_member_is_refused(enterprise, owner):
    # given
    colleague = UserFactory(email="colleague@example.com")
    membership(colleague, Role.APPLICANT, enterprise)
    before = _state()

    # when
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_create(
            enterprise=enterprise, email="COLLEAGUE@example.com", invited_by=owner
        )

    # then
    assert excinfo.value.code == "already_member"
    assert excinfo.value.field == "email"
    assert _state() == before


def test_second_open_invitation_to_the_same_address_is_refused(
    enterprise, owner, invitation_and_token
):
    # given
    before = _state()

    # when
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_create(
            enterprise=enterprise, email="Colleague@example.com", invited_by=owner
        )

    # then
    assert excinfo.value.code == "already_invited"
    assert excinfo.value.field == "email"
    assert _state() == before


def test_address_can_be_invited_again_after_the_invitation_was_revoked(
    enterprise, owner, invitation_and_token
):
    # given
    first, _ = invitation_and_token
    services.invitation_revoke(invitation=first, revoked_by=owner)

    # when
    second, _ = services.invitation_create(
        enterprise=enterprise, email="colleague@example.com", invited_by=owner
    )

    # then
    assert second.pk != first.pk
    assert Invitation.objects.filter(email="colleague@example.com").count() == 2


def test_same_address_may_be_invited_by_two_enterprises(owner, invitation_and_token):
    # given
    other_enterprise = EnterpriseFactory()
    other_owner = UserFactory()
    membership(other_owner, Role.APPLICANT, other_enterprise, is_owner=True)

    # when
    invitation, _ = services.invitation_create(
        enterprise=other_enterprise,
        email="colleague@example.com",
        invited_by=other_owner,
    )

    # then
    assert invitation.enterprise == other_enterprise


# invitation_accept


def test_accept_by_the_addressed_user_creates_an_applicant_membership(
    enterprise, owner, invitation_and_token
):
    # given
    invitation, token = invitation_and_token
    colleague = UserFactory(email="Colleague@example.com")

    # when
    joined = services.invitation_accept(token=token, user=colleague)

    # then
    assert (joined.user, joined.role, joined.enterprise) == (
        colleague,
        Role.APPLICANT,
        enterprise,
    )
    assert not joined.is_owner
    assert joined.created_by == owner
    invitation.refresh_from_db()
    assert invitation.accepted_by == colleague
    assert invitation.accepted_at is not None
    [accepted] = _events(actions.INVITATION_ACCEPTED)
    assert accepted.actor == colleague
    assert accepted.object_id == str(invitation.pk)
    assert accepted.after == {"membership": joined.pk}
    [created] = _events(actions.MEMBERSHIP_CREATED)
    assert created.actor == owner
    assert created.object_id == str(joined.pk)


def _expire(invitation, token, owner):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    return token


def _revoke(invitation, token, owner):
    services.invitation_revoke(invitation=invitation, revoked_by=owner)
    return token


def _accept_once(invitation, token, owner):
    services.invitation_accept(token=token, user=UserFactory(email=invitation.email))
    return token


@pytest.mark.parametrize(
    ("arrange", "accepting_email", "code"),
    [
        pytest.param(
            lambda inv, token, owner: token,
            "someone.else@example.com",
            "wrong_user",
            id="another-user",
        ),
        pytest.param(_expire, "colleague@example.com", "expired", id="expired"),
        pytest.param(_revoke, "colleague@example.com", "closed", id="revoked"),
        pytest.param(_accept_once, "colleague@example.com", "closed", id="twice"),
        pytest.param(
            lambda inv, token, owner: token[:-4] + "AAAA",
            "colleague@example.com",
            "invalid",
            id="garbage-token",
        ),
        pytest.param(
            lambda inv, token, owner: "x" * 500,
            "colleague@example.com",
            "invalid",
            id="overlong-token",
        ),
        pytest.param(
            lambda inv, token, owner: "",
            "colleague@example.com",
            "invalid",
            id="empty-token",
        ),
    ],
)
def test_accept_is_refused_and_changes_nothing(
    owner, invitation_and_token, arrange, accepting_email, code
):
    # given
    invitation, token = invitation_and_token
    token = arrange(invitation, token, owner)
    user = UserFactory(email=accepting_email)
    before = _state()

    # when
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_accept(token=token, user=user)

    # then
    assert excinfo.value.code == code
    assert _state() == before


# invitation_revoke


def test_revoke_closes_the_invitation_and_records_it(owner, invitation_and_token):
    # given
    invitation, _ = invitation_and_token

    # when
    services.invitation_revoke(invitation=invitation, revoked_by=owner)

    # then
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    [event] = _events(actions.INVITATION_REVOKED)
    assert event.actor == owner
    assert event.object_id == str(invitation.pk)
    assert event.before == {"email": "colleague@example.com"}


def test_revoking_a_closed_invitation_is_refused(owner, invitation_and_token):
    # given
    invitation, _ = invitation_and_token
    services.invitation_revoke(invitation=invitation, revoked_by=owner)
    before = _state()

    # when
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_revoke(invitation=invitation, revoked_by=owner)

    # then
    assert excinfo.value.code == "closed"
    assert _state() == before


# Pages: enterprise colleagues


def _members_url(enterprise):
    return reverse("enterprises:member-list", args=[enterprise.pk])


def test_owner_invites_a_colleague_who_follows_the_mailed_link_and_joins(
    client, enterprise, owner, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    client.force_login(owner)

    # when: the owner sends the invitation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _members_url(enterprise), {"email": "Colleague@Example.com"}
        )

    # then: it is stored and mailed with the link
    assert response.status_code == 302
    assert response.url == _members_url(enterprise)
    invitation = Invitation.objects.get(enterprise=enterprise)
    assert invitation.email == "colleague@example.com"
    [mail] = mailoutbox
    assert mail.to == ["colleague@example.com"]
    assert enterprise.name in mail.subject
    match = re.search(r"http://testserver(/enterprises/invitations/[\w-]+/)", mail.body)
    assert match, mail.body
    link = match.group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get(_members_url(enterprise)).content.decode()

    # when: the colleague signs up with that address and opens the link
    colleague = UserFactory(email="colleague@example.com")
    client.force_login(colleague)
    page = client.get(link)

    # then: the page offers to accept
    assert page.status_code == 200
    assert page.context["invitation"] == invitation
    assert b'method="post"' in page.content

    # when: they accept
    response = client.post(link)

    # then: they are a colleague, not an owner
    assert response.status_code == 302
    assert response.url == reverse("enterprises:mine")
    joined = Membership.objects.get(user=colleague, enterprise=enterprise)
    assert joined.role == Role.APPLICANT
    assert not joined.is_owner
    assert client.get(_members_url(enterprise)).status_code == 200
    assert len(_events(actions.INVITATION_ACCEPTED)) == 1


def test_colleague_who_is_not_owner_cannot_invite(
    client, enterprise, owner, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    colleague = UserFactory()
    membership(colleague, Role.APPLICANT, enterprise)
    client.force_login(colleague)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _members_url(enterprise), {"email": "friend@example.com"}
        )

    # then
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not _events(actions.INVITATION_SENT)
    assert mailoutbox == []


def test_applicant_of_another_enterprise_does_not_see_its_member_page(
    client, enterprise, owner, other_applicant
):
    # given
    client.force_login(other_applicant)

    # when
    response = client.post(_members_url(enterprise), {"email": "friend@example.com"})

    # then
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_invalid_address_is_shown_beside_the_field_and_nothing_is_sent(
    client, enterprise, owner, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    client.force_login(owner)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_members_url(enterprise), {"email": "not-an-address"})

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert 'id="id_email_error"' in response.content.decode()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_inviting_an_existing_member_shows_the_refusal_beside_the_field(
    client, enterprise, owner, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    colleague = UserFactory(email="colleague@example.com")
    membership(colleague, Role.APPLICANT, enterprise)
    client.force_login(owner)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _members_url(enterprise), {"email": "colleague@example.com"}
        )

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert 'id="id_email_error"' in response.content.decode()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_owner_removes_a_colleague(client, enterprise, owner):
    # given
    colleague = UserFactory()
    doomed = membership(colleague, Role.APPLICANT, enterprise)
    client.force_login(owner)

    # when
    response = client.post(
        reverse("enterprises:member-remove", args=[enterprise.pk, doomed.pk])
    )

    # then
    assert response.status_code == 302
    assert response.url == _members_url(enterprise)
    assert not Membership.objects.filter(pk=doomed.pk).exists()
    [event] = _events(actions.MEMBERSHIP_REMOVED)
    assert event.actor == owner


def test_colleague_cannot_remove_another_colleague(client, enterprise, owner):
    # given
    colleague = UserFactory()
    membership(colleague, Role.APPLICANT, enterprise)
    other = membership(UserFactory(), Role.APPLICANT, enterprise)
    client.force_login(colleague)

    # when
    response = client.post(
        reverse("enterprises:member-remove", args=[enterprise.pk, other.pk])
    )

    # then
    assert response.status_code == 403
    assert Membership.objects.filter(pk=other.pk).exists()


def test_owner_withdraws_an_open_invitation(
    client, enterprise, owner, invitation_and_token
):
    # given
    invitation, token = invitation_and_token
    client.force_login(owner)

    # when
    response = client.post(
        reverse("enterprises:invitation-revoke", args=[enterprise.pk, invitation.pk])
    )

    # then
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    with pytest.raises(ApplicationError):
        services.invitation_accept(
            token=token, user=UserFactory(email="colleague@example.com")
        )


def test_invitation_link_opened_by_another_user_does_not_make_them_a_member(
    client, enterprise, owner, invitation_and_token
):
    # given
    invitation, token = invitation_and_token
    stranger = UserFactory(email="stranger@example.com")
    client.force_login(stranger)
    link = reverse("enterprises:invitation-accept", args=[token])

    # when
    response = client.post(link)

    # then
    assert response.status_code == 200
    assert not Membership.objects.filter(user=stranger).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# Pages: government staff


@pytest.fixture
def staff_client(client, program_manager):
    client.force_login(program_manager)
    return client


def test_program_manager_grants_a_reviewer_role_to_an_existing_account(
    staff_client, program_manager
):
    # given
    reviewer = UserFactory(email="new.reviewer@example.com")
    department = department_for("330100")

    # when
    response = staff_client.post(
        reverse("enterprises:staff"),
        {
            "email": "New.Reviewer@example.com",
            "department": department.pk,
            "role": Role.REVIEWER,
        },
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("enterprises:staff")
    granted = Membership.objects.get(user=reviewer)
    assert (granted.role, granted.department) == (Role.REVIEWER, department)
    assert granted.created_by == program_manager
    [event] = _events(actions.MEMBERSHIP_CREATED)
    assert event.actor == program_manager
    assert (
        reviewer.email
        in staff_client.get(reverse("enterprises:staff")).content.decode()
    )


def test_program_manager_gets_a_field_error_for_an_unknown_address(staff_client):
    # given
    department = department_for("330100")
    before = _state()

    # when
    response = staff_client.post(
        reverse("enterprises:staff"),
        {
            "email": "nobody@example.com",
            "department": department.pk,
            "role": Role.REVIEWER,
        },
    )

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert 'id="id_email_error"' in response.content.decode()
    assert _state() == before


def test_program_manager_gets_an_error_when_the_role_is_already_held(staff_client):
    # given
    reviewer = UserFactory(email="reviewer.twice@example.com")
    department = department_for("330100")
    membership(reviewer, Role.REVIEWER, department)
    before = _state()

    # when
    response = staff_client.post(
        reverse("enterprises:staff"),
        {
            "email": reviewer.email,
            "department": department.pk,
            "role": Role.REVIEWER,
        },
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _state() == before


def test_program_manager_removes_a_government_role(staff_client, program_manager):
    # given
    reviewer = UserFactory()
    granted = membership(reviewer, Role.REVIEWER, department_for("330100"))

    # when
    response = staff_client.post(reverse("enterprises:staff-remove", args=[granted.pk]))

    # then
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=granted.pk).exists()
    [event] = _events(actions.MEMBERSHIP_REMOVED)
    assert event.actor == program_manager
    assert event.before["role"] == "reviewer"


def test_program_manager_cannot_remove_their_own_role(staff_client, program_manager):
    # given
    own = Membership.objects.get(user=program_manager, role=Role.PROGRAM_MANAGER)
    before = _state()

    # when
    response = staff_client.post(reverse("enterprises:staff-remove", args=[own.pk]))

    # then
    assert response.status_code == 302
    assert Membership.objects.filter(pk=own.pk).exists()
    assert _state() == before


def test_staff_page_cannot_remove_an_enterprise_membership(
    staff_client, enterprise, owner
):
    # given
    colleague = membership(UserFactory(), Role.APPLICANT, enterprise)

    # when
    response = staff_client.post(
        reverse("enterprises:staff-remove", args=[colleague.pk])
    )

    # then
    assert response.status_code == 404
    assert Membership.objects.filter(pk=colleague.pk).exists()


def test_reviewer_cannot_use_the_staff_page(client, reviewer):
    # given
    client.force_login(reviewer)

    # when
    response = client.get(reverse("enterprises:staff"))

    # then
    assert response.status_code == 403
