"""Event-coverage cases: see tests/audits/coverage/__init__.py.

The services of the accounts and enterprises apps (the register: users'
profiles, memberships and invitations, providers and offerings, enterprises,
claims, shareholders, declarations and the dishonesty list). Uploaded files
go to the temporary MEDIA_ROOT of tests/conftest.py; the stored file of a
rolled-back upload is not part of the state compared (the clean-up of
orphan uploads removes it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone

from accounts import services as accounts
from accounts.roles import Role
from audits import actions
from enterprises.models import (
    Department,
    DishonestEntity,
    Document,
    Enterprise,
    EnterpriseClaim,
    GenAIFiling,
    InvestmentDeclaration,
    Invitation,
    Membership,
    Offering,
    Provider,
    Region,
    Shareholder,
)
from enterprises.services import credit, filings, memberships, providers, register
from enterprises.uscc import make_uscc
from tests.audits.coverage import Case
from tests.factories import (
    EnterpriseFactory,
    ProviderFactory,
    UserFactory,
    make_role_user,
    membership,
    pdf_upload,
)

THIS_YEAR = timezone.localdate().year
NEW_ENTERPRISE = make_uscc("330106", "MC000001")
NEW_PROVIDER = make_uscc("330108", "MC000002")
DISHONEST = make_uscc("330106", "MC000003")


def _rows(*model_classes: type[models.Model]) -> Callable[[], object]:
    """Every row of the tables a service writes, field by field."""

    def state():
        return {
            m._meta.label: list(m.objects.order_by("pk").values())
            for m in model_classes
        }

    return state


def _profile(**changes) -> dict:
    data = {
        "name": "杭州覆盖测试科技有限公司",
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
    data.update(changes)
    return data


def _provider_data(**changes) -> dict:
    data = {
        "name": "杭州覆盖算力服务有限公司",
        "legal_representative": "赵六",
        "registered_address": "杭州市滨江区",
        "contact_phone": "057188886666",
        "offers_compute": True,
        "offers_model": True,
        "facility": Provider.Facility.DOMESTIC,
    }
    data.update(changes)
    return data


# accounts


def _user_update_profile():
    user = UserFactory(full_name="张三", language="zh-hans")
    return Case(
        call=lambda: accounts.user_update_profile(
            user=user, full_name="  李四 ", language="en"
        ),
        expected=Counter({actions.USER_PROFILE_UPDATED: 1}),
        state=lambda: list(
            type(user).objects.filter(pk=user.pk).values("full_name", "language")
        ),
    )


def _user_consent_record():
    user = UserFactory()
    return Case(
        call=lambda: accounts.user_consent_record(user=user, client_ip="10.0.0.7"),
        expected=Counter({actions.USER_CONSENTED: 1}),
        state=lambda: list(
            user.consents.values_list("document", "version", "client_ip")
        ),
    )


# enterprises.services.credit


def _dishonest_list_import():
    # one row new, one row changed: a single event for the file
    DishonestEntity.objects.create(
        uscc=make_uscc("330106", "MC000004"),
        name="失信旧名公司",
        listed_on=date(2025, 1, 2),
    )
    content = (
        "uscc,name,listed_on,removed_on,authority,reference\n"
        f"{DISHONEST},失信甲公司,2025-06-01,,浙江省市场监督管理局,\n"
        f"{make_uscc('330106', 'MC000004')},失信新名公司,2025-01-02,2026-01-02,,\n"
    ).encode()
    return Case(
        call=lambda: credit.dishonest_list_import(
            content=content, actor=None, source="coverage.csv"
        ),
        expected=Counter({actions.DISHONEST_LIST_IMPORTED: 1}),
        state=_rows(DishonestEntity),
    )


# enterprises.services.filings


def _filing_list_import():
    # one row new, one row revoked now: a single event for the file
    GenAIFiling.objects.create(
        filing_number="Zhejiang-CoverageOld-20240101",
        number_key="ZHEJIANG-COVERAGEOLD-20240101",
        model_name="旧模型",
    )
    content = (
        "filing_number,model_name,filer_name,region,filed_on,revoked_on\n"
        "Beijing-CoverageNew-20240301,新模型,北京某公司,北京,,\n"
        "Zhejiang-CoverageOld-20240101,旧模型,,浙江,,2025-06-30\n"
    ).encode()
    return Case(
        call=lambda: filings.filing_list_import(
            content=content, actor=None, source="coverage.csv"
        ),
        expected=Counter({actions.GENAI_FILING_LIST_IMPORTED: 1}),
        state=_rows(GenAIFiling),
    )


# enterprises.services.memberships


def _membership_grant():
    enterprise = EnterpriseFactory()
    owner = UserFactory()
    membership(owner, Role.APPLICANT, enterprise, is_owner=True)
    user = UserFactory()
    return Case(
        call=lambda: memberships.membership_grant(
            user=user, role=Role.APPLICANT, organisation=enterprise, granted_by=owner
        ),
        expected=Counter({actions.MEMBERSHIP_CREATED: 1}),
        state=_rows(Membership),
    )


def _membership_remove():
    enterprise = EnterpriseFactory()
    owner = UserFactory()
    membership(owner, Role.APPLICANT, enterprise, is_owner=True)
    colleague = membership(UserFactory(), Role.APPLICANT, enterprise)
    return Case(
        call=lambda: memberships.membership_remove(
            membership=colleague, removed_by=owner
        ),
        expected=Counter({actions.MEMBERSHIP_REMOVED: 1}),
        state=_rows(Membership),
    )


def _invitation_create():
    owner = make_role_user(Role.APPLICANT)
    enterprise = owner.memberships.get().enterprise
    return Case(
        call=lambda: memberships.invitation_create(
            enterprise=enterprise, email="Colleague@Example.com", invited_by=owner
        ),
        expected=Counter({actions.INVITATION_SENT: 1}),
        state=_rows(Invitation),
    )


def _invitation_accept():
    owner = make_role_user(Role.APPLICANT)
    enterprise = owner.memberships.get().enterprise
    _, token = memberships.invitation_create(
        enterprise=enterprise, email="colleague@example.com", invited_by=owner
    )
    colleague = UserFactory(email="colleague@example.com")
    return Case(
        call=lambda: memberships.invitation_accept(token=token, user=colleague),
        expected=Counter(
            {actions.MEMBERSHIP_CREATED: 1, actions.INVITATION_ACCEPTED: 1}
        ),
        state=_rows(Invitation, Membership),
    )


def _invitation_revoke():
    owner = make_role_user(Role.APPLICANT)
    enterprise = owner.memberships.get().enterprise
    invitation, _ = memberships.invitation_create(
        enterprise=enterprise, email="colleague@example.com", invited_by=owner
    )
    return Case(
        call=lambda: memberships.invitation_revoke(
            invitation=invitation, revoked_by=owner
        ),
        expected=Counter({actions.INVITATION_REVOKED: 1}),
        state=_rows(Invitation),
    )


def _department_ensure_all():
    # the regions come with the migrations, the departments do not: make
    # them all, then leave exactly one missing
    memberships.department_ensure_all(actor=None)
    Department.objects.filter(region_id="330106").delete()
    return Case(
        call=lambda: memberships.department_ensure_all(actor=None),
        expected=Counter({actions.DEPARTMENT_CREATED: 1}),
        state=_rows(Department),
    )


# enterprises.services.providers


def _provider_apply():
    user = UserFactory()
    return Case(
        call=lambda: providers.provider_apply(
            user=user,
            uscc=NEW_PROVIDER,
            data=_provider_data(),
            licence_upload=pdf_upload("licence.pdf"),
        ),
        expected=Counter(
            {
                actions.MEMBERSHIP_CREATED: 1,
                actions.DOCUMENT_UPLOADED: 1,
                actions.PROVIDER_APPLIED: 1,
            }
        ),
        state=_rows(Provider, Membership, Document),
    )


def _provider_update():
    provider = ProviderFactory(status=Provider.Status.APPLIED)
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    return Case(
        call=lambda: providers.provider_update(
            provider=provider,
            data=_provider_data(name="杭州改名算力服务有限公司"),
            actor=staff,
        ),
        expected=Counter({actions.PROVIDER_UPDATED: 1}),
        state=_rows(Provider),
    )


def _provider_update_rejected():
    # a rejected provider's correction sends it back to the review queue
    provider = ProviderFactory(
        status=Provider.Status.REJECTED, status_reason="执照不清晰"
    )
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    return Case(
        call=lambda: providers.provider_update(
            provider=provider, data=_provider_data(), actor=staff
        ),
        expected=Counter(
            {actions.PROVIDER_UPDATED: 1, actions.PROVIDER_STATUS_CHANGED: 1}
        ),
        state=_rows(Provider),
    )


def _provider_set_status():
    provider = ProviderFactory(status=Provider.Status.APPLIED)
    manager = make_role_user(Role.PROGRAM_MANAGER, region="330000")
    return Case(
        call=lambda: providers.provider_set_status(
            provider=provider, to_status=Provider.Status.APPROVED, actor=manager
        ),
        expected=Counter({actions.PROVIDER_STATUS_CHANGED: 1}),
        state=_rows(Provider),
    )


def _offering_add():
    provider = ProviderFactory(offers_model=True)
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    return Case(
        call=lambda: providers.offering_add(
            provider=provider,
            data={
                "kind": Offering.Kind.MODEL,
                "name": "通用大模型API",
                "unit": Offering.Unit.THOUSAND_TOKENS,
                "unit_other": "",
                "list_price": Decimal("0.0120"),
                "model_name": "ZJ-LLM-7B",
                "filing_number": "Zhejiang-ZJLLM-20240101",
            },
            actor=staff,
        ),
        expected=Counter({actions.OFFERING_ADDED: 1}),
        state=_rows(Offering),
    )


def _offering_withdraw():
    provider = ProviderFactory()
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    offering = Offering.objects.create(
        provider=provider,
        kind=Offering.Kind.COMPUTE,
        name="A100 算力",
        unit=Offering.Unit.GPU_CARD_HOUR,
        list_price=Decimal("12.00"),
    )
    return Case(
        call=lambda: providers.offering_withdraw(offering=offering, actor=staff),
        expected=Counter({actions.OFFERING_WITHDRAWN: 1}),
        state=_rows(Offering),
    )


# enterprises.services.register


def _document_store():
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    return Case(
        call=lambda: register.document_store(
            upload=pdf_upload("licence.pdf"),
            kind=Document.Kind.BUSINESS_LICENCE,
            uploaded_by=applicant,
            enterprise=enterprise,
        ),
        expected=Counter({actions.DOCUMENT_UPLOADED: 1}),
        state=_rows(Document),
    )


def _document_downloaded():
    # a read that is recorded: nothing but the event changes
    applicant = make_role_user(Role.APPLICANT)
    document = register.document_store(
        upload=pdf_upload("licence.pdf"),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=applicant,
        enterprise=applicant.memberships.get().enterprise,
    )
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    return Case(
        call=lambda: register.document_downloaded(
            target=document,
            file_name=document.original_name,
            size=document.size,
            sha256=document.sha256,
            actor=reviewer,
        ),
        expected=Counter({actions.DOCUMENT_DOWNLOADED: 1}),
        state=_rows(Document),
    )


def _enterprise_create():
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    return Case(
        call=lambda: register.enterprise_create(
            uscc=NEW_ENTERPRISE, data=_profile(), actor=reviewer
        ),
        expected=Counter(
            {actions.ENTERPRISE_CREATED: 1, actions.ENTERPRISE_SIZE_CLASSIFIED: 1}
        ),
        state=_rows(Enterprise),
    )


def _enterprise_update_profile():
    # a size input changes: the size class is computed again
    applicant = make_role_user(Role.APPLICANT)
    enterprise = register.enterprise_create(
        uscc=NEW_ENTERPRISE, data=_profile(), actor=applicant
    )
    return Case(
        call=lambda: register.enterprise_update_profile(
            enterprise=enterprise,
            data={"employees": 500, "name": "杭州新名科技有限公司"},
            actor=applicant,
        ),
        expected=Counter(
            {actions.ENTERPRISE_UPDATED: 1, actions.ENTERPRISE_SIZE_CLASSIFIED: 1}
        ),
        state=_rows(Enterprise),
    )


def _enterprise_update_profile_name():
    # no size input changes, the class was computed: no new classification
    applicant = make_role_user(Role.APPLICANT)
    enterprise = register.enterprise_create(
        uscc=NEW_ENTERPRISE, data=_profile(), actor=applicant
    )
    return Case(
        call=lambda: register.enterprise_update_profile(
            enterprise=enterprise,
            data={"name": "杭州新名科技有限公司", "contact_phone": "13900001111"},
            actor=applicant,
        ),
        expected=Counter({actions.ENTERPRISE_UPDATED: 1}),
        state=_rows(Enterprise),
    )


def _enterprise_claim():
    # an enterprise of the register that nobody owns yet
    unowned = EnterpriseFactory()
    claimant = UserFactory()
    return Case(
        call=lambda: register.enterprise_claim(
            user=claimant, uscc=unowned.uscc, licence_upload=pdf_upload("licence.pdf")
        ),
        expected=Counter({actions.DOCUMENT_UPLOADED: 1, actions.ENTERPRISE_CLAIMED: 1}),
        state=_rows(Enterprise, EnterpriseClaim, Document, Membership),
    )


def _enterprise_claim_new():
    # an enterprise not in the register yet is added from the profile
    claimant = UserFactory()
    return Case(
        call=lambda: register.enterprise_claim(
            user=claimant,
            uscc=NEW_ENTERPRISE,
            licence_upload=pdf_upload("licence.pdf"),
            profile=_profile(),
        ),
        expected=Counter(
            {
                actions.ENTERPRISE_CREATED: 1,
                actions.ENTERPRISE_SIZE_CLASSIFIED: 1,
                actions.DOCUMENT_UPLOADED: 1,
                actions.ENTERPRISE_CLAIMED: 1,
            }
        ),
        state=_rows(Enterprise, EnterpriseClaim, Document, Membership),
    )


def _pending_claim() -> EnterpriseClaim:
    unowned = EnterpriseFactory()
    return register.enterprise_claim(
        user=UserFactory(), uscc=unowned.uscc, licence_upload=pdf_upload("licence.pdf")
    )


def _claim_accept():
    claim = _pending_claim()
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    return Case(
        call=lambda: register.claim_decide(claim=claim, reviewer=reviewer, accept=True),
        expected=Counter({actions.MEMBERSHIP_CREATED: 1, actions.CLAIM_ACCEPTED: 1}),
        state=_rows(EnterpriseClaim, Membership),
    )


def _claim_reject():
    claim = _pending_claim()
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    return Case(
        call=lambda: register.claim_decide(
            claim=claim, reviewer=reviewer, accept=False, reason="执照与名称不符"
        ),
        expected=Counter({actions.CLAIM_REJECTED: 1}),
        state=_rows(EnterpriseClaim, Membership),
    )


def _shareholder_add():
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    return Case(
        call=lambda: register.shareholder_add(
            enterprise=enterprise,
            name="王五",
            id_number="330106199001011234",
            actor=applicant,
        ),
        expected=Counter({actions.SHAREHOLDER_ADDED: 1}),
        state=_rows(Shareholder),
    )


def _shareholder_remove():
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    shareholder = register.shareholder_add(
        enterprise=enterprise, name="王五", id_number="", actor=applicant
    )
    return Case(
        call=lambda: register.shareholder_remove(
            shareholder=shareholder, actor=applicant
        ),
        expected=Counter({actions.SHAREHOLDER_REMOVED: 1}),
        state=_rows(Shareholder),
    )


def _declaration_save():
    # a first declaration, with one evidence file
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    return Case(
        call=lambda: register.declaration_save(
            enterprise=enterprise,
            year=THIS_YEAR - 1,
            it_amount=Decimal("100000.00"),
            ai_amount=Decimal("30000.00"),
            actor=applicant,
            evidence_uploads=[pdf_upload("evidence.pdf")],
        ),
        expected=Counter(
            {actions.DOCUMENT_UPLOADED: 1, actions.DECLARATION_SUBMITTED: 1}
        ),
        state=_rows(InvestmentDeclaration, Document),
    )


def _declaration_correct():
    # a correction: a new version, the old one superseded, its evidence kept
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    first = register.declaration_save(
        enterprise=enterprise,
        year=THIS_YEAR - 1,
        it_amount=Decimal("100000.00"),
        ai_amount=Decimal("30000.00"),
        actor=applicant,
        evidence_uploads=[pdf_upload("evidence.pdf")],
    )

    def state():
        return (
            _rows(InvestmentDeclaration, Document)(),
            [
                (d.pk, sorted(d.evidence.values_list("pk", flat=True)))
                for d in InvestmentDeclaration.objects.filter(
                    enterprise=first.enterprise
                ).order_by("pk")
            ],
        )

    return Case(
        call=lambda: register.declaration_save(
            enterprise=enterprise,
            year=THIS_YEAR - 1,
            it_amount=Decimal("120000.00"),
            ai_amount=Decimal("30000.00"),
            actor=applicant,
            note="更正",
        ),
        expected=Counter({actions.DECLARATION_CORRECTED: 1}),
        state=state,
    )


def _sensitive_value_reveal():
    # a read that is recorded: nothing but the event changes
    applicant = make_role_user(Role.APPLICANT)
    enterprise = applicant.memberships.get().enterprise
    enterprise.contact_phone = "13812341234"
    enterprise.save(update_fields=["contact_phone"])
    auditor = make_role_user(Role.AUDITOR, region="330000")
    return Case(
        call=lambda: register.sensitive_value_reveal(
            target=enterprise, field="contact_phone", actor=auditor
        ),
        expected=Counter({actions.SENSITIVE_VALUE_REVEALED: 1}),
        state=_rows(Enterprise),
    )


CASES: dict[str, Callable[[], Case]] = {
    "accounts.services:user_update_profile": _user_update_profile,
    "accounts.services:user_consent_record": _user_consent_record,
    "enterprises.services.credit:dishonest_list_import": _dishonest_list_import,
    "enterprises.services.filings:filing_list_import": _filing_list_import,
    "enterprises.services.memberships:membership_grant": _membership_grant,
    "enterprises.services.memberships:membership_remove": _membership_remove,
    "enterprises.services.memberships:invitation_create": _invitation_create,
    "enterprises.services.memberships:invitation_accept": _invitation_accept,
    "enterprises.services.memberships:invitation_revoke": _invitation_revoke,
    "enterprises.services.memberships:department_ensure_all": (_department_ensure_all),
    "enterprises.services.providers:provider_apply": _provider_apply,
    "enterprises.services.providers:provider_update": _provider_update,
    "enterprises.services.providers:provider_update#rejected": (
        _provider_update_rejected
    ),
    "enterprises.services.providers:provider_set_status": _provider_set_status,
    "enterprises.services.providers:offering_add": _offering_add,
    "enterprises.services.providers:offering_withdraw": _offering_withdraw,
    "enterprises.services.register:document_store": _document_store,
    "enterprises.services.register:document_downloaded": _document_downloaded,
    "enterprises.services.register:enterprise_create": _enterprise_create,
    "enterprises.services.register:enterprise_update_profile": (
        _enterprise_update_profile
    ),
    "enterprises.services.register:enterprise_update_profile#name": (
        _enterprise_update_profile_name
    ),
    "enterprises.services.register:enterprise_claim": _enterprise_claim,
    "enterprises.services.register:enterprise_claim#new": _enterprise_claim_new,
    "enterprises.services.register:claim_decide": _claim_accept,
    "enterprises.services.register:claim_decide#reject": _claim_reject,
    "enterprises.services.register:shareholder_add": _shareholder_add,
    "enterprises.services.register:shareholder_remove": _shareholder_remove,
    "enterprises.services.register:declaration_save": _declaration_save,
    "enterprises.services.register:declaration_save#correct": _declaration_correct,
    "enterprises.services.register:sensitive_value_reveal": (_sensitive_value_reveal),
}
