"""Reads on applications: the facts a decision looks at, what an
enterprise has committed in a program this year, the live estimate, what
is still missing for submission, and the applications a member may open."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from config.money import ZERO, sum_of
from enterprises.models import Document, Enterprise, Membership
from enterprises.selectors import offering_filing_status

from ..eligibility.engine import Decision, evaluate
from ..eligibility.facts import (
    ContractFacts,
    Facts,
    HistoryFacts,
    ProviderFacts,
)
from ..eligibility.gather import enterprise_facts, provider_credit_key, provider_party
from ..issuance.selectors import cap_used_in_year
from ..models import LIVE_STATUSES, Application, Program, RejectionReason, Review
from ..programs.labels import STAGE_LABELS
from ..programs.selectors import program_context, program_version_at

S = Application.Status
# Documents every application needs, and the one the reimbursement mode adds.
REQUIRED_DOCUMENTS = (
    Document.Kind.CONTRACT,
    Document.Kind.QUOTE,
    Document.Kind.COMMITMENT,
)
REIMBURSE_DOCUMENTS = (Document.Kind.PAYMENT_PROOF,)
ATTACHABLE_KINDS = (*REQUIRED_DOCUMENTS, *REIMBURSE_DOCUMENTS)
# Applications whose subsidy is still pending a decision.
PENDING_STATUSES = (S.SUBMITTED, S.IN_REVIEW, S.RETURNED)


# -- scoping -------------------------------------------------------------------------


def _own_enterprises(user: User) -> QuerySet:
    return Membership.objects.filter(user=user, role=Role.APPLICANT).values(
        "enterprise_id"
    )


def applications_of_member(*, user: User) -> QuerySet[Application]:
    """The applications of every enterprise the user is an applicant of."""
    return Application.objects.filter(enterprise_id__in=_own_enterprises(user))


def application_for_member_or_404(user: User, pk: int) -> Application:
    """An application of an enterprise the user is an applicant member of;
    any other answers 404 (no telling whether it exists)."""
    application = (
        applications_of_member(user=user)
        .select_related("program__region", "enterprise", "provider", "offering")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


# -- what is needed -----------------------------------------------------------------


def required_documents(application: Application) -> tuple[str, ...]:
    params = program_version_at(application.program).parsed()
    extra = (
        REIMBURSE_DOCUMENTS
        if params.disbursement_mode == "reimburse_after_payment"
        else ()
    )
    return (*REQUIRED_DOCUMENTS, *extra)


def missing_parts(application: Application) -> list[str]:
    """What still keeps the application from being submitted (translated)."""
    missing = []
    if application.provider_id is None or not application.contract_number:
        missing.append(
            _("the contract: provider, contract number, signing date and term")
        )
    elif not application.line_items.exists():
        missing.append(_("the contract's line items"))
    have = set(application.documents.values_list("kind", flat=True))
    labels = dict(Document.Kind.choices)
    for kind in required_documents(application):
        if kind not in have:
            missing.append(str(labels[kind]))
    return missing


# -- facts and the live estimate ----------------------------------------------------


def application_facts(application: Application, *, today: date | None = None) -> Facts:
    """What a decision on the application looks at: the enterprise from the
    register, the contract, the provider and offering, and the history."""
    enterprise = enterprise_facts(application.enterprise)
    contract = None
    if application.contract_signed_on and application.eligible_amount is not None:
        contract = ContractFacts(
            signed_on=application.contract_signed_on,
            term_months=application.contract_term_months or 0,
            amount=application.contract_amount or ZERO,
            eligible_amount=application.eligible_amount,
            year_contract_total=application.year_contract_total
            or application.contract_amount
            or ZERO,
            facility=application.provider.facility if application.provider else "",
            contract_number=application.contract_number,
        )
    provider = None
    if application.provider is not None:
        p = application.provider
        offering = application.offering
        provider = ProviderFacts(
            credit_code=p.uscc,
            status=p.status,
            offers_compute=p.offers_compute,
            offers_model=p.offers_model,
            facility=p.facility,
            offering_kind=offering.kind if offering else "",
            offering_filing_number=offering.filing_number if offering else "",
            offering_filing_status=offering_filing_status(offering, today=today)
            if offering
            else "",
            party=provider_party(p),
            credit_code_key=provider_credit_key(p),
        )
    return Facts(
        enterprise=enterprise,
        decided_on=today or timezone.localdate(),
        contract=contract,
        provider=provider,
        history=application_history(application),
    )


def application_history(application: Application) -> HistoryFacts:
    other_claims = 0
    if application.provider_id and application.contract_number:
        other_claims = (
            Application.objects.filter(
                provider_id=application.provider_id,
                contract_number=application.contract_number,
                status__in=LIVE_STATUSES,
            )
            .exclude(pk=application.pk)
            .count()
        )
    return HistoryFacts(
        other_claims_of_contract=other_claims,
        enterprise_year_committed=enterprise_year_committed(
            application.enterprise, application.program, exclude=application
        ),
    )


def enterprise_year_committed(
    enterprise: Enterprise,
    program: Program,
    *,
    exclude: Application | None = None,
    year: int | None = None,
) -> Decimal:
    """The enterprise's subsidy in the program this calendar year: what its
    yearly cap has used (vouchers and notices, by the year of their final
    approval) and what its pending applications submitted this year ask."""
    year = year or timezone.localdate().year
    pending = Application.objects.filter(
        enterprise=enterprise,
        program=program,
        status__in=PENDING_STATUSES,
        submitted_at__year=year,
    )
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    issued = cap_used_in_year(enterprise=enterprise, program=program, year=year)
    return issued + sum_of(pending, "requested_subsidy")


def application_estimate(application: Application) -> Decision:
    """The live eligibility result and estimated subsidy (nothing stored)."""
    return evaluate(
        program_context(application.program), application_facts(application)
    )


# -- reviews, as the applicant reads them ----------------------------------------------


def reason_labels(codes: Iterable[Any]) -> dict[str, str]:
    """The configured rejection reasons' labels by code, in the active language."""
    codes = [c for c in codes if isinstance(c, str) and c]
    return {r.code: r.label for r in RejectionReason.objects.filter(code__in=codes)}


def latest_return(application: Application) -> dict[str, Any] | None:
    """What the reviewers asked to correct, for a returned application."""
    if application.status != S.RETURNED:
        return None
    review = (
        application.reviews.filter(decision=Review.Decision.RETURN)
        .order_by("-id")
        .first()
    )
    if review is None:
        return None
    labels = reason_labels(review.reasons)
    return {
        "at": review.decided_at,
        "stage": STAGE_LABELS.get(review.level, review.level),
        "reasons": [labels.get(r, r) for r in review.reasons if r],
        "note": review.note,
    }
