"""config.client_ip: the one reading of the client's address, with and
without trusted proxies, and every API throttle asking it."""

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from config.client_ip import ClientIpThrottleMixin, client_ip


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),
        ("2001:db8::1", "198.51.100.7, 10.0.0.1", "2001:db8::1"),
        ("not-an-ip", "198.51.100.7", None),
        ("", None, None),
    ],
    ids=["plain", "header-ignored", "ipv6-header-ignored", "garbage", "empty"],
)
def test_without_a_trusted_proxy_the_address_is_remote_addr(
    settings, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(remote, forwarded)) == expected


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # One proxy appends what it received the request from.
        (1, "10.0.0.1", "198.51.100.7", "198.51.100.7"),
        # A client that writes its own header: its hops stay to the left.
        (1, "10.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.1", "6.6.6.6,1.2.3.4 ,  198.51.100.7", "198.51.100.7"),
        # Two proxies: the load balancer's hop is trusted too.
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        # Ports and IPv6 brackets are taken off; IPv6 is normalised.
        (1, "10.0.0.1", "198.51.100.7:51234", "198.51.100.7"),
        (1, "10.0.0.1", "[2001:DB8:0::9]:443", "2001:db8::9"),
        (1, "10.0.0.1", "2001:db8::9", "2001:db8::9"),
        # Past the proxy, with no header: the connection's own address.
        (1, "203.0.113.5", None, "203.0.113.5"),
        (2, "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        # A hop that is not an address falls back to the connection's.
        (1, "10.0.0.1", "6.6.6.6, unknown", "10.0.0.1"),
        (1, "10.0.0.1", " , ", "10.0.0.1"),
    ],
)
def test_behind_proxies_the_address_is_the_right_most_untrusted_hop(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(_request(remote, forwarded)) == expected


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )


def test_every_api_throttle_buckets_clients_by_client_ip(settings):
    throttles = {
        throttle
        for view in _views(get_resolver().url_patterns)
        if view is not None
        for throttle in getattr(view, "throttle_classes", ())
    }

    assert throttles, "no throttled API view found"
    assert [t for t in throttles if not issubclass(t, ClientIpThrottleMixin)] == []
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request("10.0.0.1", "6.6.6.6, 198.51.100.7")
    for throttle in throttles:
        assert throttle.get_ident(throttle.__new__(throttle), request) == "198.51.100.7"
