"""The register's pages: claiming, claim decisions, the profile with its size
class explanation, declarations, the register list, and bad input."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
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
VALID = make_uscc("330106", "MA2H0001")
CLAIM_URL = "/enterprises/claim/"


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


def field_error(page: str, field: str) -> str:
    """The error text shown beside a form field ('' when none)."""
    found = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', page)
    return found.group(1) if found else ""


def state():
    """What a refused request must not change."""
    return {
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "claims": EnterpriseClaim.objects.count(),
        "documents": Document.objects.count(),
        "memberships": Membership.objects.count(),
        "declarations": InvestmentDeclaration.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def profile_form(**overrides):
    data = {
        "name": "杭州测试智能科技有限公司",
        "legal_representative": "张三",
        "registered_address": "杭州市西湖区文三路1号",
        "region": "330106",
        "industry_code": "i65",
        "established_on": "2015-03-01",
        "contact_phone": "13812341234",
        "fiscal_year": str(THIS_YEAR - 1),
        "employees": "150",
        "revenue": "20000000",
        "total_assets": "5000000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def enterprise(applicant):
    """The applicant's enterprise, with a complete profile (medium)."""
    enterprise = Enterprise.objects.get(memberships__user=applicant)
    return services.enterprise_update_profile(
        enterprise=enterprise,
        data={
            "industry_code": "I65",
            "fiscal_year": THIS_YEAR - 1,
            "employees": 150,
            "revenue": Decimal("20000000"),
            "total_assets": Decimal("5000000"),
        },
        actor=applicant,
    )


@pytest.fixture
def ningbo_reviewer():
    return make_role_user(
        Role.REVIEWER, region="330203", email="nb-reviewer@example.com"
    )


# Claim page: the credit code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "91330106MA2H",
            "A unified social credit code has 18 characters; this one has 12.",
        ),
        (
            VALID[:9] + "O" + VALID[10:],
            "Character “O” at position 10 is not allowed in a unified social credit "
            "code: the letters I, O, S, V and Z are never used.",
        ),
        (
            VALID[:17] + ("0" if VALID[17] != "0" else "1"),
            f"The check character is wrong: the last character should be {VALID[17]}.",
        ),
    ],
    ids=["length", "character", "check-character"],
)
def test_claim_page_says_what_is_wrong_with_the_code(client, code, message):
    # given
    client.sign_in(UserFactory(), language="en")

    # when
    response = client.get(CLAIM_URL, {"uscc": code})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "uscc") == message
    assert response.context["detail_form"] is None


def test_claim_page_warns_about_the_org_code_but_lets_the_claim_go_on(client):
    # given: GB 32100 passes, the embedded GB 11714 check does not
    valid = make_uscc("330106", "MA2H0000")
    wrong = "1" if valid[16] != "1" else "2"
    body = valid[:16] + wrong
    code = body + uscc_check_character(body)
    client.sign_in(UserFactory(), language="en")

    # when
    response = client.get(CLAIM_URL, {"uscc": code})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        '<p class="message warning">The organisation code in positions 9–17 does '
        "not pass its own check (GB 11714): position 17 would normally be "
        f"{valid[16]}."
    ) in page
    assert field_error(page, "uscc") == ""
    assert response.context["detail_form"] is not None
    assert 'name="licence"' in page


def test_claim_page_shows_no_warning_for_a_sound_code(client):
    # given
    client.sign_in(UserFactory(), language="en")

    # when
    response = client.get(CLAIM_URL, {"uscc": VALID})

    # then
    assert response.context["warning"] is None
    assert 'class="message warning"' not in response.content.decode()


# Claim page: sending a claim


