"""The organisation register's services: credit codes, size classes, claims and
investment declarations (enterprises/services/register.py)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises import services
from enterprises.models import (
    Document,
    Enterprise,
    EnterpriseClaim,
    InvestmentDeclaration,
    Membership,
    Region,
)
from enterprises.uscc import make_uscc, uscc_check_character
from tests.factories import EnterpriseFactory, UserFactory, make_role_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def pdf(name="licence.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(root) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def state(media_root):
    """What a refused call must not change."""
    return {
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "claims": list(EnterpriseClaim.objects.order_by("pk").values()),
        "documents": Document.objects.count(),
        "memberships": Membership.objects.count(),
        "declarations": list(InvestmentDeclaration.objects.order_by("pk").values()),
        "audit_events": AuditEvent.objects.count(),
        "files": stored_files(media_root),
    }


def profile(**overrides):
    data = {
        "name": "杭州测试智能科技有限公司",
        "legal_representative": "张三",
        "registered_address": "杭州市西湖区文三路1号",
        "region": Region.objects.get(code="330106"),
        "industry_code": "I65",
        "established_on": date(2015, 3, 1),
        "contact_phone": "13812341234",
        "fiscal_year": THIS_YEAR - 1,
        "employees": 50,
        "revenue": Decimal("20000000.00"),
        "total_assets": Decimal("5000000.00"),
    }
    data.update(overrides)
    return data


def org_code_warning_uscc() -> str:
    """Passes GB 32100 but its organisation code fails GB 11714."""
    valid = make_uscc("330106", "MA2H0000")
    body = valid[:16] + ("1" if valid[16] != "1" else "2")
    return body + uscc_check_character(body)


VALID = make_uscc("330106", "MA2H0001")


@pytest.fixture
def claimant():
    return UserFactory(email="claimant@example.com")


@pytest.fixture
def unowned():
    """An enterprise in the register (Xihu) that nobody has claimed."""
    return EnterpriseFactory(uscc=VALID, name="无主科技有限公司")


@pytest.fixture
def ningbo_reviewer():
    return make_role_user(
        Role.REVIEWER, region="330203", email="nb-reviewer@example.com"
    )


# Credit codes


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            VALID[:16],
            "A unified social credit code has 18 characters; this one has 16.",
        ),
        (
            VALID[:9] + "I" + VALID[10:],
            "Character “I” at position 10 is not allowed in a unified social credit "
            "code: the letters I, O, S, V and Z are never used.",
        ),
        (
            VALID[:9] + "!" + VALID[10:],
            "Character “!” at position 10 is not allowed",
        ),
        (
            VALID[:17] + ("0" if VALID[17] != "0" else "1"),
            f"the last character should be {VALID[17]}.",
        ),
    ],
    ids=["length", "never-used-letter", "character", "check-character"],
)
def test_claim_with_invalid_code_is_refused_with_what_is_wrong(
    claimant, media_root, code, message
):
    # given
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.enterprise_claim(
            user=claimant, uscc=code, licence_upload=pdf(), profile=profile()
        )

    # then
    assert message in exc.value.message
    assert exc.value.field == "uscc"
    assert state(media_root) == before


def test_provider_apply_with_wrong_check_character_names_the_expected_one(
    claimant,
):
    # given
    code = VALID[:17] + ("0" if VALID[17] != "0" else "1")

    # when
    with pytest.raises(ApplicationError) as exc:
        services.provider_apply(
            user=claimant,
            uscc=code,
            data={"name": "P", "offers_model": True},
            licence_upload=pdf(),
        )

    # then
    assert f"the last character should be {VALID[17]}" in exc.value.message


def test_code_with_failing_org_code_check_is_accepted_by_the_service(
    claimant, media_root
):
    # given
    code = org_code_warning_uscc()

    # when
    claim = services.enterprise_claim(
        user=claimant, uscc=code, licence_upload=pdf(), profile=profile()
    )

    # then
    assert claim.enterprise.uscc == code


def test_full_width_lower_case_code_is_normalised_before_it_is_stored(claimant):
    # given
    full_width = VALID.lower().translate(
        {c: c + 0xFEE0 for c in range(ord("0"), ord("9") + 1)}
    )

    # when
    claim = services.enterprise_claim(
        user=claimant, uscc=full_width, licence_upload=pdf(), profile=profile()
    )

    # then
    assert claim.enterprise.uscc == VALID


# Size class


def test_created_enterprise_stores_size_class_with_inputs_and_standard(claimant):
    # given
    data = profile(employees=50, revenue=Decimal("20000000"))

    # when
    enterprise = services.enterprise_create(uscc=VALID, data=data, actor=claimant)

    # then
    enterprise.refresh_from_db()
    assert enterprise.industry_group == "software_it"
    assert enterprise.size_class == "small"
    assert enterprise.size_standard == "MIIT-2011-300"
    assert enterprise.size_basis["inputs"] == {
        "employees": "50",
        "revenue_yuan": "20000000",
        "total_assets_yuan": "5000000.00",
    }
    assert [s["tier"] for s in enterprise.size_basis["steps"]] == [
        "large",
        "medium",
        "small",
    ]
    assert enterprise.size_computed_at is not None
    [event] = events(actions.ENTERPRISE_SIZE_CLASSIFIED)
    assert event.after["size_class"] == "small"
    assert event.after["standard"] == "MIIT-2011-300"


def test_changing_employees_recomputes_size_class_and_records_it(claimant):
    # given
    enterprise = services.enterprise_create(
        uscc=VALID, data=profile(employees=50), actor=claimant
    )
    assert enterprise.size_class == "small"

    # when
    services.enterprise_update_profile(
        enterprise=enterprise, data=profile(employees=150), actor=claimant
    )

    # then
    enterprise.refresh_from_db()
    assert enterprise.size_class == "medium"
    assert enterprise.size_basis["inputs"]["employees"] == "150"
    first, second = events(actions.ENTERPRISE_SIZE_CLASSIFIED)
    assert first.after["size_class"] == "small"
    assert second.actor == claimant
    assert second.before == {"size_class": "small"}
    assert second.after["size_class"] == "medium"
    [updated] = events(actions.ENTERPRISE_UPDATED)
    assert updated.before == {"employees": 50}
    assert updated.after == {"employees": 150}


def test_changing_only_the_address_does_not_recompute_size_class(claimant):
    # given
    enterprise = services.enterprise_create(uscc=VALID, data=profile(), actor=claimant)
    computed_at = enterprise.size_computed_at

    # when
    services.enterprise_update_profile(
        enterprise=enterprise,
        data=profile(registered_address="杭州市西湖区文二路2号"),
        actor=claimant,
    )

    # then
    enterprise.refresh_from_db()
    assert enterprise.registered_address == "杭州市西湖区文二路2号"
    assert enterprise.size_computed_at == computed_at
    assert len(events(actions.ENTERPRISE_SIZE_CLASSIFIED)) == 1
    [updated] = events(actions.ENTERPRISE_UPDATED)
    assert updated.after == {"registered_address": "杭州市西湖区文二路2号"}


def test_saving_an_unchanged_profile_writes_nothing(claimant, media_root):
    # given
    enterprise = services.enterprise_create(uscc=VALID, data=profile(), actor=claimant)
    before = state(media_root)

    # when
    services.enterprise_update_profile(
        enterprise=enterprise, data=profile(), actor=claimant
    )

    # then
    assert state(media_root) == before


def test_negative_revenue_is_refused_by_the_service(claimant, media_root):
    # given
    enterprise = services.enterprise_create(uscc=VALID, data=profile(), actor=claimant)
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.enterprise_update_profile(
            enterprise=enterprise,
            data=profile(revenue=Decimal("-1")),
            actor=claimant,
        )

    # then
    assert exc.value.field == "revenue"
    assert exc.value.message == "Amounts cannot be negative."
    assert state(media_root) == before


# Claims


def test_first_claim_is_pending_and_gives_no_membership(claimant, unowned):
    # when
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )

    # then
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING
    assert claim.enterprise == unowned
    assert claim.licence.kind == Document.Kind.BUSINESS_LICENCE
    assert claim.licence.enterprise == unowned
    assert not Membership.objects.filter(user=claimant).exists()
    [event] = events(actions.ENTERPRISE_CLAIMED)
    assert event.actor == claimant
    assert event.after == {
        "enterprise": unowned.pk,
        "uscc": unowned.uscc,
        "licence": claim.licence.pk,
    }


def test_reviewer_of_another_region_cannot_decide_the_claim(
    claimant, unowned, ningbo_reviewer, media_root
):
    # given
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.claim_decide(claim=claim, reviewer=ningbo_reviewer, accept=True)

    # then
    assert exc.value.code == "region"
    assert exc.value.message == (
        "Only a reviewer of the enterprise's region can decide this claim."
    )
    assert state(media_root) == before


def test_city_reviewer_covers_claims_of_its_districts(claimant, unowned):
    # given
    hangzhou_reviewer = make_role_user(Role.REVIEWER, region="330100")
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )

    # when
    decided = services.claim_decide(
        claim=claim, reviewer=hangzhou_reviewer, accept=True
    )

    # then
    assert decided.status == EnterpriseClaim.Status.ACCEPTED


def test_accepted_claim_makes_claimant_owner_with_audit_events(
    claimant, unowned, reviewer
):
    # given
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )

    # when
    services.claim_decide(claim=claim, reviewer=reviewer, accept=True)

    # then
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.ACCEPTED
    assert claim.decided_by == reviewer
    assert claim.decided_at is not None
    owner = Membership.objects.get(user=claimant, enterprise=unowned)
    assert owner.is_owner
    assert owner.role == Role.APPLICANT
    assert owner.created_by == reviewer
    [accepted] = events(actions.CLAIM_ACCEPTED)
    assert accepted.actor == reviewer
    assert accepted.object_id == str(claim.pk)
    assert accepted.before == {"status": "pending"}
    assert accepted.after == {"status": "accepted", "reason": ""}
    [granted] = events(actions.MEMBERSHIP_CREATED)
    assert granted.actor == reviewer
    assert granted.after["user"] == "claimant@example.com"
    assert granted.after["is_owner"] is True


def test_second_claim_while_one_is_pending_is_refused(claimant, unowned, media_root):
    # given
    services.enterprise_claim(user=claimant, uscc=unowned.uscc, licence_upload=pdf())
    second = UserFactory(email="second@example.com")
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.enterprise_claim(user=second, uscc=unowned.uscc, licence_upload=pdf())

    # then
    assert exc.value.code == "pending"
    assert "Another claim of this enterprise is being reviewed" in exc.value.message
    assert state(media_root) == before


def test_claimant_cannot_send_the_same_claim_twice(claimant, unowned):
    # given
    services.enterprise_claim(user=claimant, uscc=unowned.uscc, licence_upload=pdf())

    # when
    with pytest.raises(ApplicationError) as exc:
        services.enterprise_claim(
            user=claimant, uscc=unowned.uscc, licence_upload=pdf()
        )

    # then
    assert exc.value.message == (
        "Your claim of this enterprise is already being reviewed."
    )
    assert EnterpriseClaim.objects.count() == 1


def test_claim_of_an_owned_enterprise_asks_to_be_invited(
    applicant, claimant, media_root
):
    # given
    owned = Enterprise.objects.get(memberships__user=applicant)
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.enterprise_claim(user=claimant, uscc=owned.uscc, licence_upload=pdf())

    # then
    assert exc.value.code == "claimed"
    assert "Ask its owner on this platform to invite you." in exc.value.message
    assert state(media_root) == before


def test_rejecting_a_claim_needs_a_reason(claimant, unowned, reviewer, media_root):
    # given
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.claim_decide(claim=claim, reviewer=reviewer, accept=False, reason="  ")

    # then
    assert exc.value.field == "reason"
    assert "Say why the claim is rejected" in exc.value.message
    assert state(media_root) == before


def test_rejected_claim_lets_another_user_claim(claimant, unowned, reviewer):
    # given
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )
    services.claim_decide(
        claim=claim, reviewer=reviewer, accept=False, reason="执照名称不符"
    )
    second = UserFactory(email="second@example.com")

    # when
    again = services.enterprise_claim(
        user=second, uscc=unowned.uscc, licence_upload=pdf()
    )

    # then
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.REJECTED
    assert claim.reason == "执照名称不符"
    assert again.status == EnterpriseClaim.Status.PENDING
    assert not Membership.objects.filter(enterprise=unowned).exists()
    [rejected] = events(actions.CLAIM_REJECTED)
    assert rejected.after == {"status": "rejected", "reason": "执照名称不符"}


def test_decided_claim_cannot_be_decided_again(claimant, unowned, reviewer):
    # given
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )
    services.claim_decide(claim=claim, reviewer=reviewer, accept=False, reason="x")

    # when
    with pytest.raises(ApplicationError) as exc:
        services.claim_decide(claim=claim, reviewer=reviewer, accept=True)

    # then
    assert exc.value.code == "decided"
    assert not Membership.objects.filter(enterprise=unowned).exists()


def test_claim_of_unknown_enterprise_creates_it_from_the_profile(claimant):
    # when
    claim = services.enterprise_claim(
        user=claimant,
        uscc=VALID,
        licence_upload=pdf(),
        profile=profile(employees=150),
    )

    # then
    enterprise = Enterprise.objects.get(uscc=VALID)
    assert claim.enterprise == enterprise
    assert enterprise.name == "杭州测试智能科技有限公司"
    assert enterprise.region_id == "330106"
    assert enterprise.size_class == "medium"
    assert enterprise.size_standard == "MIIT-2011-300"
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        actions.ENTERPRISE_CREATED,
        actions.ENTERPRISE_SIZE_CLASSIFIED,
        actions.DOCUMENT_UPLOADED,
        actions.ENTERPRISE_CLAIMED,
    ]
    created = events(actions.ENTERPRISE_CREATED)[0]
    assert created.after["contact_phone"] == "138****1234"


def test_claim_of_unknown_enterprise_without_profile_is_refused(claimant, media_root):
    # given
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.enterprise_claim(user=claimant, uscc=VALID, licence_upload=pdf())

    # then
    assert exc.value.code == "profile_needed"
    assert state(media_root) == before


def test_claim_with_a_refused_licence_leaves_no_new_enterprise(claimant, media_root):
    # given
    before = state(media_root)
    executable = SimpleUploadedFile("licence.pdf", b"MZ\x90\x00" + b"\x00" * 60)

    # when
    with pytest.raises(ApplicationError):
        services.enterprise_claim(
            user=claimant, uscc=VALID, licence_upload=executable, profile=profile()
        )

    # then
    assert state(media_root) == before


# Investment declarations


@pytest.fixture
def owned(applicant):
    return Enterprise.objects.get(memberships__user=applicant)


def test_first_declaration_is_version_one(owned, applicant):
    # when
    declaration = services.declaration_save(
        enterprise=owned,
        year=THIS_YEAR - 1,
        it_amount=Decimal("1000000.00"),
        ai_amount=Decimal("300000.00"),
        actor=applicant,
    )

    # then
    declaration.refresh_from_db()
    assert (declaration.version, declaration.superseded_at) == (1, None)
    [event] = events(actions.DECLARATION_SUBMITTED)
    assert event.before is None
    assert event.after == {
        "year": THIS_YEAR - 1,
        "version": 1,
        "it_amount": "1000000.00",
        "ai_amount": "300000.00",
        "evidence": [],
    }


@pytest.mark.parametrize(
    ("year", "it", "ai", "field", "message"),
    [
        (
            THIS_YEAR - 1,
            "100",
            "100.01",
            "ai_amount",
            "The AI part cannot be more than the IT investment it belongs to.",
        ),
        (THIS_YEAR - 1, "-1", "0", "it_amount", "Amounts cannot be negative."),
        (THIS_YEAR - 1, "10", "-0.01", "ai_amount", "Amounts cannot be negative."),
        (THIS_YEAR - 1, "NaN", "0", "it_amount", "Amounts cannot be negative."),
        (
            1999,
            "10",
            "1",
            "year",
            f"The year must be between 2000 and {THIS_YEAR}.",
        ),
        (
            THIS_YEAR + 1,
            "10",
            "1",
            "year",
            f"The year must be between 2000 and {THIS_YEAR}.",
        ),
    ],
    ids=["ai-over-it", "negative-it", "negative-ai", "nan", "too-early", "future"],
)
def test_invalid_declaration_is_refused_and_writes_nothing(
    owned, applicant, media_root, year, it, ai, field, message
):
    # given
    before = state(media_root)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.declaration_save(
            enterprise=owned,
            year=year,
            it_amount=Decimal(it),
            ai_amount=Decimal(ai),
            evidence_uploads=[pdf("evidence.pdf")],
            actor=applicant,
        )

    # then
    assert exc.value.field == field
    assert exc.value.message == message
    assert state(media_root) == before


def test_boundary_years_and_equal_amounts_are_accepted(owned, applicant):
    # when
    first = services.declaration_save(
        enterprise=owned,
        year=2000,
        it_amount=Decimal("0"),
        ai_amount=Decimal("0"),
        actor=applicant,
    )
    last = services.declaration_save(
        enterprise=owned,
        year=THIS_YEAR,
        it_amount=Decimal("5.00"),
        ai_amount=Decimal("5.00"),
        actor=applicant,
    )

    # then
    assert (first.year, last.year) == (2000, THIS_YEAR)


def test_correction_adds_version_two_and_keeps_version_one(owned, applicant):
    # given
    first = services.declaration_save(
        enterprise=owned,
        year=THIS_YEAR - 1,
        it_amount=Decimal("1000.00"),
        ai_amount=Decimal("100.00"),
        evidence_uploads=[pdf("audit-report.pdf")],
        actor=applicant,
    )

    # when
    second = services.declaration_save(
        enterprise=owned,
        year=THIS_YEAR - 1,
        it_amount=Decimal("1200.00"),
        ai_amount=Decimal("400.00"),
        actor=applicant,
    )

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert InvestmentDeclaration.objects.filter(enterprise=owned).count() == 2
    assert first.version == 1
    assert first.superseded_at is not None
    assert (first.it_amount, first.ai_amount) == (Decimal("1000.00"), Decimal("100.00"))
    assert second.version == 2
    assert second.superseded_at is None
    assert list(second.evidence.all()) == list(first.evidence.all())
    [corrected] = events(actions.DECLARATION_CORRECTED)
    assert corrected.object_id == str(second.pk)
    assert corrected.before == {
        "version": 1,
        "it_amount": "1000.00",
        "ai_amount": "100.00",
    }
    assert corrected.after["version"] == 2
    assert corrected.after["it_amount"] == "1200.00"
    assert corrected.after["ai_amount"] == "400.00"


def test_declaration_evidence_is_stored_as_a_document(owned, applicant, media_root):
    # when
    declaration = services.declaration_save(
        enterprise=owned,
        year=THIS_YEAR - 1,
        it_amount=Decimal("1000.00"),
        ai_amount=Decimal("100.00"),
        evidence_uploads=[pdf("audit-report.pdf")],
        actor=applicant,
    )

    # then
    [document] = declaration.evidence.all()
    assert document.kind == Document.Kind.INVESTMENT_EVIDENCE
    assert document.enterprise == owned
    assert document.uploaded_by == applicant
    assert document.original_name == "audit-report.pdf"
    with document.file.open("rb") as f:
        assert f.read() == PDF
    assert stored_files(media_root) == 1
    [event] = events(actions.DECLARATION_SUBMITTED)
    assert event.after["evidence"] == [document.pk]


@pytest.mark.parametrize(
    ("accept", "language", "words"),
    [
        (True, "zh-hans", "现在是"),
        (False, "zh-hans", "执照名称不符"),
        (False, "en", "did not accept"),
    ],
)
def test_the_claimant_is_told_the_decision_by_email_in_their_language(
    claimant,
    unowned,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
    accept,
    language,
    words,
):
    claimant.language = language
    claimant.save(update_fields=["language"])
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_decide(
            claim=claim, reviewer=reviewer, accept=accept, reason="执照名称不符"
        )

    [message] = mailoutbox
    assert message.to == [claimant.email]
    assert unowned.name in message.subject
    assert words in message.body
    assert "/enterprises/" in message.body


def test_a_failed_decision_sends_nothing(claimant, unowned, reviewer, mailoutbox):
    claim = services.enterprise_claim(
        user=claimant, uscc=unowned.uscc, licence_upload=pdf()
    )
    with pytest.raises(ApplicationError):
        services.claim_decide(claim=claim, reviewer=reviewer, accept=False, reason=" ")
    assert mailoutbox == []


def test_the_claimant_sees_the_time_limit_and_the_next_step(client, claimant, unowned):
    services.enterprise_claim(user=claimant, uscc=unowned.uscc, licence_upload=pdf())
    client.sign_in(claimant, language="zh-hans")

    page = client.get("/enterprises/").content.decode()

    assert 'data-testid="claim-waiting"' in page
    assert "办理时限为 5 个工作日" in page
    assert "审核结果将通过邮件通知" in page
