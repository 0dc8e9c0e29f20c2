from django import template
from django.utils.translation import gettext as _

from audits.actions import label
from audits.services import SYSTEM_LABEL

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return label(action)


@register.filter
def actor(actor_label: str) -> str:
    """Who acted, as stored; the system's own actions read as 系统."""
    return _("system") if actor_label == SYSTEM_LABEL else actor_label


@register.filter
def actor_name(event) -> str:
    """Who acted, by name, on pages outside the audit trail (which shows the
    stored label, the e-mail): the user's full name when they gave one;
    else the stored label; the system's own actions read as 系统. Lists
    select ``actor`` with their events."""
    if event.actor_label == SYSTEM_LABEL:
        return _("system")
    user = event.actor
    if user is not None and user.full_name:
        return user.full_name
    return event.actor_label
