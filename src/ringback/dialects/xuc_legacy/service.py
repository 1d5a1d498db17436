"""Phone control for xuc 1.0: DND, forwards, calls, agent sessions and the call history.

The telephony side is the engine's `PhoneControl` port (the in-process simulator by default);
the state it is told about is kept in the wing's tables, so that it survives restarts and reads
back the same on every ringback process. What changes is stored, as neutral facts, in the
eventUrl outbox when an eventUrl is configured.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from ringback.dialects.xuc_legacy.events import XucEventTransaction
from ringback.dialects.xuc_legacy.phones import (
    AgentChanged,
    AgentSession,
    Call,
    HistoryEntry,
    LineChanged,
    PhoneFact,
    PhoneState,
    agent_number_of,
    call_facts,
    current_step,
    phone_number_of,
    route_incoming,
    sanitize_number,
)
from ringback.domain import errors
from ringback.services.ports import (
    CallPlan,
    CallRequest,
    Clock,
    Forward,
    ForwardKind,
    PhoneControl,
)
from ringback.services.users import UserService

MAX_HISTORY_SIZE = 1000
MAX_HISTORY_DAYS = 366
MAX_VARIABLES = 50


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
    """A unit of work that reaches the xuc lines, sessions, calls and eventUrl outbox."""

    xuc_phones: PhoneRepository


class PhoneStore(Protocol):
    """Opens units of work reaching the xuc phones."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[PhoneTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...


_Emit = Callable[[PhoneTransaction, Sequence[PhoneFact], datetime | None], None]


@dataclass(frozen=True, slots=True)
class PhoneConfig:
    """How phones behave: the dialling region, the first line given, whether events are sent."""

    region: str = "FR"
    first_line: int = 1000
    events: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueDial:
    """A dialFromQueue request: call `destination` on behalf of a queue."""

    destination: str
    queue_id: int
    caller_id_name: str = ""
    caller_id_number: str = ""
    variables: dict[str, Any] = field(default_factory=dict)


