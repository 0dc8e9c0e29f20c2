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
