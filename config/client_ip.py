"""The client's address: one function for the login rate limits (allauth),
the API throttles (DRF) and the audit trail.

With no trusted proxy configured (``TRUSTED_PROXY_COUNT = 0``, the default)
it is REMOTE_ADDR and X-Forwarded-For is ignored: any client can write that
header. Behind N proxies that each append the address they received the
request from to X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), the
hops are ``X-Forwarded-For + [REMOTE_ADDR]`` and the last N of them are the
proxies themselves; the client is the hop just before them, the right-most
one no trusted proxy wrote. Everything further left was sent by the client
and may be forged. A request with fewer hops than that (one that reached the
application past a proxy) is answered with the left-most hop there is.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

logger = logging.getLogger(__name__)


def _address(text: str) -> str | None:
    """``text`` as a normalised IP address, with a port or IPv6 brackets
    taken off (``203.0.113.5:4711``, ``[2001:db8::1]:443``); None when it is
    not an address (``unknown``, empty)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    return max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0))


def client_ip(request: HttpRequest | Request) -> str | None:
    """The address the request came from, as the deployment's trusted
    proxies report it (module docstring); None when there is no usable
    address."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = trusted_proxy_count()
    if not proxies:
        return _address(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()] + [remote]
    hop = hops[max(0, len(hops) - 1 - proxies)]
    address = _address(hop)
    if address is None:
        # A trusted proxy writes only addresses: the configured count does
        # not match the proxies in front, or one of them is misconfigured.
        logger.warning(
            "X-Forwarded-For hop %r is not an address (TRUSTED_PROXY_COUNT=%s); "
            "using REMOTE_ADDR",
            hop[:64],
            proxies,
        )
        return _address(remote)
    return address


class ClientIpThrottleMixin:
    """For DRF throttles: ``get_ident`` (the per-client bucket) is
    ``client_ip``, not DRF's own reading of X-Forwarded-For. Every throttle
    of the project's API takes it (a test walks the URLconf)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or "unknown"


__all__ = ["ClientIpThrottleMixin", "client_ip", "trusted_proxy_count"]