def test_claim_of_a_registered_enterprise_is_sent_for_review(client):
    # given
    enterprise = EnterpriseFactory(uscc=VALID, name="无主科技有限公司")
    user = UserFactory()
    client.sign_in(user, language="en")

    # when
    response = client.post(
        CLAIM_URL, {"uscc": VALID.lower(), "step": "details", "licence": pdf()}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:mine")
    claim = EnterpriseClaim.objects.get()
    assert (claim.enterprise, claim.claimant, claim.status) == (
        enterprise,
        user,
        EnterpriseClaim.Status.PENDING,
    )
    assert not Membership.objects.filter(user=user).exists()
    mine = client.get(reverse("enterprises:mine")).content.decode()
    assert "Waiting for review" in mine
    assert (
        client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code
        == 404
    )


def test_claim_page_for_an_owned_enterprise_asks_to_be_invited(client, applicant):
    # given
    owned = Enterprise.objects.get(memberships__user=applicant)
    client.sign_in(UserFactory(), language="en")
    before = state()

    # when
    response = client.post(
        CLAIM_URL, {"uscc": owned.uscc, "step": "details", "licence": pdf()}
    )

    # then
    assert response.status_code == 200
    assert (
        "This enterprise has already been claimed. Ask its owner on this platform "
        "to invite you."
    ) in response.content.decode()
    assert state() == before


def test_claim_page_adds_an_unknown_enterprise_from_its_profile(client):
    # given
    user = UserFactory()
    client.sign_in(user, language="en")

    # when
    response = client.post(
        CLAIM_URL,
        {"uscc": VALID, "step": "details", "licence": pdf(), **profile_form()},
    )

    # then
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(uscc=VALID)
    assert enterprise.industry_code == "I65"
    assert enterprise.size_class == "medium"
    assert enterprise.size_standard == "MIIT-2011-300"
    assert enterprise.revenue == Decimal("20000000")
    claim = EnterpriseClaim.objects.get(enterprise=enterprise)
    assert claim.status == EnterpriseClaim.Status.PENDING
    assert not Membership.objects.filter(enterprise=enterprise).exists()


# Claim decisions


@pytest.fixture
def claim():
    enterprise = EnterpriseFactory(uscc=VALID, name="无主科技有限公司")
    return services.enterprise_claim(
        user=UserFactory(email="claimant@example.com"),
        uscc=enterprise.uscc,
        licence_upload=pdf(),
    )


def test_reviewer_of_the_region_sees_the_claim_in_the_queue(client, reviewer, claim):
    # given
    client.sign_in(reviewer, language="en")

    # when
    response = client.get(reverse("enterprises:claim-queue"))

    # then
    assert list(response.context["page"].object_list) == [claim]


def test_reviewer_of_another_region_cannot_see_or_decide_the_claim(
    client, ningbo_reviewer, claim
):
    # given
    client.sign_in(ningbo_reviewer, language="en")
    url = reverse("enterprises:claim-detail", args=[claim.pk])
    before = state()

    # when
    queue = client.get(reverse("enterprises:claim-queue"))
    page = client.get(url)
    decision = client.post(url, {"decision": "accept"})

    # then
    assert list(queue.context["page"].object_list) == []
    assert page.status_code == 404
    assert decision.status_code == 404
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING
    assert state() == before


def test_reviewer_accepts_a_claim_and_the_claimant_becomes_owner(
    client, reviewer, claim
):
    # given
    client.sign_in(reviewer, language="en")

    # when
    response = client.post(
        reverse("enterprises:claim-detail", args=[claim.pk]), {"decision": "accept"}
    )

    # then
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.ACCEPTED
    owner = Membership.objects.get(enterprise=claim.enterprise)
    assert (owner.user, owner.is_owner) == (claim.claimant, True)
    assert AuditEvent.objects.filter(
        action=actions.CLAIM_ACCEPTED, actor=reviewer
    ).exists()
    assert AuditEvent.objects.filter(
        action=actions.MEMBERSHIP_CREATED, actor=reviewer
    ).exists()


def test_rejecting_on_the_page_without_a_reason_shows_the_error(
    client, reviewer, claim
):
    # given
    client.sign_in(reviewer, language="en")
    before = state()

    # when
    response = client.post(
        reverse("enterprises:claim-detail", args=[claim.pk]),
        {"decision": "reject", "reason": " "},
    )

    # then
    assert response.status_code == 200
    assert field_error(response.content.decode(), "reason") == (
        "Say why the claim is rejected."
    )
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING
    assert state() == before


def test_applicant_cannot_open_the_claim_queue(client, applicant, claim):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(reverse("enterprises:claim-detail", args=[claim.pk]))

    # then
    assert response.status_code == 403


# Profile and size class


def test_detail_page_explains_which_thresholds_were_met(client, applicant, enterprise):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(reverse("enterprises:detail", args=[enterprise.pk]))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    table = page.split('data-testid="size-class"', 1)[1].split("</table>", 1)[0]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ][1:]
    assert rows == [
        "Large Employees 150 persons ≥ 300 persons ✗ no",
        "Operating revenue 2000 10k yuan ≥ 10000 10k yuan ✗ no",
        "Medium Employees 150 persons ≥ 100 persons ✓ yes",
        "Operating revenue 2000 10k yuan ≥ 1000 10k yuan ✓ yes",
    ]
    assert "MIIT-2011-300" in page
    assert 'class="badge size-medium">Medium<' in page


