"""Factories of voucher programs and applications.

``ApplicationFactory`` makes an application through the services, as an
applicant and the reviewers would, and stops in the state its trait names,
so a test cannot hold an application in a state the services cannot reach:

    ApplicationFactory()                      a draft without a contract
    ApplicationFactory(with_contract=True)    the contract step saved
    ApplicationFactory(complete=True)         ... and every document attached
    ApplicationFactory(submitted=True)        screened: in review at stage 0
                                              (or rejected, if a rule fails)
    ApplicationFactory(at_second_stage=True)  approved by the first stage
    ApplicationFactory(approved=True)         every stage approved, voucher issued
    ApplicationFactory(returned=True)         returned by the first stage
    ApplicationFactory(rejected=True)         rejected by the first stage
    ApplicationFactory(withdrawn=True)        withdrawn after submission

By default: the Hangzhou compute program (HZ-COMPUTE-2026, county → city,
50% for an SME's yearly total up to 500,000), a small enterprise in Xihu
district, an approved domestic compute provider, one compute line of
400,000.00 yuan (so a 200,000.00 subsidy). Uploads go to MEDIA_ROOT, which
tests/conftest.py points at a temporary folder.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.permissions import has_role
from accounts.roles import Role
from enterprises.models import Enterprise, Region
from enterprises.services import classify_enterprise
from vouchers.applications import services as applications
from vouchers.applications.selectors import required_documents
from vouchers.demo.programs import (
    EFFECTIVE_FROM,
    demo_program_specs,
    load_demo_programs,
)
from vouchers.models import Application, Program
from vouchers.programs import services as programs
from vouchers.programs.params import CITED_STEPS
from vouchers.review import services as review

from .enterprises import ProviderFactory, make_role_user

PDF = b"%PDF-1.4\n%%EOF\n"
# How far each state goes along the workflow, in order.
STATES = (
    "draft",
    "with_contract",
    "complete",
    "submitted",
    "at_second_stage",
    "approved",
)
# States that leave the main line after submission.
BRANCHES = ("returned", "rejected", "withdrawn")


def pdf_upload(name: str = "document.pdf") -> SimpleUploadedFile:
    """A tiny valid PDF, as an applicant would upload it."""
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def program_params(code: str = "HZ-COMPUTE-2026", **changes) -> dict:
    """A demo program's parameters as JSON (vouchers/demo/data/demo_programs.yaml),
    with some of them changed."""
    spec = next(s for s in demo_program_specs() if s["code"] == code)
    params = copy.deepcopy({**spec["params"], **changes})
    if "citations" not in changes:
        params = consistent_citations(params)
    return params


def consistent_citations(params: dict) -> dict:
    """The parameters with only the citations that still hold: of a rule in
    the rule set or a calculation step, and an article of a listed document
    (a test that changes the rules or the documents keeps a valid version)."""
    articles = {
        (d.get("title"), a.get("number"))
        for d in params.get("policy_documents") or []
        for a in d.get("articles") or []
    }
    citations = {
        code: cite
        for code, cite in (params.get("citations") or {}).items()
        if (code in (params.get("rules") or {}) or code in CITED_STEPS)
        and (cite.get("document"), cite.get("article")) in articles
    }
    params.pop("citations", None)
    if citations:
        params["citations"] = citations
    return params


def make_program(
    code: str = "TEST-COMPUTE-2026",
    *,
    region: str = "330100",
    kind: str = "compute",
    params: dict | None = None,
    actor=None,
    effective_from=None,
) -> Program:
    """A draft program made through the services, with version 1 in force
    from 2026-01-01 (Asia/Shanghai) unless ``effective_from`` says otherwise."""
    return programs.program_create(
        code=code,
        name_zh="测试算力券",
        name_en="Test compute voucher",
        kind=kind,
        region=Region.objects.get(code=region),
        params=params or program_params(),
        actor=actor,
        effective_from=effective_from or EFFECTIVE_FROM,
    )


def make_open_program(code: str, *, region: str = "330100", **param_changes) -> Program:
    """A program from the Hangzhou program's parameters (with changes), open."""
    program = make_program(
        code, region=region, params=program_params("HZ-COMPUTE-2026", **param_changes)
    )
    return programs.program_set_status(
        program=program, to_status=Program.Status.OPEN, actor=None
    )


def demo_program(code: str = "HZ-COMPUTE-2026") -> Program:
    """One of the demo programs, open; the three are loaded when missing."""
    if not Program.objects.filter(code=code).exists():
        load_demo_programs(actor=None)
    return Program.objects.select_related("region").get(code=code)


def make_sme(enterprise: Enterprise, *, name: str | None = None) -> Enterprise:
    """Make the enterprise a small one (software, 45 staff, 12 million yuan
    revenue), so the programs admit it."""
    enterprise.industry_code, enterprise.employees = "I65", 45
    enterprise.revenue = Decimal("12000000.00")
    enterprise.total_assets = Decimal("5000000.00")
    if name:
        enterprise.name = name
    classify_enterprise(enterprise)
    enterprise.save()
    return enterprise


