from decimal import Decimal, InvalidOperation

from django import template

from enterprises.models import Provider

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """A provider status code as its label in the current language."""
    if value in Provider.Status.values:
        return Provider.Status(value).label
    return value or ""


@register.filter
def yuan(value) -> str:
    """A Decimal amount with thousands separators and two places: 1,234,567.80."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
