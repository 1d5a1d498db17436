from __future__ import annotations

import itertools

import pytest

from ringback.domain import errors
from ringback.domain.states import (
    OPEN_STATES,
    TERMINAL_STATES,
    Event,
    State,
    is_open,
    transition,
)

S, E = State, Event

# Written from ARCHITECTURE.md §2, independently of states.TRANSITIONS: every legal move.
EXPECTED: dict[tuple[State, Event], State] = {
    (S.SCHEDULED, E.DUE): S.WAITING,
    (S.SCHEDULED, E.RESCHEDULE_LATER): S.SCHEDULED,
    (S.SCHEDULED, E.RESCHEDULE_NOW): S.WAITING,
    (S.SCHEDULED, E.RESERVE): S.RESERVED,
    (S.SCHEDULED, E.REJECT_NUMBER): S.FAILED,
    (S.SCHEDULED, E.CANCEL): S.CANCELLED,
    (S.SCHEDULED, E.EXPIRE): S.EXPIRED,
    (S.WAITING, E.RESCHEDULE_LATER): S.SCHEDULED,
    (S.WAITING, E.RESCHEDULE_NOW): S.WAITING,
    (S.WAITING, E.CLAIM): S.DISPATCHING,
    (S.WAITING, E.OFFER): S.OFFERED,  # UCCX reports REQUESTED/QUEUED on a waiting record
    (S.WAITING, E.RESERVE): S.RESERVED,
    (S.WAITING, E.GIVE_UP): S.FAILED,
    # a late outcome of a rescued attempt (its dial key is still current) is honoured
    (S.WAITING, E.COMPLETE): S.COMPLETED,
    (S.WAITING, E.RETRY): S.WAITING,
    (S.WAITING, E.REJECT_NUMBER): S.FAILED,
    (S.WAITING, E.CANCEL): S.CANCELLED,
    (S.WAITING, E.EXPIRE): S.EXPIRED,
    (S.DISPATCHING, E.RESCUE): S.WAITING,
    (S.DISPATCHING, E.OFFER): S.OFFERED,
    (S.DISPATCHING, E.RESERVE): S.RESERVED,
    (S.DISPATCHING, E.DIAL): S.DIALING,
    (S.DISPATCHING, E.COMPLETE): S.COMPLETED,
    (S.DISPATCHING, E.RETRY): S.WAITING,
    (S.DISPATCHING, E.GIVE_UP): S.FAILED,
    (S.DISPATCHING, E.REJECT_NUMBER): S.FAILED,
    (S.OFFERED, E.OFFER): S.OFFERED,
    (S.OFFERED, E.RESERVE): S.RESERVED,
    (S.OFFERED, E.DIAL): S.DIALING,
    (S.OFFERED, E.COMPLETE): S.COMPLETED,
    (S.OFFERED, E.RETRY): S.WAITING,
    (S.OFFERED, E.GIVE_UP): S.FAILED,
    (S.OFFERED, E.REJECT_NUMBER): S.FAILED,
    (S.OFFERED, E.CANCEL): S.CANCELLED,
    (S.RESERVED, E.RELEASE): S.WAITING,
    (S.RESERVED, E.DIAL): S.DIALING,
    (S.RESERVED, E.COMPLETE): S.COMPLETED,
    (S.RESERVED, E.RETRY): S.WAITING,
    (S.RESERVED, E.GIVE_UP): S.FAILED,
    (S.RESERVED, E.REJECT_NUMBER): S.FAILED,
    (S.RESERVED, E.CANCEL): S.CANCELLED,
    (S.DIALING, E.COMPLETE): S.COMPLETED,
    (S.DIALING, E.RETRY): S.WAITING,
    (S.DIALING, E.GIVE_UP): S.FAILED,
    (S.DIALING, E.REJECT_NUMBER): S.FAILED,
}

ALL_PAIRS = list(itertools.product(State, Event))
LEGAL = [pair for pair in ALL_PAIRS if pair in EXPECTED]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in EXPECTED]


def _id(pair: tuple[State, Event]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def test_the_cross_product_is_covered() -> None:
    assert len(ALL_PAIRS) == len(State) * len(Event) == 150
    assert len(LEGAL) == len(EXPECTED) == 45
    assert len(ILLEGAL) == 105


@pytest.mark.parametrize("pair", LEGAL, ids=_id)
def test_a_legal_move_reaches_the_expected_state(pair: tuple[State, Event]) -> None:
    state, event = pair
    assert transition(state, event) is EXPECTED[pair]


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_any_other_move_is_an_illegal_transition(pair: tuple[State, Event]) -> None:
    state, event = pair
    with pytest.raises(errors.IllegalTransition) as raised:
        transition(state, event)
    assert raised.value.details == {"state": state.value, "event": event.value}
    assert state.value in raised.value.message
    assert isinstance(raised.value, errors.Conflict)


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES), ids=str)
@pytest.mark.parametrize("event", list(Event), ids=str)
def test_terminal_states_absorb(state: State, event: Event) -> None:
    with pytest.raises(errors.IllegalTransition):
        transition(state, event)


def test_open_and_terminal_states_partition_the_states() -> None:
    assert {S.COMPLETED, S.FAILED, S.CANCELLED, S.EXPIRED} == TERMINAL_STATES
    assert set(State) == OPEN_STATES | TERMINAL_STATES
    assert not OPEN_STATES & TERMINAL_STATES
    assert [s for s in State if is_open(s)] == [
        S.SCHEDULED,
        S.WAITING,
        S.DISPATCHING,
        S.OFFERED,
        S.RESERVED,
        S.DIALING,
    ]


def test_in_flight_dials_and_live_calls_cannot_be_cancelled() -> None:
    for state in (S.DISPATCHING, S.DIALING):
        with pytest.raises(
            errors.IllegalTransition, match=f"cannot cancel a callback that is {state.value}"
        ):
            transition(state, E.CANCEL)
