"""How lists and labels read in the active language: 存储、网络、安全 and
企业规模：小型 in Chinese (the enumeration comma, the full-width colon),
"storage, network" and "Size class: small" in English. Templates use them
as ``|join_list`` and ``{% colon %}`` (enterprises.templatetags
.register_tags). Amounts and rates are config.money.yuan / percent."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def join_list(items: Iterable[object]) -> str:
    separator = ", " if _english() else "、"
    return separator.join(str(item) for item in items)


def colon() -> str:
    """Between a label and its value: the full-width colon in Chinese."""
    return ": " if _english() else "："
