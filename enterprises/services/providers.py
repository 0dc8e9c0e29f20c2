"""Provider onboarding (服务商入库) and the program manager's decisions on it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from config.states import TRANSITION, StateMap

from ..filings import validate_filing_number
from ..lock_objects import offering_lock, provider_lock
from ..models import Document, Offering, Provider
from .memberships import membership_grant
from .register import checked_uscc, document_store

S = Provider.Status

# Allowed next statuses, and who moves the provider there.
#   applied   → approved | rejected     (program manager)
#   approved  → suspended               (program manager)
#   suspended → approved (reinstated) | removed   (program manager)
#   rejected  → applied                 (provider staff, after correcting)
PROVIDER_STATES = StateMap(
    statuses=Provider.Status,
    transitions={
        S.APPLIED: frozenset({S.APPROVED, S.REJECTED}),
        S.APPROVED: frozenset({S.SUSPENDED}),
        S.SUSPENDED: frozenset({S.APPROVED, S.REMOVED}),
        S.REJECTED: frozenset({S.APPLIED}),
    },
    refusal=gettext_lazy("A provider that is %(from)s cannot become %(to)s."),
)
NEEDS_REASON = frozenset({S.REJECTED, S.SUSPENDED, S.REMOVED})
EDITABLE = frozenset({S.APPLIED, S.REJECTED})
PROVIDER_FIELDS = (
    "name",
    "legal_representative",
    "registered_address",
    "contact_phone",
    "offers_compute",
    "offers_model",
    "facility",
)


def _clean(data: dict) -> dict:
    cleaned = {k: data.get(k) for k in PROVIDER_FIELDS if k in data}
    if not cleaned.get("offers_compute") and not cleaned.get("offers_model"):
        raise ApplicationError(
            _("Choose at least one kind of service: compute or model."),
            field="offers_compute",
        )
    if cleaned.get("offers_compute"):
        if cleaned.get("facility") not in (
            Provider.Facility.DOMESTIC,
            Provider.Facility.OTHER,
        ):
            raise ApplicationError(
                _("Say whether your compute runs on a domestic or another facility."),
                field="facility",
            )
    else:
        cleaned["facility"] = ""
    return cleaned


@transaction.atomic
def provider_apply(
    *, user: User, uscc: str, data: dict, licence_upload: UploadedFile
) -> Provider:
    """Provider staff apply to be listed; the applicant becomes its staff."""
    uscc = checked_uscc(uscc)
    cleaned = _clean(data)
    if Provider.objects.filter(uscc=uscc).exists():
        raise ApplicationError(
            _(
                "This provider is already registered. Ask a colleague who manages it "
                "on this platform to add you."
            ),
            field="uscc",
            code="duplicate",
        )
    try:
        with transaction.atomic():
            provider = Provider.objects.create(uscc=uscc, status=S.APPLIED, **cleaned)
    except IntegrityError as exc:
        raise ApplicationError(
            _("This provider is already registered."), field="uscc", code="duplicate"
        ) from exc
    membership_grant(
        user=user, role=Role.PROVIDER_STAFF, organisation=provider, granted_by=user
    )
    document_store(
        upload=licence_upload,
        kind=Document.Kind.PROVIDER_LICENCE,
        uploaded_by=user,
        provider=provider,
    )
    audit_event_record(
        action=actions.PROVIDER_APPLIED,
        actor=user,
        target=provider,
        after={"uscc": uscc, "status": provider.status, **_snapshot(provider)},
    )
    return provider


def _snapshot(provider: Provider) -> dict:
    return {k: getattr(provider, k) for k in PROVIDER_FIELDS if k != "contact_phone"}


@transaction.atomic
def provider_update(*, provider: Provider, data: dict, actor: User | None) -> Provider:
    """Staff correct their application while it is applied or rejected;
    a rejected provider goes back to the review queue."""
    provider = provider_lock(provider.pk)
    if provider.status not in EDITABLE:
        raise ApplicationError(
            _("An approved provider's profile is changed by the program office."),
            code="locked",
        )
    cleaned = _clean(data)
    before = _snapshot(provider)
    for key, value in cleaned.items():
        setattr(provider, key, value)
    provider.save()
    audit_event_record(
        action=actions.PROVIDER_UPDATED,
        actor=actor,
        target=provider,
        before=before,
        after=_snapshot(provider),
    )
    if provider.status == S.REJECTED:
        provider_set_status(provider=provider, to_status=S.APPLIED, actor=actor)
    return provider


@transaction.atomic
def provider_set_status(
    *, provider: Provider, to_status: str, actor: User | None, reason: str = ""
) -> Provider:
    """Move a provider along its pipeline (see PROVIDER_STATES)."""
    provider = provider_lock(provider.pk)
    if to_status not in S.values:
        raise ApplicationError(_("Unknown status."), code=TRANSITION)
    PROVIDER_STATES.check(provider.status, to_status)
    reason = reason.strip()
    if to_status in NEEDS_REASON and not reason:
        raise ApplicationError(
            _("Give the reason; the provider will see it."), field="reason"
        )
    from_status = PROVIDER_STATES.move(provider, to_status)
    provider.status_reason = reason
    provider.status_changed_at = timezone.now()
    provider.status_changed_by = actor
    provider.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "updated_at",
        ]
    )
    audit_event_record(
        action=actions.PROVIDER_STATUS_CHANGED,
        actor=actor,
        target=provider,
        before={"status": from_status},
        after={"status": to_status, "reason": reason},
    )
    return provider


@transaction.atomic
def offering_add(*, provider: Provider, data: dict, actor: User | None) -> Offering:
    kind = data.get("kind")
    if kind not in Offering.Kind.values:
        raise ApplicationError(_("Choose a kind."), field="kind")
    if kind == Offering.Kind.COMPUTE and not provider.offers_compute:
        raise ApplicationError(
            _("This provider is not registered for compute services."), field="kind"
        )
    if kind == Offering.Kind.MODEL and not provider.offers_model:
        raise ApplicationError(
            _("This provider is not registered for model services."), field="kind"
        )
    filing_number = ""
    if kind == Offering.Kind.MODEL:
        if not (data.get("model_name") or "").strip():
            raise ApplicationError(_("Name the model."), field="model_name")
        if not (data.get("filing_number") or "").strip():
            raise ApplicationError(
                _(
                    "Model services need the model's filing number with the "
                    "Cyberspace Administration (网信办备案号)."
                ),
                field="filing_number",
            )
        try:
            filing_number = validate_filing_number(data["filing_number"])
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="filing_number") from exc
    price = data.get("list_price")
    if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
        raise ApplicationError(
            _("The list price must be more than zero."), field="list_price"
        )
    if (
        data.get("unit") == Offering.Unit.OTHER
        and not (data.get("unit_other") or "").strip()
    ):
        raise ApplicationError(_("Name the unit."), field="unit_other")
    offering = Offering.objects.create(
        provider=provider,
        kind=kind,
        name=data["name"].strip(),
        unit=data["unit"],
        unit_other=(data.get("unit_other") or "").strip(),
        list_price=price,
        model_name=(data.get("model_name") or "").strip()
        if kind == Offering.Kind.MODEL
        else "",
        filing_number=filing_number,
    )
    audit_event_record(
        action=actions.OFFERING_ADDED,
        actor=actor,
        target=offering,
        after={
            "provider": provider.pk,
            "kind": kind,
            "name": offering.name,
            "unit": offering.unit,
            "list_price": str(price),
            "filing_number": offering.filing_number,
        },
    )
    return offering


@transaction.atomic
def offering_withdraw(*, offering: Offering, actor: User | None) -> Offering:
    offering = offering_lock(offering.pk)
    if not offering.is_active:
        return offering
    offering.is_active = False
    offering.save(update_fields=["is_active"])
    audit_event_record(
        action=actions.OFFERING_WITHDRAWN,
        actor=actor,
        target=offering,
        before={"is_active": True},
        after={"is_active": False},
    )
    return offering
