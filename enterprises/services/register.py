"""Writes on the register: documents, claims, profiles, shareholders and
investment declarations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.tasks import send_email
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError

from .. import sme
from ..lock_objects import (
    claim_lock,
    declaration_current_lock,
    enterprise_lock,
    enterprise_lock_by_code,
)
from ..models import (
    Document,
    Enterprise,
    EnterpriseClaim,
    InvestmentDeclaration,
    Membership,
    Provider,
    Region,
    Shareholder,
)
from ..pii import hash_id_number, mask_id_number, mask_phone
from ..selectors import reviewer_regions
from ..uploads import check_upload
from ..uscc import validate_uscc
from .memberships import membership_grant

PROFILE_FIELDS = (
    "name",
    "legal_representative",
    "registered_address",
    "region",
    "industry_code",
    "established_on",
    "contact_phone",
    "fiscal_year",
    "employees",
    "revenue",
    "total_assets",
)
SIZE_INPUTS = ("industry_code", "employees", "revenue", "total_assets")
FIRST_DECLARATION_YEAR = 2000


def checked_uscc(value: str) -> str:
    """The normalised code, or an ApplicationError saying what is wrong."""
    try:
        return validate_uscc(value)
    except ValidationError as exc:
        raise ApplicationError(
            exc.messages[0], field="uscc", code=exc.code or "invalid"
        ) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, Region):
        return value.code
    return value


def _profile_snapshot(
    enterprise: Enterprise, fields: Iterable[str] = PROFILE_FIELDS
) -> dict:
    snapshot = {}
    for name in fields:
        value = getattr(enterprise, name)
        if name == "contact_phone":
            value = mask_phone(value)
        snapshot[name] = _jsonable(value)
    return snapshot


@transaction.atomic
def document_store(
    *,
    upload: UploadedFile,
    kind: str,
    uploaded_by: User | None,
    enterprise: Enterprise | None = None,
    provider: Provider | None = None,
) -> Document:
    """Check an uploaded file by content and size, then store it under a
    generated name. A refused file leaves nothing behind."""
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code=exc.code or "invalid") from exc
    document = Document(
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        enterprise=enterprise,
        provider=provider,
        uploaded_by=uploaded_by,
    )
    document.file.save(checked.storage_name, upload, save=False)
    document.save()
    audit_event_record(
        action=actions.DOCUMENT_UPLOADED,
        actor=uploaded_by,
        target=document,
        after={
            "kind": kind,
            "sha256": checked.sha256,
            "size": checked.size,
            "content_type": checked.content_type,
            "enterprise": enterprise.pk if enterprise else None,
            "provider": provider.pk if provider else None,
        },
    )
    return document


@transaction.atomic
def document_downloaded(
    *,
    target: models.Model,
    file_name: str,
    size: int | None,
    sha256: str,
    actor: User,
) -> None:
    """Someone is sent a stored upload (a register document, an objection's
    evidence): which one, its name, size and digest. Recorded before the
    file is streamed, so the event stands whether or not the download
    completes; a refused download never reaches here."""
    audit_event_record(
        action=actions.DOCUMENT_DOWNLOADED,
        actor=actor,
        target=target,
        after={"file_name": file_name, "size": size, "sha256": sha256},
    )


def classify_enterprise(enterprise: Enterprise) -> None:
    """Derive the size class from the stored inputs (no save, no event)."""
    enterprise.size_computed_at = timezone.now()
    try:
        group = sme.industry_group(enterprise.industry_code)
        result = sme.classify(
            group=group,
            employees=enterprise.employees,
            revenue=enterprise.revenue,
            total_assets=enterprise.total_assets,
        )
    except (ValueError, TypeError) as exc:
        enterprise.industry_group = ""
        enterprise.size_class = ""
        enterprise.size_standard = ""
        enterprise.size_basis = {"error": str(exc)}
        return
    enterprise.industry_group = group
    enterprise.size_class = result.size_class
    enterprise.size_standard = result.standard_code
    enterprise.size_basis = {"inputs": result.inputs, "steps": result.steps}


def _record_classification(
    enterprise: Enterprise, actor: User | None, before_class: str
) -> None:
    audit_event_record(
        action=actions.ENTERPRISE_SIZE_CLASSIFIED,
        actor=actor,
        target=enterprise,
        before={"size_class": before_class},
        after={
            "size_class": enterprise.size_class,
            "standard": enterprise.size_standard,
            "group": enterprise.industry_group,
            "basis": enterprise.size_basis,
        },
    )


def _clean_profile(data: dict) -> dict:
    """Checks no form can be trusted to have made."""
    cleaned = {k: v for k, v in data.items() if k in PROFILE_FIELDS}
    for money in ("revenue", "total_assets"):
        value = cleaned.get(money)
        if value is not None and (not isinstance(value, Decimal) or value < 0):
            raise ApplicationError(_("Amounts cannot be negative."), field=money)
    if cleaned.get("employees") is not None and cleaned["employees"] < 0:
        raise ApplicationError(_("The number cannot be negative."), field="employees")
    return cleaned


@transaction.atomic
def enterprise_create(*, uscc: str, data: dict, actor: User | None) -> Enterprise:
    """Add an enterprise to the register (not yet claimed by anyone)."""
    uscc = checked_uscc(uscc)
    cleaned = _clean_profile(data)
    enterprise = Enterprise(uscc=uscc, **cleaned)
    classify_enterprise(enterprise)
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("An enterprise with this code is already in the register."),
            field="uscc",
            code="duplicate",
        ) from exc
    audit_event_record(
        action=actions.ENTERPRISE_CREATED,
        actor=actor,
        target=enterprise,
        after={"uscc": uscc, **_profile_snapshot(enterprise)},
    )
    _record_classification(enterprise, actor, "")
    return enterprise


@transaction.atomic
def enterprise_update_profile(
    *, enterprise: Enterprise, data: dict, actor: User | None
) -> Enterprise:
    """Change profile fields; the size class is recomputed when its inputs change."""
    enterprise = enterprise_lock(enterprise.pk)
    cleaned = _clean_profile(data)
    changed = [k for k, v in cleaned.items() if getattr(enterprise, k) != v]
    if not changed:
        return enterprise
    before = _profile_snapshot(enterprise, changed)
    before_class = enterprise.size_class
    for key in changed:
        setattr(enterprise, key, cleaned[key])
    if set(changed) & set(SIZE_INPUTS) or not enterprise.size_computed_at:
        classify_enterprise(enterprise)
        reclassified = True
    else:
        reclassified = False
    enterprise.save()
    audit_event_record(
        action=actions.ENTERPRISE_UPDATED,
        actor=actor,
        target=enterprise,
        before=before,
        after=_profile_snapshot(enterprise, changed),
    )
    if reclassified:
        _record_classification(enterprise, actor, before_class)
    return enterprise


def enterprise_has_owner(enterprise: Enterprise) -> bool:
    return enterprise.memberships.filter(is_owner=True).exists()


@transaction.atomic
def enterprise_claim(
    *, user: User, uscc: str, licence_upload: UploadedFile, profile: dict | None = None
) -> EnterpriseClaim:
    """Claim an enterprise by its code, with its business licence.

    An enterprise not yet in the register is added from ``profile``. The first
    claimant becomes owner when a reviewer of the region accepts the licence;
    a claimed enterprise can only be joined by its owner's invitation.
    """
    uscc = checked_uscc(uscc)
    enterprise = enterprise_lock_by_code(uscc)
    if enterprise is not None:
        if Membership.objects.filter(enterprise=enterprise, user=user).exists():
            raise ApplicationError(
                _("You are already a member of this enterprise."), code="member"
            )
        if enterprise_has_owner(enterprise):
            raise ApplicationError(
                _(
                    "This enterprise has already been claimed. Ask its owner on this "
                    "platform to invite you."
                ),
                field="uscc",
                code="claimed",
            )
        pending = enterprise.claims.filter(
            status=EnterpriseClaim.Status.PENDING
        ).first()
        if pending is not None:
            if pending.claimant_id == user.pk:
                message = _("Your claim of this enterprise is already being reviewed.")
            else:
                message = _(
                    "Another claim of this enterprise is being reviewed. You can "
                    "claim it if that claim is rejected."
                )
            raise ApplicationError(message, field="uscc", code="pending")
    else:
        if not profile:
            raise ApplicationError(
                _("This enterprise is not in the register yet: fill in its profile."),
                code="profile_needed",
            )
        enterprise = enterprise_create(uscc=uscc, data=profile, actor=user)
    licence = document_store(
        upload=licence_upload,
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=user,
        enterprise=enterprise,
    )
    claim = EnterpriseClaim.objects.create(
        enterprise=enterprise, claimant=user, licence=licence
    )
    audit_event_record(
        action=actions.ENTERPRISE_CLAIMED,
        actor=user,
        target=claim,
        after={"enterprise": enterprise.pk, "uscc": uscc, "licence": licence.pk},
    )
    return claim


def reviewer_covers(user: User, region_code: str) -> bool:
    """True when the user reviews for a department whose region contains the code."""
    return any(region.contains(region_code) for region in reviewer_regions(user))


@transaction.atomic
def claim_decide(
    *, claim: EnterpriseClaim, reviewer: User, accept: bool, reason: str = ""
) -> EnterpriseClaim:
    """A reviewer of the enterprise's region accepts or rejects a claim."""
    claim = claim_lock(claim.pk)
    if claim.status != EnterpriseClaim.Status.PENDING:
        raise ApplicationError(
            _("This claim has already been decided."), code="decided"
        )
    if not reviewer_covers(reviewer, claim.enterprise.region_id):
        raise ApplicationError(
            _("Only a reviewer of the enterprise's region can decide this claim."),
            code="region",
        )
    if claim.claimant_id == reviewer.pk:
        raise ApplicationError(_("Nobody can decide their own claim."), code="own")
    reason = reason.strip()
    if not accept and not reason:
        raise ApplicationError(
            _("Say why the claim is rejected; the applicant will see it."),
            field="reason",
        )
    if accept:
        enterprise_lock(claim.enterprise_id)
        if enterprise_has_owner(claim.enterprise):
            raise ApplicationError(
                _("The enterprise already has an owner."), code="claimed"
            )
        membership_grant(
            user=claim.claimant,
            role=Role.APPLICANT,
            organisation=claim.enterprise,
            granted_by=reviewer,
            is_owner=True,
        )
    claim.status = (
        EnterpriseClaim.Status.ACCEPTED if accept else EnterpriseClaim.Status.REJECTED
    )
    claim.decided_at = timezone.now()
    claim.decided_by = reviewer
    claim.reason = reason
    claim.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    audit_event_record(
        action=actions.CLAIM_ACCEPTED if accept else actions.CLAIM_REJECTED,
        actor=reviewer,
        target=claim,
        before={"status": EnterpriseClaim.Status.PENDING},
        after={"status": claim.status, "reason": reason},
    )
    _claimant_notify(claim)
    return claim


