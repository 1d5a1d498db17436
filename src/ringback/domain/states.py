"""The callback's life as one transition table.

Every state change goes through `transition(state, event)`; a pair that is not in the table is an
`IllegalTransition`. Events whose target depends on a decision (retry or give up, now or later)
are split into distinct events so that the table stays a plain mapping.
"""

from __future__ import annotations

from enum import StrEnum

from ringback.domain import errors


class State(StrEnum):
    """Canonical states of a callback (ARCHITECTURE.md §2)."""

    SCHEDULED = "scheduled"
    WAITING = "waiting"
    DISPATCHING = "dispatching"
    OFFERED = "offered"
    RESERVED = "reserved"
    DIALING = "dialing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Event(StrEnum):
    """Things that happen to a callback."""

    DUE = "due"  # a scheduled callback's time has come
    RESCHEDULE_LATER = "reschedule_later"
    RESCHEDULE_NOW = "reschedule_now"
    CLAIM = "claim"  # the dispatcher took it under a lease
    RESCUE = "rescue"  # the lease expired; hand it back (same dial key)
    OFFER = "offer"  # telephony accepted it / reports it requested or queued
    RESERVE = "reserve"  # an agent holds it
    RELEASE = "release"  # the agent let it go
    DIAL = "dial"  # the customer is being called
    COMPLETE = "complete"
    RETRY = "retry"  # an attempt failed; another is allowed
    GIVE_UP = "give_up"  # an attempt failed and none is left
    REJECT_NUMBER = "reject_number"  # the number cannot be dialled: never retried
    CANCEL = "cancel"
    EXPIRE = "expire"  # TTL or missed-callback policy "close"


S, E = State, Event
OPEN_STATES = frozenset({S.SCHEDULED, S.WAITING, S.DISPATCHING, S.OFFERED, S.RESERVED, S.DIALING})
TERMINAL_STATES = frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.EXPIRED})
IN_ATTEMPT = (S.DISPATCHING, S.OFFERED, S.RESERVED, S.DIALING)
NOT_STARTED = (S.SCHEDULED, S.WAITING)


def _edges(
    sources: tuple[State, ...], event: Event, target: State
) -> dict[tuple[State, Event], State]:
    return {(source, event): target for source in sources}


TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.SCHEDULED, E.DUE): S.WAITING,
    **_edges(NOT_STARTED, E.RESCHEDULE_LATER, S.SCHEDULED),
    **_edges(NOT_STARTED, E.RESCHEDULE_NOW, S.WAITING),
    (S.WAITING, E.CLAIM): S.DISPATCHING,
    (S.DISPATCHING, E.RESCUE): S.WAITING,
    # WAITING too: UCCX may report REQUESTED for an attempt the dispatcher had to hand back
    # (rescued or released with its dial key) or for a record its own script re-entered.
    **_edges((S.WAITING, S.DISPATCHING, S.OFFERED), E.OFFER, S.OFFERED),
    **_edges((*NOT_STARTED, S.DISPATCHING, S.OFFERED), E.RESERVE, S.RESERVED),
    (S.RESERVED, E.RELEASE): S.WAITING,
    **_edges((S.DISPATCHING, S.OFFERED, S.RESERVED), E.DIAL, S.DIALING),
    # WAITING too: a rescued attempt keeps its dial key, and its late outcome still counts.
    **_edges((*IN_ATTEMPT, S.WAITING), E.COMPLETE, S.COMPLETED),
    **_edges((*IN_ATTEMPT, S.WAITING), E.RETRY, S.WAITING),
    **_edges((*IN_ATTEMPT, S.WAITING), E.GIVE_UP, S.FAILED),
    **_edges((*NOT_STARTED, *IN_ATTEMPT), E.REJECT_NUMBER, S.FAILED),
    # In-flight dial requests (dispatching) and live calls (dialing) cannot be cancelled:
    # the far side may already be ringing the customer.
    **_edges((*NOT_STARTED, S.OFFERED, S.RESERVED), E.CANCEL, S.CANCELLED),
    **_edges(NOT_STARTED, E.EXPIRE, S.EXPIRED),
}


def transition(state: State, event: Event) -> State:
    """Return the state reached from `state` by `event`, or raise IllegalTransition."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise errors.IllegalTransition(
            f"cannot {event.value.replace('_', ' ')} a callback that is {state.value}",
            state=state.value,
            event=event.value,
        )
    return target


def is_open(state: State) -> bool:
    """Tell whether a callback in `state` still waits for an outcome."""
    return state in OPEN_STATES


class Reason(StrEnum):
    """Why a callback left an attempt or reached its end."""

    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # telephony error
    AGENT_ABANDONED = "agent_abandoned"
    IVR_FAILURE = "ivr_failure"
    TIMEOUT = "timeout"
    INVALID_NUMBER = "invalid_number"
    MAX_ATTEMPTS = "max_attempts"
    CANCELLED = "cancelled"
    TTL = "ttl"
    MISSED = "missed"
