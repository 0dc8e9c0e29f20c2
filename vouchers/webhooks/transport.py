"""Sending one delivery: an HTTPS POST to a public address, nothing else.

A webhook URL is typed by a provider, so the server must not become a way
into the department's own network (server-side request forgery). The rule,
checked when an endpoint is registered and again on every attempt:

- HTTPS only, no user name or password in the URL;
- every address the host name resolves to is a public (global) address;
  loopback, private, link-local (cloud metadata), multicast and reserved
  ranges are refused, unless ``WEBHOOK_ALLOW_PRIVATE_HOSTS`` is on (tests,
  a closed network);
- the connection goes to the address that was checked (the TLS certificate
  is verified against the host name), so a DNS answer that changes between
  the check and the connection cannot redirect it;
- redirects are not followed: a 3xx answer is a failed attempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError

from .. import error_codes

# What is read of the receiver's answer (it is not used, only drained).
ANSWER_READ_MAX = 4096


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, field="url", code=error_codes.WEBHOOK_URL)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def destination(url: str) -> Destination:
    """The checked destination of ``url``, or ApplicationError (field "url")
    saying what is wrong with it."""
    parts = urlsplit((url or "").strip())
    if parts.scheme != "https" or not parts.hostname:
        raise _refuse(_("Give an HTTPS address (https://…): deliveries are encrypted."))
    if parts.username or parts.password:
        raise _refuse(
            _(
                "Leave the user name and password out of the address: deliveries are signed instead."
            )
        )
    try:
        port = parts.port or 443
    except ValueError:
        raise _refuse(
            _("The port in this address is not a number from 1 to 65535.")
        ) from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refuse(
            _("The host %(host)s cannot be found (DNS). Check the address.")
            % {"host": parts.hostname}
        ) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and not all(map(_public, addresses)):
        raise _refuse(
            _(
                "The host %(host)s is on a private or reserved network; give an address that is reachable from the internet."
            )
            % {"host": parts.hostname}
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Destination(host=parts.hostname, port=port, path=path, addresses=addresses)


def _context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.WEBHOOK_CA_FILE or None)


class _PinnedConnection(http.client.HTTPSConnection):
    """An HTTPS connection to ``address`` that verifies the certificate of
    ``host`` (server name indication and the Host header stay the host's)."""

    def __init__(self, host: str, port: int, address: str, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``; the answer's status code, or the reason no
    answer came (never raises for the network's sake)."""
    try:
        target = destination(url)
    except ApplicationError as exc:
        return Answer(None, str(exc.message))
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    error = ""
    for address in target.addresses:
        connection = _PinnedConnection(
            target.host, target.port, address, timeout=timeout, context=_context()
        )
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(ANSWER_READ_MAX)
            return Answer(response.status)
        except ssl.SSLError as exc:
            error = f"TLS: {exc.reason or exc}"
        except TimeoutError:
            error = f"timed out after {timeout} s"
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc.strerror or exc}"
        except http.client.HTTPException as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
    return Answer(None, error[:500])