class PhoneService:
    """The xuc 1.0 phone use cases."""

    def __init__(
        self, store: PhoneStore, clock: Clock, control: PhoneControl, users: UserService,
        config: PhoneConfig,
    ) -> None:  # fmt: skip
        self._store = store
        self._clock = clock
        self._control = control
        self._users = users
        self._config = config

    def connect(self, username: str, password: str) -> PhoneState:
        """Check a user's password and return the user's line (given one on first use)."""
        self._users.authenticate(username, password)
        with self._store.transaction() as tx:
            return self._phone(tx, username)

    def set_dnd(self, username: str, enabled: bool) -> PhoneState:
        """Turn a user's do-not-disturb on or off."""
        with self._store.transaction() as tx:
            phone = self._phone(tx, username)
            self._control.set_dnd(phone.line, enabled)
            changed = dataclasses.replace(phone, dnd=enabled, updated_at=self._clock.now())
            tx.xuc_phones.put_phone(changed)
            self._emit(tx, [LineChanged(changed)])
        return changed

    def set_forward(
        self, username: str, kind: ForwardKind, enabled: bool, destination: str
    ) -> PhoneState:
        """Set one of a user's forwards."""
        forward = Forward(enabled, destination.strip())
        with self._store.transaction() as tx:
            phone = self._phone(tx, username)
            changed = phone.with_forward(kind, forward, self._clock.now())
            self._control.set_forward(phone.line, kind, forward)
            tx.xuc_phones.put_phone(changed)
            self._emit(tx, [LineChanged(changed)])
        return changed

    def dial(self, username: str, number: str) -> list[Call]:
        """Call a number from a user's line, once made dialable."""
        dialable = sanitize_number(number, self._config.region)
        with self._store.transaction() as tx:
            phone = self._phone(tx, username)
            request = CallRequest(src_number=phone.line, dst_number=dialable)
            return self._calls(tx).place(phone, request)

    def dial_by_username(self, username: str, callee: str) -> list[Call]:
        """Call another user's line from a user's line."""
        with self._store.transaction() as tx:
            phone = self._phone(tx, username)
            other = self._phone(tx, callee, field_name="username")
            request = CallRequest(src_number=phone.line, dst_number=other.line)
            return self._calls(tx).place(phone, request)

    def dial_from_queue(self, username: str, dial: QueueDial) -> list[Call]:
        """Call a destination on behalf of a queue, asked for by a user."""
        destination = sanitize_number(dial.destination, self._config.region)
        if len(dial.variables) > MAX_VARIABLES:
            raise errors.Invalid(f"at most {MAX_VARIABLES} variables", field="variables")
        with self._store.transaction() as tx:
            requester = self._phone(tx, username)
            if tx.queues.get(dial.queue_id) is None:
                raise errors.NotFound(f"queue {dial.queue_id} does not exist", field="queueId")
            request = CallRequest(
                src_number=dial.caller_id_number or str(dial.queue_id), dst_number=destination,
                queue_id=dial.queue_id, caller_id_name=dial.caller_id_name,
                caller_id_number=dial.caller_id_number, variables=dict(dial.variables),
            )  # fmt: skip
            return self._calls(tx).place(requester, request, from_line=False)

    def handshake(self, username: str | None = None) -> int:
        """Post again the current state of one user (or of every user); return the count."""
        now = self._clock.now()
        with self._store.transaction() as tx:
            phones = [self._phone(tx, username)] if username else tx.xuc_phones.phones()
            names = {p.username for p in phones}
            facts: list[PhoneFact] = [LineChanged(p) for p in phones]
            for phone in phones:
                call = tx.xuc_phones.ongoing_call(phone.username, now)
                if call is not None:
                    facts.append(current_step(call, phone, now))
            facts += [
                AgentChanged(s) for s in tx.xuc_phones.sessions()
                if username is None or s.username in names
            ]  # fmt: skip
            self._emit(tx, facts)
        return len(facts)

    def agent_login(self, agent_number: str, phone_number: str) -> AgentSession:
        """Log an agent in on a phone (moving it if it was logged in elsewhere)."""
        agent_number = agent_number_of(agent_number, "agentnumber")
        phone_number = phone_number_of(phone_number, "agentphonenumber")
        with self._store.transaction() as tx:
            agent_id = tx.xuc_phones.agent_id_by_number(agent_number)
            agent = tx.agents.get(agent_id) if agent_id is not None else None
            if agent is None:
                raise errors.NotFound(f"agent {agent_number} does not exist", field="agentnumber")
            occupant = tx.xuc_phones.session_on(phone_number)
            if occupant is not None and occupant.agent_id != agent.id:
                raise errors.Conflict(
                    f"agent {occupant.agent_number} is logged in on phone {phone_number}"
                )
            self._control.agent_login(agent_number, phone_number)
            session = AgentSession(
                agent_id=agent.id, agent_number=agent_number, phone_number=phone_number,
                username=agent.login, since=self._clock.now(),
            )  # fmt: skip
            tx.xuc_phones.put_session(session)
            self._emit(tx, [AgentChanged(session)])
        return session

    def agent_logout(self, phone_number: str) -> AgentSession:
        """Log out the agent logged in on a phone."""
        phone_number = phone_number_of(phone_number, "phoneNumber")
        with self._store.transaction() as tx:
            session = _session_on(tx, phone_number)
            self._control.agent_logout(session.agent_number, phone_number)
            tx.xuc_phones.delete_session(session.agent_id)
            ended = dataclasses.replace(session, since=self._clock.now())
            self._emit(tx, [AgentChanged(ended, logged_in=False)])
        return ended

    def toggle_pause(self, phone_number: str) -> AgentSession:
        """Pause the agent logged in on a phone if ready, make it ready if paused."""
        phone_number = phone_number_of(phone_number, "phoneNumber")
        with self._store.transaction() as tx:
            session = _session_on(tx, phone_number)
            self._control.set_pause(session.agent_number, not session.paused)
            changed = dataclasses.replace(
                session, paused=not session.paused, since=self._clock.now()
            )
            tx.xuc_phones.put_session(changed)
            self._emit(tx, [AgentChanged(changed)])
        return changed

    def history(
        self, username: str, *, size: int | None = None, days: int | None = None
    ) -> list[HistoryEntry]:
        """Return a user's last `size` calls, or the calls of the last `days` days."""
        since, limit = self._history_window(size, days)
        now = self._clock.now()
        with self._store.transaction(read_only=True) as tx:
            if tx.users.get(username) is None:
                raise errors.NotFound(f"user {username} does not exist", field="username")
            calls = tx.xuc_phones.calls_of(username, since=since, limit=limit)
        return [
            HistoryEntry(c.start, c.duration(now), c.src_username, c.dst_username,
                         c.status_for(username, now))
            for c in calls
        ]  # fmt: skip

    def _history_window(self, size: int | None, days: int | None) -> tuple[datetime | None, int]:
        if (size is None) == (days is None):
            raise errors.Invalid("give either size or days", field="size")
        if size is not None:
            if not 1 <= size <= MAX_HISTORY_SIZE:
                raise errors.Invalid(f"size must be 1 to {MAX_HISTORY_SIZE}", field="size")
            return None, size
        assert days is not None
        if not 1 <= days <= MAX_HISTORY_DAYS:
            raise errors.Invalid(f"days must be 1 to {MAX_HISTORY_DAYS}", field="days")
        return self._clock.now() - timedelta(days=days), MAX_HISTORY_SIZE

    def _phone(self, tx: PhoneTransaction, username: str, field_name: str = "") -> PhoneState:
        """Return a user's line, giving the user the next free line number on first use."""
        phone = tx.xuc_phones.get_phone(username)
        if phone is not None:
            return phone
        if tx.users.get(username) is None:
            raise errors.NotFound(f"user {username} does not exist", field=field_name or None)
        highest = tx.xuc_phones.highest_line()
        line = str(max(self._config.first_line, (highest or 0) + 1))
        phone = PhoneState(username=username, line=line, updated_at=self._clock.now())
        tx.xuc_phones.put_phone(phone)
        return phone

    def _calls(self, tx: PhoneTransaction) -> _Calls:
        return _Calls(tx, self._control, self._emit, self._clock.now())

    def _emit(
        self, tx: PhoneTransaction, facts: Sequence[PhoneFact], at: datetime | None = None
    ) -> None:
        if not self._config.events:
            return  # no eventUrl: nothing would ever collect them
        due = at or self._clock.now()
        for fact in facts:
            tx.xuc_events.add(fact, due)