def sme_applicant(region: str = "330106", **user_kwargs):
    """An applicant owning a small enterprise registered in ``region``."""
    user = make_role_user(Role.APPLICANT, region=region, **user_kwargs)
    make_sme(user.memberships.get().enterprise)
    return user


def stage_reviewer(application: Application):
    """A new reviewer of the application's current stage: of the department
    at the stage's level whose region holds the enterprise."""
    region = application.enterprise.region
    while region.level != application.stage_level:
        region = region.parent
    return make_role_user(Role.REVIEWER, region=region.code)


def _lines(amount: str) -> list[applications.LineInput]:
    return [applications.LineInput("compute", "GPU 卡时", Decimal(amount))]


class ApplicationFactory(factory.Factory):
    class Meta:
        model = Application

    class Params:
        with_contract = factory.Trait(state="with_contract")
        complete = factory.Trait(state="complete")
        submitted = factory.Trait(state="submitted")
        at_second_stage = factory.Trait(state="at_second_stage")
        approved = factory.Trait(state="approved")
        returned = factory.Trait(state="returned")
        rejected = factory.Trait(state="rejected")
        withdrawn = factory.Trait(state="withdrawn")

    # Passed to _create, which takes the services that far (a trait sets it).
    state = "draft"
    program = factory.LazyFunction(demo_program)
    applicant = factory.LazyFunction(sme_applicant)
    enterprise = factory.LazyAttribute(
        lambda o: o.applicant.memberships.get(role=Role.APPLICANT).enterprise
    )
    provider = factory.SubFactory(ProviderFactory)
    offering = None
    contract_number = factory.Sequence(lambda n: f"HT-2026-{n:05d}")
    signed_on = date(2026, 3, 1)
    term_months = 12
    year_contract_total = None
    amount = "400000.00"
    lines = factory.LazyAttribute(lambda o: _lines(o.amount))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("ApplicationFactory makes applications through the services")

    @classmethod
    def _create(cls, model_class, *, state, program, applicant, enterprise, **kwargs):
        final = state if state in STATES else "submitted"
        reached = STATES[: STATES.index(final) + 1]
        application = applications.application_create(
            enterprise=enterprise, program=program, user=applicant
        )
        if "with_contract" in reached:
            applications.application_save_contract(
                application=application,
                user=applicant,
                provider=kwargs["provider"],
                offering=kwargs["offering"],
                contract_number=kwargs["contract_number"],
                signed_on=kwargs["signed_on"],
                term_months=kwargs["term_months"],
                year_contract_total=kwargs["year_contract_total"],
                lines=kwargs["lines"],
            )
        if "complete" in reached:
            for kind in required_documents(application):
                applications.application_attach(
                    application=application,
                    user=applicant,
                    kind=kind,
                    upload=pdf_upload(f"{kind}.pdf"),
                )
        if "submitted" in reached:
            application = applications.application_submit(
                application=application, user=applicant
            )
        if "at_second_stage" in reached:
            application = review.application_approve(
                application=application, reviewer=stage_reviewer(application)
            )
        if final == "approved":
            while application.status == Application.Status.IN_REVIEW:
                application = review.application_approve(
                    application=application, reviewer=stage_reviewer(application)
                )
        if state == "returned":
            review.application_return(
                application=application,
                reviewer=stage_reviewer(application),
                note="合同附件缺页",
            )
        elif state == "rejected":
            review.application_reject(
                application=application,
                reviewer=stage_reviewer(application),
                reasons=["other"],
                note="不符合要求",
            )
        elif state == "withdrawn":
            applications.application_withdraw(application=application, user=applicant)
        return Application.objects.get(pk=application.pk)


def version_changed(
    *,
    program,
    params: dict,
    actor=None,
    note: str = "",
    effective_from=None,
):
    """A new version of the program's parameters, as the system makes one:
    directly for a draft; for an open or closed program, proposed by
    ``actor`` (a fresh program manager when not one) and approved by a
    second program manager (four eyes). Returns the version."""
    program.refresh_from_db()
    if program.status == program.Status.DRAFT:
        return programs.program_change_params(
            program=program,
            params=params,
            actor=actor,
            note=note,
            effective_from=effective_from,
        )
    if actor is None or not has_role(actor, Role.PROGRAM_MANAGER):
        actor = make_role_user(Role.PROGRAM_MANAGER)
    change = programs.program_change_propose(
        program=program,
        params=params,
        actor=actor,
        note=note,
        effective_from=effective_from,
    )
    second = make_role_user(Role.PROGRAM_MANAGER)
    try:
        return programs.program_change_approve(change=change, actor=second)
    except Exception:
        # as a manager would after a refused approval, so the next change
        # can be proposed
        programs.program_change_withdraw(change=change, actor=actor)
        raise
