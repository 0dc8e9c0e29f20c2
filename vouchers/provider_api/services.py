"""API keys: made and revoked by a provider's staff, each change audited.

A key is ``vpk_<prefix>_<secret>``: the prefix (8 characters) finds its
row, the SHA-256 digest of the whole key proves it; the key itself is shown
once and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError
from enterprises.models import Membership, Provider

from .. import error_codes
from ..models import IdempotentRequest, ProviderApiKey

SCHEME = "vpk"
NAME_MAX = 100
PREFIX_LENGTH = 8


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def provider_staff_or_refuse(user: User, provider: Provider) -> None:
    """Refuse unless the user is a staff member of the provider (the rule of
    every provider-side change: keys, webhooks, statements)."""
    if not Membership.objects.filter(
        user=user, provider=provider, role=Role.PROVIDER_STAFF
    ).exists():
        raise ApplicationError(
            _("You are not a staff member of this provider."),
            code=error_codes.NOT_A_MEMBER,
        )


_staff_or_refuse = provider_staff_or_refuse


@transaction.atomic
def api_key_create(
    *, provider: Provider, user: User, name: str
) -> tuple[ProviderApiKey, str]:
    """A new key for the provider; returns the row and the key (shown once)."""
    _staff_or_refuse(user, provider)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ApplicationError(
            _(
                "Name the key (at most %(n)d characters), e.g. after the system that uses it."
            )
            % {"n": NAME_MAX},
            field="name",
            code=error_codes.INVALID,
        )
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ProviderApiKey.objects.create(
        provider=provider, name=name, prefix=prefix, digest=digest(key), created_by=user
    )
    audit_event_record(
        action=actions.API_KEY_CREATED,
        actor=user,
        target=row,
        after={"provider": provider.uscc, "name": name, "prefix": prefix},
    )
    return row, key


@transaction.atomic
def api_key_revoke(*, key: ProviderApiKey, user: User) -> ProviderApiKey:
    """Revoke a key: it answers 401 from now on."""
    key = ProviderApiKey.objects.select_for_update().get(pk=key.pk)
    _staff_or_refuse(user, key.provider)
    if key.revoked_at is not None:
        raise ApplicationError(
            _("This key is already revoked."), code=error_codes.TRANSITION
        )
    key.revoked_at, key.revoked_by = timezone.now(), user
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit_event_record(
        action=actions.API_KEY_REVOKED,
        actor=user,
        target=key,
        before={"active": True},
        after={"active": False},
    )
    return key


def api_key_find(presented: str) -> ProviderApiKey | None:
    """The active key ``presented`` is, or None (compared in constant time)."""
    parts = (presented or "").split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME or len(parts[1]) != PREFIX_LENGTH:
        return None
    row = (
        ProviderApiKey.objects.select_related("provider", "created_by")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.digest, digest(presented)):
        return None
    return row


# How often last_used_at is written: not on every request of a busy key.
LAST_USED_RESOLUTION_SECONDS = 60


def api_key_touch(row: ProviderApiKey) -> None:
    """Record the key's use, at most once a minute per key, after the
    request's transaction: an UPDATE inside it would hold the key's row
    until commit and make every request of the key wait for the others."""
    now = timezone.now()
    stale = now - timedelta(seconds=LAST_USED_RESOLUTION_SECONDS)
    if row.last_used_at and row.last_used_at > stale:
        return
    row.last_used_at = now
    transaction.on_commit(
        lambda: ProviderApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=row.pk
        ).update(last_used_at=now)
    )


# Stored answers of idempotency keys are kept at least 30 days (the API's
# promise); the purge removes them a day after that.
IDEMPOTENCY_RETENTION = timedelta(days=31)


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - IDEMPOTENCY_RETENTION
    deleted, _by_model = IdempotentRequest.objects.filter(
        created_at__lt=cutoff
    ).delete()
    return deleted
