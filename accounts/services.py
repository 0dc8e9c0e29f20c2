from django.conf import settings
from django.db import transaction

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