def test_edit_page_changing_employees_recomputes_size_class(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        profile_form(employees="50"),
    )

    # then
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.size_class == "small"
    last = AuditEvent.objects.filter(action=actions.ENTERPRISE_SIZE_CLASSIFIED).first()
    assert last.before == {"size_class": "medium"}
    assert last.after["size_class"] == "small"


def test_edit_page_changing_the_address_keeps_the_size_class(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")
    client.post(reverse("enterprises:edit", args=[enterprise.pk]), profile_form())
    classified = AuditEvent.objects.filter(
        action=actions.ENTERPRISE_SIZE_CLASSIFIED
    ).count()
    computed_at = Enterprise.objects.get(pk=enterprise.pk).size_computed_at

    # when
    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        profile_form(registered_address="杭州市西湖区文二路2号"),
    )

    # then
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.registered_address == "杭州市西湖区文二路2号"
    assert enterprise.size_computed_at == computed_at
    assert (
        AuditEvent.objects.filter(action=actions.ENTERPRISE_SIZE_CLASSIFIED).count()
        == classified
    )


def test_colleague_without_membership_cannot_edit(client, other_applicant, enterprise):
    # given
    client.sign_in(other_applicant, language="en")

    # when
    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]), profile_form()
    )

    # then
    assert response.status_code == 404


# Declarations


def declare(client, enterprise, **data):
    return client.post(reverse("enterprises:declarations", args=[enterprise.pk]), data)


def test_declaration_form_shows_errors_beside_fields(client, applicant, enterprise):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = declare(
        client,
        enterprise,
        year=str(THIS_YEAR + 1),
        it_amount="100",
        ai_amount="200",
    )
    negative = declare(client, enterprise, year="1999", it_amount="-5", ai_amount="0")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "year") == "The year cannot be in the future."
    assert field_error(page, "ai_amount") == (
        "The AI part cannot be more than the IT investment."
    )
    page = negative.content.decode()
    assert field_error(page, "year") == (
        "Ensure this value is greater than or equal to 2000."
    )
    assert field_error(page, "it_amount") == (
        "Ensure this value is greater than or equal to 0."
    )
    assert not InvestmentDeclaration.objects.exists()


