from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError


@transaction.atomic
def user_update_profile(*, user, full_name: str, language: str):
    """Change the user's name and preferred language."""
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError("unknown language", field="language")
    before = {"full_name": user.full_name, "language": user.language}
    after = {"full_name": full_name.strip(), "language": language}
    if before == after:
        return user
    user.full_name = after["full_name"]
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "language"])
    audit_event_record(
        action=actions.USER_PROFILE_UPDATED,
        actor=user,
        target=user,
        before=before,
        after=after,
    )
    return user


@transaction.atomic
def user_consent_record(*, user, client_ip: str | None = None) -> list:
    """Store that the user accepted the current user agreement and privacy
    notice (accounts.legal.VERSIONS); a version already accepted is not
    stored twice."""
    from .legal import VERSIONS
    from .models import Consent

    now = timezone.now()
    made = []
    for document, version in VERSIONS.items():
        consent, created = Consent.objects.get_or_create(
            user=user,
            document=document,
            version=version,
            defaults={"accepted_at": now, "client_ip": client_ip or None},
        )
        if created:
            made.append(consent)
    if made:
        audit_event_record(
            action=actions.USER_CONSENTED,
            actor=user,
            target=user,
            after={c.document: c.version for c in made},
        )
    return made
