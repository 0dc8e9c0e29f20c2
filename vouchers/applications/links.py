"""Where a visitor goes on from a program page or a self-check result to
apply for a program, carrying the contract figures already typed.

The figures travel in the query string of ``applications:new``
(``?program=HZ-COMPUTE-2026&amount=400000.00&…``): they are what the visitor
typed, nothing secret, and a query string survives sign-up (allauth's
``next``) without any state on the server. The application's contract step
shows them as its first values (``carried_contract``); its form checks them
like anything typed.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.urls import reverse

from accounts.permissions import user_roles
from accounts.roles import Role

# The self-check's contract fields that the contract step has too.
CARRIED_FIELDS = ("signed_on", "term_months", "amount", "year_contract_total")
_CARRIED_VALUE = re.compile(r"^[0-9][0-9.\-]{0,19}$")


def carried_contract(query) -> dict[str, str]:
    """The carried figures of ``query`` (a QueryDict or dict) that look
    like a date, a number or an amount; anything else is left out."""
    values = {}
    for name in CARRIED_FIELDS:
        value = str(query.get(name, "")).strip().replace(",", "")
        if _CARRIED_VALUE.match(value):
            values[name] = value
    return values


def application_start_url(program_code: str, figures: dict | None = None) -> str:
    query = {"program": program_code, **carried_contract(figures or {})}
    return f"{reverse('applications:new')}?{urlencode(query)}"


def apply_links(user, program_code: str, figures: dict | None = None) -> dict | None:
    """How ``user`` goes on to apply: {"kind", "url", "login_url"}. An
    anonymous visitor signs up (or signs in) and lands on the new
    application; an applicant starts it; a signed-in user with no role
    claims an enterprise first; other roles do not apply (None)."""
    start = application_start_url(program_code, figures)
    if not getattr(user, "is_authenticated", False):
        return {
            "kind": "signup",
            "url": f"{reverse('account_signup')}?{urlencode({'next': start})}",
            "login_url": f"{reverse('account_login')}?{urlencode({'next': start})}",
        }
    roles = user_roles(user)
    if Role.APPLICANT in roles:
        return {"kind": "apply", "url": start, "login_url": ""}
    if not roles:
        return {"kind": "claim", "url": reverse("enterprises:claim"), "login_url": ""}
    return None
