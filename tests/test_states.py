"""The state maps: each names only statuses its model has, refuses a move
it does not list with the labels of both statuses, and moves the object."""

import pytest
from django.utils import translation

from config.exceptions import ApplicationError
from config.states import StateMap
from enterprises.services.providers import PROVIDER_STATES
from vouchers.models import (
    APPLICATION_STATES,
    PROGRAM_STATES,
    VOUCHER_STATES,
    Application,
)

FINAL = [
    (APPLICATION_STATES, ("approved", "rejected", "withdrawn")),
    (PROGRAM_STATES, ("archived",)),
    (VOUCHER_STATES, ("expired", "revoked")),
    (PROVIDER_STATES, ("removed",)),
]


@pytest.mark.parametrize(("state_map", "final"), FINAL)
def test_final_statuses_allow_no_move_and_the_others_some(state_map, final):
    for status in state_map.statuses.values:
        assert bool(state_map.next_statuses(status)) == (status not in final), status


def test_a_map_naming_an_unknown_status_is_refused_when_declared():
    with pytest.raises(ValueError, match="unknown statuses"):
        StateMap(
            statuses=Application.Status,
            transitions={"draft": frozenset({"sent"})},
            refusal="%(from)s %(to)s",
        )


def test_a_refused_move_names_both_statuses_and_changes_nothing():
    application = Application(status=Application.Status.APPROVED)
    with translation.override("en"), pytest.raises(ApplicationError) as info:
        APPLICATION_STATES.move(application, Application.Status.SUBMITTED)
    assert info.value.code == "transition"
    assert info.value.message == (
        "An application that is Approved cannot become Submitted."
    )
    assert application.status == Application.Status.APPROVED


def test_an_allowed_move_sets_the_status_and_returns_the_one_before():
    application = Application(status=Application.Status.DRAFT)
    before = APPLICATION_STATES.move(application, Application.Status.SUBMITTED)
    assert before == Application.Status.DRAFT
    assert application.status == Application.Status.SUBMITTED