def test_declaration_with_evidence_then_correction_keeps_history(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")
    year = str(THIS_YEAR - 1)
    declare(
        client,
        enterprise,
        year=year,
        it_amount="1000",
        ai_amount="100",
        evidence=pdf("audit.pdf"),
    )

    # when
    response = declare(client, enterprise, year=year, it_amount="1500", ai_amount="600")

    # then
    assert response.status_code == 302
    first, second = InvestmentDeclaration.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.superseded_at is not None
    assert second.superseded_at is None
    [evidence] = first.evidence.all()
    assert evidence.original_name == "audit.pdf"
    assert evidence.kind == Document.Kind.INVESTMENT_EVIDENCE
    history = client.get(
        reverse("enterprises:declarations", args=[enterprise.pk])
    ).content.decode()
    assert "superseded" in history
    assert "1,500.00" in history
    assert "1,000.00" in history


def test_correct_link_prefills_the_form(client, applicant, enterprise):
    # given
    services.declaration_save(
        enterprise=enterprise,
        year=THIS_YEAR - 1,
        it_amount=Decimal("1000.00"),
        ai_amount=Decimal("100.00"),
        actor=applicant,
    )
    client.sign_in(applicant, language="en")

    # when
    response = client.get(
        reverse("enterprises:declarations", args=[enterprise.pk]),
        {"year": str(THIS_YEAR - 1)},
    )

    # then
    assert response.context["form"].initial["it_amount"] == Decimal("1000.00")


@pytest.mark.parametrize("year", ["²", "٣", "9" * 5000, "99999", "abc", ""])
def test_declarations_page_ignores_an_odd_year_in_the_link(
    client, applicant, enterprise, year
):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(
        reverse("enterprises:declarations", args=[enterprise.pk]), {"year": year}
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].initial == {}


def test_reviewer_reads_declarations_but_cannot_declare(client, reviewer, enterprise):
    # given
    client.sign_in(reviewer, language="en")
    url = reverse("enterprises:declarations", args=[enterprise.pk])

    # when
    page = client.get(url)
    post = client.post(url, {"year": "2024", "it_amount": "1", "ai_amount": "0"})

    # then
    assert page.status_code == 200
    assert page.context["form"] is None
    assert post.status_code == 403
    assert not InvestmentDeclaration.objects.exists()


# Register list


@pytest.fixture
def register_world():
    """Enterprises in Xihu (Hangzhou) and Haishu (Ningbo) with size and group."""
    xihu = Region.objects.get(code="330106")
    haishu = Region.objects.get(code="330203")
    return {
        "alpha": EnterpriseFactory(
            name="阿尔法软件有限公司",
            region=xihu,
            industry_code="I65",
            industry_group="software_it",
            size_class="small",
        ),
        "beta": EnterpriseFactory(
            name="贝塔制造有限公司",
            region=xihu,
            industry_code="C39",
            industry_group="industry",
            size_class="medium",
        ),
        "gamma": EnterpriseFactory(
            name="伽马软件有限公司",
            region=haishu,
            industry_code="I65",
            industry_group="software_it",
            size_class="micro",
        ),
    }


def listed(client, **params):
    response = client.get(reverse("enterprises:register"), params)
    assert response.status_code == 200
    return {e.name for e in response.context["page"].object_list}


def test_reviewer_sees_only_the_enterprises_of_their_region(
    client, reviewer, register_world
):
    # given
    client.sign_in(reviewer, language="en")

    # when
    names = listed(client)

    # then
    assert "阿尔法软件有限公司" in names
    assert "贝塔制造有限公司" in names
    assert "伽马软件有限公司" not in names
    assert all(
        e.region_id.startswith("330106")
        for e in Enterprise.objects.filter(name__in=names)
    )


@pytest.mark.parametrize("role", ["program_manager", "auditor"])
def test_program_manager_and_auditor_see_every_enterprise(
    client, request, register_world, role
):
    # given
    client.sign_in(request.getfixturevalue(role), language="en")

    # when
    names = listed(client)

    # then
    assert names == set(Enterprise.objects.values_list("name", flat=True))
    assert "伽马软件有限公司" in names


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "330100"}, {"阿尔法软件有限公司", "贝塔制造有限公司"}),
        ({"region": "330203"}, {"伽马软件有限公司"}),
        ({"industry_group": "software_it"}, {"阿尔法软件有限公司", "伽马软件有限公司"}),
        ({"size_class": "medium"}, {"贝塔制造有限公司"}),
        ({"q": "软件"}, {"阿尔法软件有限公司", "伽马软件有限公司"}),
        (
            {"q": "软件", "region": "330106", "size_class": "small"},
            {"阿尔法软件有限公司"},
        ),
    ],
)
def test_register_filters(client, program_manager, register_world, params, expected):
    # given
    client.sign_in(program_manager, language="en")

    # when
    names = listed(client, **params)

    # then
    assert names == expected


def test_register_search_finds_a_code_in_lower_case(
    client, program_manager, register_world
):
    # given
    client.sign_in(program_manager, language="en")
    code = register_world["beta"].uscc

    # when
    names = listed(client, q=code[10:].lower())

    # then
    assert names == {"贝塔制造有限公司"}


def test_register_is_closed_to_applicants(client, applicant):
    # given
    client.sign_in(applicant, language="en")

    # when
    response = client.get(reverse("enterprises:register"))

    # then
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["program_manager", "reviewer"])
def test_register_list_queries_do_not_grow_with_rows(
    client, request, django_assert_max_num_queries, role
):
    # given
    client.sign_in(request.getfixturevalue(role), language="en")
    EnterpriseFactory.create_batch(5, industry_code="I65", size_class="small")
    url = reverse("enterprises:register")

    # when
    with django_assert_max_num_queries(30) as few:
        small = client.get(url)
    EnterpriseFactory.create_batch(45, industry_code="I65", size_class="small")
    with django_assert_max_num_queries(30) as many:
        large = client.get(url)

    # then
    assert len(small.context["page"].object_list) >= 5
    assert len(large.context["page"].object_list) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