class _Calls:
    """Places one call through the telephony side, forwards included, and records it."""

    def __init__(
        self, tx: PhoneTransaction, control: PhoneControl, emit: _Emit, now: datetime
    ) -> None:
        self._tx = tx
        self._control = control
        self._emit = emit
        self._now = now

    def place(
        self, caller: PhoneState, request: CallRequest, *, from_line: bool = True
    ) -> list[Call]:
        """Place the call; a callee's forward on no answer adds a second leg."""
        callee, request, rejected = self._route(request)
        plan = (
            CallPlan(ring_seconds=0, answered=False)
            if rejected
            else self._control.place_call(request)
        )
        first = self._record(caller, callee, request, plan, self._now, from_line)
        no_answer = callee.forward(ForwardKind.NO_ANSWER) if callee else Forward()
        if plan.answered or rejected or not no_answer.enabled:
            return [first]
        again = dataclasses.replace(request, dst_number=no_answer.destination)
        second_callee = self._tx.xuc_phones.phone_by_line(no_answer.destination)
        second_plan = self._control.place_call(again)
        return [
            first,
            self._record(caller, second_callee, again, second_plan, first.end, from_line),
        ]

    def _route(self, request: CallRequest) -> tuple[PhoneState | None, CallRequest, bool]:
        """Return the party that rings, the request as forwarded, and whether it is refused."""
        callee = self._tx.xuc_phones.phone_by_line(request.dst_number)
        if callee is None:
            return None, request, False
        busy = self._tx.xuc_phones.ongoing_call(callee.username, self._now) is not None
        route = route_incoming(callee, busy=busy)
        if route.destination is None:
            return callee, request, route.refused
        moved = dataclasses.replace(request, dst_number=route.destination)
        return self._tx.xuc_phones.phone_by_line(route.destination), moved, False

    def _record(
        self, caller: PhoneState, callee: PhoneState | None, request: CallRequest,
        plan: CallPlan, start: datetime, from_line: bool,
    ) -> Call:  # fmt: skip
        call = Call(
            id=str(uuid.uuid4()), src_username=caller.username, src_number=request.src_number,
            dst_username=callee.username if callee else None, dst_number=request.dst_number,
            start=start, plan=plan, queue_id=request.queue_id,
            caller_id_name=request.caller_id_name, caller_id_number=request.caller_id_number,
            variables=request.variables,
        )  # fmt: skip
        self._tx.xuc_phones.add_call(call)
        for at, fact in call_facts(call, caller if from_line else None, callee):
            self._emit(self._tx, [fact], at)
        return call


def _session_on(tx: PhoneTransaction, phone_number: str) -> AgentSession:
    session = tx.xuc_phones.session_on(phone_number)
    if session is None:
        raise errors.NotFound(f"no agent is logged in on phone {phone_number}", field="phoneNumber")
    return session
