"""A per-client counter for public forms (the report verify page): at most
``limit`` hits per ``window`` seconds per key, in the shared cache."""

from __future__ import annotations

from django.core.cache import cache


def over_limit(key: str, *, limit: int, window: int) -> bool:
    """Count one hit of ``key``; True when this hit is past the limit."""
    name = f"rate:{key}"
    if cache.add(name, 1, timeout=window):
        return False
    try:
        return cache.incr(name) > limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window)
        return False