# Bad input never 500s


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("employees", "lots", "Enter a whole number."),
        ("employees", "1e3", "Enter a whole number."),
        ("employees", "-1", "Ensure this value is greater than or equal to 0."),
        ("employees", str(10**12), "Ensure this value is less than or equal to"),
        ("fiscal_year", "9" * 5000, "Enter a whole number."),
        ("revenue", "-100", "Ensure this value is greater than or equal to 0."),
        ("revenue", "NaN", "Enter a number."),
        ("revenue", "1e400", "Ensure that there are no more than 16 digits in total."),
        ("revenue", "１２万", "Enter a number."),
        ("established_on", f"{THIS_YEAR}-02-30", "Enter a valid date."),
        ("region", "999999", "Select a valid choice."),
        ("region", "'; DROP TABLE x; --", "Select a valid choice."),
        ("industry_code", "Z99", "is not a GB/T 4754-2017 code we know"),
        ("name", "x" * 1_000_000, "Ensure this value has at most 200 characters"),
    ],
    ids=lambda v: v[:20] if isinstance(v, str) else v,
)
def test_bad_profile_input_is_shown_beside_the_field_and_writes_nothing(
    client, applicant, enterprise, field, value, message
):
    # given
    client.sign_in(applicant, language="en")
    before = state()

    # when
    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        profile_form(**{field: value}),
    )

    # then
    assert response.status_code == 200
    assert message in field_error(response.content.decode(), field)
    assert state() == before


def test_bad_input_on_the_claim_page_is_shown_and_writes_nothing(client):
    # given
    client.sign_in(UserFactory(), language="en")
    before = state()

    # when
    response = client.post(
        CLAIM_URL,
        {
            "uscc": VALID,
            "step": "details",
            "licence": pdf(),
            **profile_form(
                employees="many",
                established_on="2026-02-30",
                revenue="-1",
                region="000000",
                total_assets=str(10**20),
            ),
        },
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "employees") == "Enter a whole number."
    assert field_error(page, "established_on") == "Enter a valid date."
    assert field_error(page, "revenue") == (
        "Ensure this value is greater than or equal to 0."
    )
    assert "Select a valid choice." in field_error(page, "region")
    assert "no more than 16 digits" in field_error(page, "total_assets")
    assert state() == before


def test_garbage_in_the_declaration_form_is_shown_and_writes_nothing(
    client, applicant, enterprise
):
    # given
    client.sign_in(applicant, language="en")
    before = state()

    # when
    response = declare(
        client, enterprise, year="二〇二四", it_amount="1,000", ai_amount="Infinity"
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "year") == "Enter a whole number."
    assert field_error(page, "it_amount") == "Enter a number."
    assert field_error(page, "ai_amount") == "Enter a number."
    assert state() == before


def test_ten_megabyte_name_is_refused_without_a_server_error(
    client, applicant, enterprise
):
    # given: larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    client.sign_in(applicant, language="en")
    before = state()

    # when
    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        profile_form(name="x" * (10 * 1024 * 1024 + 1)),
    )

    # then
    assert response.status_code == 400
    assert state() == before


def test_garbage_register_filters_show_the_list_not_an_error(
    client, program_manager, register_world
):
    # given
    client.sign_in(program_manager, language="en")

    # when
    response = client.get(
        reverse("enterprises:register"),
        {
            "region": "999999",
            "size_class": "huge",
            "credit": "maybe",
            "order": "password",
            "page": "-1",
            "q": "x" * 500,
        },
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors


# Who did it: named, not by their address


def test_the_staff_pages_name_the_claimant_and_the_declarer(
    client, reviewer, applicant, enterprise
):
    # given: a claim by 陈晓, a declaration by the applicant (周敏)
    claimant = UserFactory(email="chen@example.com", full_name="陈晓")
    claimed = EnterpriseFactory(uscc=VALID, name="无主科技有限公司")
    services.enterprise_claim(user=claimant, uscc=claimed.uscc, licence_upload=pdf())
    applicant.full_name = "周敏"
    applicant.save(update_fields=["full_name"])
    services.declaration_save(
        enterprise=enterprise,
        year=THIS_YEAR - 1,
        it_amount=Decimal("1000"),
        ai_amount=Decimal("100"),
        actor=applicant,
    )
    client.sign_in(reviewer, language="en")

    # when
    pages = {
        "queue": client.get(reverse("enterprises:claim-queue")),
        "enterprise": client.get(reverse("enterprises:detail", args=[claimed.pk])),
        "declarations": client.get(
            reverse("enterprises:declarations", args=[enterprise.pk])
        ),
    }

    # then
    html = {key: page.content.decode() for key, page in pages.items()}
    assert "陈晓" in html["queue"]
    assert "陈晓" in html["enterprise"]
    assert "周敏" in html["declarations"]
    assert "chen@example.com" not in html["queue"] + html["enterprise"]
    assert "applicant@example.com" not in html["declarations"]