def _claimant_notify(claim: EnterpriseClaim) -> None:
    """E-mail the claimant the decision, in their language, once it commits."""
    user = claim.claimant
    context = {
        "claim": claim,
        "accepted": claim.status == EnterpriseClaim.Status.ACCEPTED,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "contact": settings.SUPPORT_CONTACT,
    }
    with translation.override(user.language):
        subject = render_to_string(
            "enterprises/email/claim_decided_subject.txt", context
        ).strip()
        body = render_to_string("enterprises/email/claim_decided_body.txt", context)
    to = [user.email]
    transaction.on_commit(
        lambda: send_email.delay(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=body,
            to=to,
        )
    )


@transaction.atomic
def shareholder_add(
    *, enterprise: Enterprise, name: str, id_number: str, actor: User | None
) -> Shareholder:
    name = name.strip()
    if not name:
        raise ApplicationError(_("The name is required."), field="name")
    shareholder = Shareholder.objects.create(
        enterprise=enterprise,
        name=name,
        id_number_hash=hash_id_number(id_number) if id_number.strip() else "",
        id_number_masked=mask_id_number(id_number) if id_number.strip() else "",
    )
    audit_event_record(
        action=actions.SHAREHOLDER_ADDED,
        actor=actor,
        target=shareholder,
        after={
            "enterprise": enterprise.pk,
            "name": name,
            "id": shareholder.id_number_masked,
        },
    )
    return shareholder


