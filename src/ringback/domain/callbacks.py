"""The callback request and the record of each change it went through."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ringback.domain import errors, retry
from ringback.domain.states import Event, Reason, State, is_open, transition


def check_aware(value: datetime | None, field_name: str) -> None:
    """Refuse a naive datetime: every instant in ringback carries its offset."""
    if value is not None and value.utcoffset() is None:
        raise errors.Invalid(f"{field_name} must carry a time zone", field=field_name)


@dataclass(frozen=True, slots=True)
class Lease:
    """The dispatcher's hold on a callback: who, which fencing token, until when."""

    owner: str
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UccxFields:
    """What a UCCX script hands over with addrecord and needs back on send-back."""

    dnis: str = ""
    origin_csq: str = ""
    session_id: str = ""
    impl_id: str = ""
    contact_id: str = ""
    custom_vars: tuple[str, ...] = ("", "", "", "", "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Callback:
    """One request to call a customer back, through every state of its life."""

    #: internal identity, shown by GMS, XiVO and the native API
    id: UUID
    queue_id: int
    customer_number: str
    state: State
    created_at: datetime
    updated_at: datetime
    #: client-chosen identity (UCCX `id`, Ameyo customerCallbackId), unique when set
    external_id: str | None = None
    list_id: UUID | None = None
    period_id: UUID | None = None
    alternate_number: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    description: str = ""
    customer_id: str = ""
    language: str = ""
    prompt: str = ""
    uccx: UccxFields = UccxFields()
    #: free key/values: GMS keys without `_`, Ameyo info
    properties: dict[str, Any] = field(default_factory=dict)
    #: when the caller entered the queue (keeps the place in line)
    queue_start_time: datetime | None = None
    desired_time: datetime | None = None
    due_date: date | None = None
    #: when the dispatcher should next look at it (desired time, retry time)
    next_action_at: datetime | None = None
    expires_at: datetime | None = None
    #: optimistic-locking counter, raised by every stored change
    version: int = 0
    attempts: int = 0
    #: rises after each definite failure; the dial key is `<id>:<slot>`
    slot: int = 0
    lease: Lease | None = None
    owner_agent_id: int | None = None
    self_callback: bool = False
    reason: Reason | None = None
    #: the last status the telephony side reported in its own words (UCCX REQUESTED, QUEUED...)
    telephony_status: str | None = None
    completed_at: datetime | None = None
    created_by: str = ""

    def __post_init__(self) -> None:
        for name in ("created_at", "updated_at", "queue_start_time", "desired_time",
                     "next_action_at", "expires_at", "completed_at"):  # fmt: skip
            check_aware(getattr(self, name), name)

    @property
    def dial_key(self) -> str:
        """Return the key that identifies the current attempt to the far side."""
        return f"{self.id}:{self.slot}"

    @property
    def is_open(self) -> bool:
        """Tell whether the callback still waits for an outcome."""
        return is_open(self.state)

    def evolve(self, **changes: Any) -> Callback:
        """Return a copy with `changes` applied."""
        return dataclasses.replace(self, **changes)

    def apply(self, event: Event, *, now: datetime, **changes: Any) -> Callback:
        """Return the callback moved by `event` (raises IllegalTransition), with `changes`."""
        target = transition(self.state, event)
        return self.evolve(state=target, updated_at=now, **changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChange:
    """One line of the event log: who moved which callback from where to where, and why."""

    callback_id: UUID
    at: datetime
    actor: str
    event: str
    from_state: State | None
    to_state: State
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    queue_id: int | None = None
    id: int | None = None


def record(
    before: Callback | None, after: Callback, *, event: str, actor: str, **detail: Any
) -> StateChange:
    """Describe the change from `before` to `after` as an event-log line."""
    return StateChange(
        callback_id=after.id,
        at=after.updated_at,
        actor=actor,
        event=event,
        from_state=before.state if before else None,
        to_state=after.state,
        reason=after.reason.value if after.reason else None,
        detail=detail,
        queue_id=after.queue_id,
    )


def fail_attempt(
    callback: Callback,
    policy: retry.RetryPolicy,
    *,
    reason: Reason,
    now: datetime,
    spread: float,
    same_key: bool = False,
) -> Callback:
    """Return the callback after a failed attempt: waiting for the next one, or finished.

    The next attempt takes the next slot (a new dial key) unless `same_key`: after an
    ambiguous failure the far side may have the request, so it must be able to drop a repeat.
    """
    attempts = callback.attempts + 1
    decision = retry.after_failure(policy, attempts=attempts, reason=reason, now=now, spread=spread)
    if decision.next_attempt_at is None:
        return callback.apply(
            decision.event, now=now, attempts=attempts, reason=decision.reason,
            completed_at=now, lease=None,
        )  # fmt: skip
    return callback.apply(
        decision.event, now=now, attempts=attempts, reason=decision.reason,
        slot=callback.slot if same_key else callback.slot + 1,
        next_action_at=decision.next_attempt_at, lease=None, owner_agent_id=None,
    )  # fmt: skip
