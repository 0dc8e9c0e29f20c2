"""One confirmation step for the decisions that move money.

A form that issues, pays or releases money is answered first with a page
that says what will happen, with the amount and what is left after it
(``confirmation``); the user's fields ride along as hidden inputs, and the
decision is carried out only when the page's button sends them back with
``confirmed=1``. "Back" sends them with ``back=1`` instead, and the view
shows its form again as it was filled in. The amount the user saw travels
with the form too, and the service refuses when it has changed meanwhile,
so what is confirmed is what happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import pgettext

from config.exceptions import ApplicationError

CONFIRMED = "confirmed"
BACK = "back"
# Never carried along: the token is rendered afresh, the two buttons are
# the page's own.
NOT_CARRIED = {"csrfmiddlewaretoken", CONFIRMED, BACK}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    strong: bool = False
    testid: str = ""


def is_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRMED) == "1"


def is_going_back(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(BACK) == "1"


class _WouldSucceed(Exception):
    pass


def refusal_of(call: Callable[[], object]) -> ApplicationError | None:
    """Run ``call`` (a service) in a savepoint that is always rolled back,
    before the confirmation page: the service's refusal, shown on the form
    at once, or None when it would go through. Nothing it writes survives,
    nor what it queued for the commit (mails, tasks: Django drops the
    callbacks of a rolled-back savepoint). For services that draw no
    numbers from a sequence the user would see (gaps)."""
    try:
        with transaction.atomic():
            call()
            raise _WouldSucceed
    except _WouldSucceed:
        return None
    except ApplicationError as exc:
        return exc


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    lead: str,
    facts: list[Fact],
    action: str,
    warning: str = "",
    rows: list[list[str]] | None = None,
    columns: list[str] | None = None,
    carry: dict[str, str] | None = None,
    breadcrumbs: list | None = None,
    back_label: str = "",
) -> HttpResponse:
    """The confirmation page for the POST being made: ``facts`` (amount,
    budget left, ...), optional ``rows`` under ``columns`` (one per item of
    a batch), a ``warning``, and the button ``action`` ("Issue 90,000.00
    yuan"). ``carry`` adds or replaces fields sent back (the amount shown).
    "Back" reads "Back to the form" unless the decision had nothing to fill
    in (confirming a charge), where ``back_label`` says where it leads
    ("Back to the charge")."""
    fields = [
        (name, value)
        for name in request.POST
        if name not in NOT_CARRIED and name not in (carry or {})
        for value in request.POST.getlist(name)
    ]
    fields += list((carry or {}).items())
    return render(
        request,
        "includes/confirm.html",
        {
            "title": title,
            "lead": lead,
            "facts": facts,
            "warning": warning,
            "rows": rows or [],
            "columns": columns or [],
            "action": action,
            "fields": fields,
            "breadcrumbs": breadcrumbs or [],
            "back_label": back_label or pgettext("confirmation", "Back to the form"),
        },
    )


__all__ = ["Fact", "confirmation", "is_confirmed", "is_going_back", "refusal_of"]