@transaction.atomic
def shareholder_remove(*, shareholder: Shareholder, actor: User | None) -> None:
    audit_event_record(
        action=actions.SHAREHOLDER_REMOVED,
        actor=actor,
        target=shareholder,
        before={"name": shareholder.name, "id": shareholder.id_number_masked},
    )
    shareholder.delete()


@transaction.atomic
def declaration_save(
    *,
    enterprise: Enterprise,
    year: int,
    it_amount: Decimal,
    ai_amount: Decimal,
    actor: User,
    note: str = "",
    evidence_uploads: Iterable[UploadedFile] = (),
) -> InvestmentDeclaration:
    """Declare a year's IT and AI investment, or correct the declaration: a
    correction adds a new version and keeps the old one as history."""
    this_year = timezone.localdate().year
    if not FIRST_DECLARATION_YEAR <= year <= this_year:
        raise ApplicationError(
            _("The year must be between %(first)d and %(last)d.")
            % {"first": FIRST_DECLARATION_YEAR, "last": this_year},
            field="year",
        )
    for field, amount in (("it_amount", it_amount), ("ai_amount", ai_amount)):
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
            raise ApplicationError(_("Amounts cannot be negative."), field=field)
    if ai_amount > it_amount:
        raise ApplicationError(
            _("The AI part cannot be more than the IT investment it belongs to."),
            field="ai_amount",
        )
    current = declaration_current_lock(enterprise, year)
    version = 1
    before = None
    if current is not None:
        before = {
            "version": current.version,
            "it_amount": str(current.it_amount),
            "ai_amount": str(current.ai_amount),
        }
        current.superseded_at = timezone.now()
        current.save(update_fields=["superseded_at"])
        version = current.version + 1
    try:
        with transaction.atomic():
            declaration = InvestmentDeclaration.objects.create(
                enterprise=enterprise,
                year=year,
                version=version,
                it_amount=it_amount,
                ai_amount=ai_amount,
                note=note.strip(),
                declared_by=actor,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("Someone changed this declaration at the same time. Please try again."),
            code="conflict",
        ) from exc
    documents = [
        document_store(
            upload=upload,
            kind=Document.Kind.INVESTMENT_EVIDENCE,
            uploaded_by=actor,
            enterprise=enterprise,
        )
        for upload in evidence_uploads
    ]
    if current is not None and not documents:
        documents = list(current.evidence.all())
    declaration.evidence.set(documents)
    audit_event_record(
        action=actions.DECLARATION_CORRECTED
        if current
        else actions.DECLARATION_SUBMITTED,
        actor=actor,
        target=declaration,
        before=before,
        after={
            "year": year,
            "version": version,
            "it_amount": str(it_amount),
            "ai_amount": str(ai_amount),
            "evidence": [d.pk for d in documents],
        },
    )
    return declaration


@transaction.atomic
def sensitive_value_reveal(
    *, target: Enterprise | Provider | Shareholder, field: str, actor: User
) -> str:
    """Return a masked value in full, and record who saw it."""
    value = getattr(target, field)
    audit_event_record(
        action=actions.SENSITIVE_VALUE_REVEALED,
        actor=actor,
        target=target,
        after={"field": field},
    )
    return value
