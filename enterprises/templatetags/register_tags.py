from django import template

from enterprises.models import Provider

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """A provider status code as its label in the current language."""
    if value in Provider.Status.values:
        return Provider.Status(value).label
    return value or ""
