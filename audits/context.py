"""Who and where a change comes from, carried through one request or task.

The middleware sets it for web requests; tasks and commands run as "system"
unless they set an actor. Services read it when they record an audit event,
so they need no request argument.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_ip: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)


def current_context() -> RequestContext | None:
    return _current.get()


def set_context(ctx: RequestContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex
