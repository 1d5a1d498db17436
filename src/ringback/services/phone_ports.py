"""The ports of xuc 1.0 phone control: what the use cases need from telephony and storage.

`PhoneControl` is an optional capability of a telephony adapter (the in-process simulator by
default); `PhoneStore` opens units of work reaching the lines, agent sessions, calls and the xuc
event outbox. The use cases themselves are in `services.phones`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ringback.domain.phones import AgentSession, Call, CallPlan, Forward, ForwardKind, PhoneState
from ringback.services.xuc_events import XucEventTransaction


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRequest:
    """A call the telephony side is asked to place."""

    src_number: str
    dst_number: str
    queue_id: int | None = None
    caller_id_name: str = ""
    caller_id_number: str = ""
    variables: dict[str, Any] = field(default_factory=dict)


class PhoneControl(Protocol):
    """What xuc's phone control needs from the telephony side; raises errors.Unavailable."""

    def place_call(self, request: CallRequest) -> CallPlan:
        """Place a call and tell how it went: rang for how long, answered or not, talked."""
        ...

    def set_dnd(self, line: str, enabled: bool) -> None:
        """Turn do-not-disturb on or off on a line."""
        ...

    def set_forward(self, line: str, kind: ForwardKind, forward: Forward) -> None:
        """Set one forward of a line."""
        ...

    def agent_login(self, agent_number: str, phone_number: str) -> None:
        """Log an agent in on a phone."""
        ...

    def agent_logout(self, agent_number: str, phone_number: str) -> None:
        """Log an agent out of its phone."""
        ...

    def set_pause(self, agent_number: str, paused: bool) -> None:
        """Pause an agent or make it ready."""
        ...


class PhoneRepository(Protocol):
    """Lines, agent sessions and calls of xuc users."""

    def get_phone(self, username: str) -> PhoneState | None:
        """Return a user's line."""
        ...

    def phone_by_line(self, line: str) -> PhoneState | None:
        """Return the line with this number."""
        ...

    def phones(self) -> list[PhoneState]:
        """Return every line, by username."""
        ...

    def put_phone(self, state: PhoneState) -> None:
        """Store (or replace) a user's line."""
        ...

    def highest_line(self) -> int | None:
        """Return the highest all-digit line number given so far."""
        ...

    def agent_id_by_number(self, agent_number: str) -> int | None:
        """Return the id of the agent with this number."""
        ...

    def session_on(self, phone_number: str) -> AgentSession | None:
        """Return the session of the agent logged in on a phone."""
        ...

    def sessions(self) -> list[AgentSession]:
        """Return every agent session."""
        ...

    def put_session(self, session: AgentSession) -> None:
        """Store (or replace) an agent's session."""
        ...

    def delete_session(self, agent_id: int) -> None:
        """End an agent's session."""
        ...

    def add_call(self, call: Call) -> None:
        """Record a call."""
        ...

    def calls_of(self, username: str, *, since: datetime | None, limit: int) -> list[Call]:
        """Return the calls a user made or received, newest first."""
        ...

    def ongoing_call(self, username: str, now: datetime) -> Call | None:
        """Return the call a user is in at `now`."""
        ...


class PhoneTransaction(XucEventTransaction, Protocol):
    """A unit of work that reaches the xuc lines, sessions, calls and event outbox."""

    xuc_phones: PhoneRepository


class PhoneStore(Protocol):
    """Opens units of work reaching the xuc phones."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[PhoneTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...
