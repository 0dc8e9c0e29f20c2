from decimal import Decimal, InvalidOperation

from django import template

from config.formats import colon, join_list
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


@register.filter
def unit_price(value) -> str:
    """A list price: at least two decimal places, more only when they matter
    (9.8000 → 9.80; 0.0040 → 0.004)."""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{int(whole):,}." + frac.ljust(2, "0")


@register.filter(name="join_list")
def join_list_filter(items) -> str:
    """存储、网络、安全 (config.formats.join_list)."""
    return join_list(items)


@register.simple_tag(name="colon")
def colon_tag() -> str:
    """The colon between a label and its value (config.formats.colon)."""
    return colon()
