"""Provider onboarding, offerings and the program manager's decisions
(enterprises/services/providers.py and its pages)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises import selectors, services
from enterprises.models import Document, Membership, Offering, Provider
from enterprises.services.providers import PROVIDER_STATES
from enterprises.uscc import make_uscc
from tests.factories import ProviderFactory, UserFactory, membership

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
USCC = make_uscc("330108", "PA000001")
S = Provider.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def state():
    return {
        "providers": list(Provider.objects.order_by("pk").values()),
        "offerings": list(Offering.objects.order_by("pk").values()),
        "memberships": Membership.objects.count(),
        "documents": Document.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def status_events(provider):
    return list(
        AuditEvent.objects.filter(
            action=actions.PROVIDER_STATUS_CHANGED, object_id=str(provider.pk)
        ).order_by("id")
    )


@pytest.fixture
def staff_user():
    return UserFactory(email="staff@example.com")


@pytest.fixture
def applied(staff_user):
    """A compute and model provider that has just applied."""
    return services.provider_apply(
        user=staff_user,
        uscc=USCC,
        data={
            "name": "杭州算力服务有限公司",
            "legal_representative": "赵六",
            "registered_address": "杭州市滨江区",
            "contact_phone": "057188886666",
            "offers_compute": True,
            "offers_model": True,
            "facility": Provider.Facility.DOMESTIC,
        },
        licence_upload=pdf(),
    )


def in_status(status: str) -> Provider:
    return ProviderFactory(status=status)


# Onboarding


def test_signed_in_user_applies_through_the_form(client, media_root):
    # given
    user = UserFactory(email="newcomer@example.com")
    client.sign_in(user, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-apply"),
        {
            "uscc": USCC,
            "name": "杭州模型服务有限公司",
            "legal_representative": "赵六",
            "registered_address": "杭州市滨江区",
            "contact_phone": "0571-88886666",
            "offers_model": "on",
            "facility": "",
            "licence": pdf(),
        },
    )

    # then
    provider = Provider.objects.get(uscc=USCC)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "enterprises:provider-detail", args=[provider.pk]
    )
    assert provider.status == S.APPLIED
    assert (provider.offers_compute, provider.offers_model) == (False, True)
    assert provider.facility == ""
    staff = Membership.objects.get(user=user, provider=provider)
    assert staff.role == Role.PROVIDER_STAFF
    [licence] = provider.documents.all()
    assert licence.kind == Document.Kind.PROVIDER_LICENCE
    [event] = AuditEvent.objects.filter(action=actions.PROVIDER_APPLIED)
    assert event.actor == user
    assert event.after["status"] == "applied"
    assert event.after["uscc"] == USCC
    assert not selectors.providers_approved().filter(pk=provider.pk).exists()


def test_apply_form_shows_errors_and_writes_nothing(client):
    # given
    client.sign_in(UserFactory(), language="en")
    before = state()

    # when
    response = client.post(
        reverse("enterprises:provider-apply"),
        {
            "uscc": USCC[:17] + ("0" if USCC[17] != "0" else "1"),
            "name": "杭州算力服务有限公司",
            "legal_representative": "赵六",
            "registered_address": "杭州市滨江区",
            "contact_phone": "057188886666",
            "offers_compute": "on",
            "facility": "",
            "licence": pdf(),
        },
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f"the last character should be {USCC[17]}" in page
    assert "Choose the facility type of your compute." in page
    assert state() == before


def test_apply_with_a_registered_code_is_refused(applied, media_root):
    # given
    before = state()

    # when
    with pytest.raises(ApplicationError) as exc:
        services.provider_apply(
            user=UserFactory(),
            uscc=USCC,
            data={"name": "x", "offers_model": True},
            licence_upload=pdf(),
        )

    # then
    assert exc.value.code == "duplicate"
    assert "Ask a colleague who manages it" in exc.value.message
    assert state() == before


def test_compute_provider_must_name_its_facility(staff_user):
    # when
    with pytest.raises(ApplicationError) as exc:
        services.provider_apply(
            user=staff_user,
            uscc=USCC,
            data={"name": "x", "offers_compute": True},
            licence_upload=pdf(),
        )

    # then
    assert exc.value.field == "facility"
    assert not Provider.objects.exists()


def test_anonymous_user_cannot_apply(client):
    # when
    response = client.get(reverse("enterprises:provider-apply"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Offerings


def model_offering(**overrides):
    data = {
        "kind": Offering.Kind.MODEL,
        "name": "通用大模型API",
        "unit": Offering.Unit.THOUSAND_TOKENS,
        "unit_other": "",
        "list_price": Decimal("0.0120"),
        "model_name": "ZJ-LLM-7B",
        "filing_number": "Zhejiang-ZJLLM-20240101",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("model_name", "Name the model."),
        ("filing_number", "Model services need the model's filing number"),
    ],
)
def test_model_offering_needs_model_name_and_filing_number(
    applied, staff_user, missing, message
):
    # given
    before = state()

    # when
    with pytest.raises(ApplicationError) as exc:
        services.offering_add(
            provider=applied, data=model_offering(**{missing: "  "}), actor=staff_user
        )

    # then
    assert exc.value.field == missing
    assert exc.value.message.startswith(message)
    assert state() == before


def test_model_offering_with_its_filing_number_is_added(applied, staff_user):
    # when
    offering = services.offering_add(
        provider=applied, data=model_offering(), actor=staff_user
    )

    # then
    assert offering.filing_number == "Zhejiang-ZJLLM-20240101"
    [event] = AuditEvent.objects.filter(action=actions.OFFERING_ADDED)
    assert event.after["filing_number"] == "Zhejiang-ZJLLM-20240101"
    assert event.after["list_price"] == "0.0120"


def test_offering_form_shows_the_missing_model_fields(client, applied, staff_user):
    # given
    client.sign_in(staff_user, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-detail", args=[applied.pk]),
        {
            "kind": "model",
            "name": "通用大模型API",
            "unit": "thousand_tokens",
            "list_price": "0.012",
            "model_name": "",
            "filing_number": "",
        },
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert '<p class="error" id="id_model_name_error">Name the model.</p>' in page
    assert 'id="id_filing_number_error">Model services need' in page
    assert not Offering.objects.exists()


def test_compute_offering_is_refused_for_a_model_only_provider(client):
    # given
    provider = ProviderFactory(offers_compute=False, offers_model=True, facility="")
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    client.sign_in(staff, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-detail", args=[provider.pk]),
        {
            "kind": "compute",
            "name": "A100 算力",
            "unit": "gpu_card_hour",
            "list_price": "12.5",
        },
    )

    # then
    assert response.status_code == 200
    assert (
        '<p class="error" id="id_kind_error">This provider is not registered for '
        "compute services.</p>"
    ) in response.content.decode()
    assert not Offering.objects.exists()


def test_non_positive_price_is_refused(applied, staff_user):
    # when
    with pytest.raises(ApplicationError) as exc:
        services.offering_add(
            provider=applied,
            data=model_offering(list_price=Decimal("0")),
            actor=staff_user,
        )

    # then
    assert exc.value.field == "list_price"
    assert not Offering.objects.exists()


def test_withdrawn_offering_stays_listed_as_withdrawn(applied, staff_user):
    # given
    offering = services.offering_add(
        provider=applied, data=model_offering(), actor=staff_user
    )

    # when
    services.offering_withdraw(offering=offering, actor=staff_user)
    services.offering_withdraw(offering=offering, actor=staff_user)

    # then
    offering.refresh_from_db()
    assert not offering.is_active
    assert AuditEvent.objects.filter(action=actions.OFFERING_WITHDRAWN).count() == 1


# Decisions


def decide(client, provider, to_status, reason=""):
    return client.post(
        reverse("enterprises:provider-decide", args=[provider.pk]),
        {"to_status": to_status, "reason": reason},
        follow=True,
    )


def test_program_manager_approves_an_application(client, applied, program_manager):
    # given
    client.sign_in(program_manager, language="en")

    # when
    response = decide(client, applied, S.APPROVED)

    # then
    applied.refresh_from_db()
    assert applied.status == S.APPROVED
    assert applied.status_changed_by == program_manager
    assert "杭州算力服务有限公司 is now Approved." in response.content.decode()
    [event] = status_events(applied)
    assert event.actor == program_manager
    assert event.before == {"status": "applied"}
    assert event.after == {"status": "approved", "reason": ""}
    assert applied in selectors.providers_approved()


def test_rejection_needs_a_reason(client, applied, program_manager):
    # given
    client.sign_in(program_manager, language="en")
    before = state()

    # when
    response = decide(client, applied, S.REJECTED, reason="   ")

    # then
    applied.refresh_from_db()
    assert applied.status == S.APPLIED
    assert "Give the reason; the provider will see it." in response.content.decode()
    assert state() == before


def test_program_manager_rejects_with_a_reason(client, applied, program_manager):
    # given
    client.sign_in(program_manager, language="en")

    # when
    decide(client, applied, S.REJECTED, reason="营业执照不清晰")

    # then
    applied.refresh_from_db()
    assert applied.status == S.REJECTED
    assert applied.status_reason == "营业执照不清晰"
    [event] = status_events(applied)
    assert event.after == {"status": "rejected", "reason": "营业执照不清晰"}


def test_suspend_reinstate_suspend_and_remove(client, program_manager):
    # given
    provider = in_status(S.APPROVED)
    client.sign_in(program_manager, language="en")

    # when
    decide(client, provider, S.SUSPENDED, reason="价格违规")
    provider.refresh_from_db()
    suspended = provider.status
    decide(client, provider, S.APPROVED)
    provider.refresh_from_db()
    reinstated = provider.status
    decide(client, provider, S.SUSPENDED, reason="再次违规")
    decide(client, provider, S.REMOVED, reason="清退")

    # then
    provider.refresh_from_db()
    assert (suspended, reinstated, provider.status) == (
        S.SUSPENDED,
        S.APPROVED,
        S.REMOVED,
    )
    assert [
        (e.before["status"], e.after["status"]) for e in status_events(provider)
    ] == [
        ("approved", "suspended"),
        ("suspended", "approved"),
        ("approved", "suspended"),
        ("suspended", "removed"),
    ]
    assert provider not in selectors.providers_approved()


@pytest.mark.parametrize(
    ("from_status", "to_status", "message"),
    [
        (S.APPLIED, S.SUSPENDED, "A provider that is Applied cannot become Suspended."),
        (S.REMOVED, S.APPROVED, "A provider that is Removed cannot become Approved."),
        (S.APPROVED, S.REMOVED, "A provider that is Approved cannot become Removed."),
        (S.REJECTED, S.APPROVED, "A provider that is Rejected cannot become Approved."),
    ],
)
def test_forbidden_transition_is_refused_with_a_message(
    client, program_manager, from_status, to_status, message
):
    # given
    provider = in_status(from_status)
    client.sign_in(program_manager, language="en")
    before = state()

    # when
    response = decide(client, provider, to_status, reason="原因")

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        (from_status, to_status)
        for from_status in S.values
        for to_status in S.values
        if not PROVIDER_STATES.allows(from_status, to_status)
    ],
)
def test_service_refuses_every_transition_not_in_the_table(
    program_manager, from_status, to_status
):
    # given
    provider = in_status(from_status)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.provider_set_status(
            provider=provider, to_status=to_status, actor=program_manager, reason="r"
        )

    # then
    assert exc.value.code == "transition"
    provider.refresh_from_db()
    assert provider.status == from_status
    assert not status_events(provider)


def test_program_manager_cannot_send_a_rejected_provider_back_to_review(
    client, program_manager
):
    # given: only the provider's staff resubmit, by correcting the application
    provider = in_status(S.REJECTED)
    client.sign_in(program_manager, language="en")

    # when
    response = decide(client, provider, S.APPLIED)

    # then
    provider.refresh_from_db()
    assert provider.status == S.REJECTED
    assert "Choose a valid decision." in response.content.decode()
    assert not status_events(provider)


def test_provider_staff_cannot_decide(client, provider_staff):
    # given
    provider = Provider.objects.get(memberships__user=provider_staff)
    provider.status = S.APPLIED
    provider.save(update_fields=["status"])
    client.sign_in(provider_staff, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-decide", args=[provider.pk]),
        {"to_status": S.APPROVED},
    )

    # then
    assert response.status_code == 403
    provider.refresh_from_db()
    assert provider.status == S.APPLIED


def test_auditor_cannot_decide(client, auditor, applied):
    # given
    client.sign_in(auditor, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-decide", args=[applied.pk]),
        {"to_status": S.APPROVED},
    )

    # then
    assert response.status_code == 403
    applied.refresh_from_db()
    assert applied.status == S.APPLIED


def test_applicant_cannot_see_a_provider(client, applicant, applied):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(reverse("enterprises:provider-detail", args=[applied.pk]))

    # then
    assert response.status_code == 404


def test_program_manager_sees_the_decision_buttons_the_table_allows(
    client, applied, program_manager
):
    # given
    client.sign_in(program_manager, language="en")

    # when
    response = client.get(reverse("enterprises:provider-detail", args=[applied.pk]))

    # then
    page = response.content.decode()
    assert 'data-testid="decide-approved"' in page
    assert 'data-testid="decide-rejected"' in page
    assert 'data-testid="decide-suspended"' not in page


def test_providers_approved_lists_only_approved_providers():
    # given
    providers = {status: in_status(status) for status in S.values}

    # when
    approved = list(selectors.providers_approved())

    # then
    assert approved == [providers[S.APPROVED]]


# Corrections by staff


def test_rejected_provider_edited_by_its_staff_goes_back_to_applied(
    client, applied, staff_user, program_manager
):
    # given
    services.provider_set_status(
        provider=applied, to_status=S.REJECTED, actor=program_manager, reason="缺资料"
    )
    client.sign_in(staff_user, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-edit", args=[applied.pk]),
        {
            "name": "杭州算力服务有限公司（更正）",
            "legal_representative": "赵六",
            "registered_address": "杭州市滨江区网商路1号",
            "contact_phone": "057188886666",
            "offers_compute": "on",
            "facility": "other",
        },
    )

    # then
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.status == S.APPLIED
    assert applied.name == "杭州算力服务有限公司（更正）"
    assert (applied.offers_model, applied.facility) == (False, "other")
    rejected, resubmitted = status_events(applied)
    assert rejected.after == {"status": "rejected", "reason": "缺资料"}
    assert resubmitted.actor == staff_user
    assert resubmitted.before == {"status": "rejected"}
    assert resubmitted.after == {"status": "applied", "reason": ""}
    [updated] = AuditEvent.objects.filter(action=actions.PROVIDER_UPDATED)
    assert updated.before["name"] == "杭州算力服务有限公司"
    assert updated.after["name"] == "杭州算力服务有限公司（更正）"


def test_approved_provider_cannot_be_edited_by_its_staff(client, provider_staff):
    # given
    provider = Provider.objects.get(memberships__user=provider_staff)
    client.sign_in(provider_staff, language="en")
    before = state()

    # when
    page = client.get(reverse("enterprises:provider-edit", args=[provider.pk]))
    with pytest.raises(ApplicationError) as exc:
        services.provider_update(
            provider=provider,
            data={"name": "x", "offers_compute": True, "facility": "other"},
            actor=provider_staff,
        )

    # then
    assert page.status_code == 403
    assert exc.value.code == "locked"
    assert state() == before


def test_staff_of_another_provider_gets_404_on_edit(client, applied, provider_staff):
    # given
    client.sign_in(provider_staff, language="en")

    # when
    response = client.get(reverse("enterprises:provider-edit", args=[applied.pk]))

    # then
    assert response.status_code == 404
