"""xuc 1.0 in SQL: lines, agent sessions, calls, and the eventUrl outbox with its feed.

The outbox keeps phone facts as neutral JSON documents ({"fact": "line" | "agent" | "call",
...}); wire.py gives them xuc's shape when they are sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ringback.core import Core
from ringback.dialects.xuc_legacy.events import FeedState, StoredEvent, XucEventRepository
from ringback.dialects.xuc_legacy.phones import (
    AgentChanged,
    AgentSession,
    Call,
    CallStep,
    CallStepped,
    LineChanged,
    PhoneFact,
    PhoneState,
)
from ringback.dialects.xuc_legacy.service import PhoneRepository
from ringback.dialects.xuc_legacy.wire import Message
from ringback.services.ports import CallPlan, Forward, ForwardKind
from ringback.store.tables import (
    agents,
    xuc_agent_sessions,
    xuc_calls,
    xuc_event_feeds,
    xuc_events,
    xuc_phones,
)
from ringback.store.transaction import SqlTransaction, UnitsOfWork


class SqlPhones:
    """Lines, agent sessions and calls of xuc users in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get_phone(self, username: str) -> PhoneState | None:
        """Return a user's line."""
        row = self._c.execute(select(xuc_phones).where(xuc_phones.c.username == username))
        found = row.mappings().first()
        return _phone(found) if found else None

    def phone_by_line(self, line: str) -> PhoneState | None:
        """Return the line with this number."""
        row = self._c.execute(select(xuc_phones).where(xuc_phones.c.line == line))
        found = row.mappings().first()
        return _phone(found) if found else None

    def phones(self) -> list[PhoneState]:
        """Return every line, by username."""
        rows = self._c.execute(select(xuc_phones).order_by(xuc_phones.c.username)).mappings()
        return [_phone(row) for row in rows]

    def put_phone(self, state: PhoneState) -> None:
        """Store (or replace) a user's line."""
        values = {
            "line": state.line,
            "dnd": state.dnd,
            "forwards": _forwards_value(state),
            "updated_at": state.updated_at,
        }
        where = xuc_phones.c.username == state.username
        if self._c.execute(update(xuc_phones).where(where).values(values)).rowcount == 0:
            self._c.execute(insert(xuc_phones).values(username=state.username, **values))

    def highest_line(self) -> int | None:
        """Return the highest all-digit line number given so far."""
        lines = self._c.execute(select(xuc_phones.c.line)).scalars()
        numbers = [int(line) for line in lines if line.isdigit()]
        return max(numbers, default=None)

    def agent_id_by_number(self, agent_number: str) -> int | None:
        """Return the id of the agent with this number."""
        query = select(agents.c.id).where(agents.c.number == agent_number).order_by(agents.c.id)
        found: int | None = self._c.execute(query.limit(1)).scalar()
        return found

    def session_on(self, phone_number: str) -> AgentSession | None:
        """Return the session of the agent logged in on a phone."""
        where = xuc_agent_sessions.c.phone_number == phone_number
        found = self._c.execute(select(xuc_agent_sessions).where(where)).mappings().first()
        return _session(found) if found else None

    def sessions(self) -> list[AgentSession]:
        """Return every agent session."""
        query = select(xuc_agent_sessions).order_by(xuc_agent_sessions.c.agent_id)
        return [_session(row) for row in self._c.execute(query).mappings()]

    def put_session(self, session: AgentSession) -> None:
        """Store (or replace) an agent's session."""
        self.delete_session(session.agent_id)
        self._c.execute(
            insert(xuc_agent_sessions).values(
                agent_id=session.agent_id, agent_number=session.agent_number,
                phone_number=session.phone_number, username=session.username,
                paused=session.paused, since=session.since,
            )
        )  # fmt: skip

    def delete_session(self, agent_id: int) -> None:
        """End an agent's session."""
        where = xuc_agent_sessions.c.agent_id == agent_id
        self._c.execute(delete(xuc_agent_sessions).where(where))

    def add_call(self, call: Call) -> None:
        """Record a call."""
        self._c.execute(insert(xuc_calls).values(_call_values(call)))

    def calls_of(self, username: str, *, since: datetime | None, limit: int) -> list[Call]:
        """Return the calls a user made or received, newest first."""
        query = select(xuc_calls).where(_party(username))
        if since is not None:
            query = query.where(xuc_calls.c.start >= since)
        query = query.order_by(xuc_calls.c.start.desc(), xuc_calls.c.id).limit(limit)
        return [_call(row) for row in self._c.execute(query).mappings()]

    def ongoing_call(self, username: str, now: datetime) -> Call | None:
        """Return the call a user is in at `now`."""
        query = (
            select(xuc_calls)
            .where(_party(username), xuc_calls.c.start <= now, xuc_calls.c.end_at > now)
            .order_by(xuc_calls.c.start.desc())
            .limit(1)
        )
        found = self._c.execute(query).mappings().first()
        return _call(found) if found else None


class SqlXucEvents:
    """The eventUrl outbox and its feed in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, fact: PhoneFact, due_at: datetime) -> None:
        """Queue one fact, to be sent once `due_at` has come."""
        self._c.execute(
            insert(xuc_events).values(
                username=fact.username, message=fact_value(fact), due_at=due_at
            )
        )

    def due(self, now: datetime, limit: int) -> list[StoredEvent]:
        """Return the facts due at `now`, in the order they happen."""
        query = (
            select(xuc_events)
            .where(xuc_events.c.due_at <= now)
            .order_by(xuc_events.c.due_at, xuc_events.c.id)
            .limit(limit)
        )
        return [
            StoredEvent(row["id"], fact_of(row["message"]), row["due_at"])
            for row in self._c.execute(query).mappings()
        ]

    def delete(self, event_ids: Sequence[int]) -> None:
        """Drop delivered facts."""
        if event_ids:
            self._c.execute(delete(xuc_events).where(xuc_events.c.id.in_(list(event_ids))))

    def ensure_feed(self, name: str, callback_cursor: int) -> None:
        """Create the feed, starting after `callback_cursor`, unless it exists."""
        values = {"name": name, "callback_cursor": callback_cursor, "failures": 0, "last_error": ""}
        if self._c.dialect.name == "postgresql":
            statement: Any = postgresql.insert(xuc_event_feeds).values(values)
        else:
            statement = sqlite.insert(xuc_event_feeds).values(values)
        self._c.execute(statement.on_conflict_do_nothing(index_elements=["name"]))

    def lease_feed(
        self, name: str, *, owner: str, now: datetime, until: datetime
    ) -> FeedState | None:
        """Lease the feed when it is due and not leased by anyone else."""
        feeds = xuc_event_feeds.c
        statement = (
            update(xuc_event_feeds)
            .where(
                feeds.name == name,
                or_(feeds.next_attempt_at.is_(None), feeds.next_attempt_at <= now),
                or_(feeds.lease_expires_at.is_(None), feeds.lease_expires_at < now),
            )
            .values(lease_owner=owner, lease_expires_at=until)
            .returning(feeds.callback_cursor, feeds.failures)
        )
        row = self._c.execute(statement).first()
        return FeedState(row.callback_cursor, row.failures) if row else None

    def release_feed(
        self, name: str, *, owner: str, callback_cursor: int, failures: int,
        next_attempt_at: datetime | None, last_error: str,
    ) -> bool:  # fmt: skip
        """Record a delivery's result and drop the lease, if `owner` still holds it."""
        feeds = xuc_event_feeds.c
        statement = (
            update(xuc_event_feeds)
            .where(feeds.name == name, feeds.lease_owner == owner)
            .values(
                callback_cursor=callback_cursor, failures=failures,
                next_attempt_at=next_attempt_at, last_error=last_error,
                lease_owner=None, lease_expires_at=None,
            )
        )  # fmt: skip
        return self._c.execute(statement).rowcount == 1


def _party(username: str) -> Any:
    return or_(xuc_calls.c.src_username == username, xuc_calls.c.dst_username == username)


def _phone(row: RowMapping) -> PhoneState:
    return PhoneState(
        username=row["username"], line=row["line"], dnd=row["dnd"],
        forwards=_forwards_of(row["forwards"]), updated_at=row["updated_at"],
    )  # fmt: skip


def _forwards_value(state: PhoneState) -> dict[str, Any]:
    return {
        kind.value: {"enabled": f.enabled, "destination": f.destination}
        for kind, f in state.forwards.items()
    }


def _forwards_of(value: dict[str, Any]) -> dict[ForwardKind, Forward]:
    return {
        ForwardKind(kind): Forward(bool(f["enabled"]), str(f["destination"]))
        for kind, f in value.items()
    }


def _session(row: RowMapping) -> AgentSession:
    return AgentSession(
        agent_id=row["agent_id"], agent_number=row["agent_number"],
        phone_number=row["phone_number"], username=row["username"], paused=row["paused"],
        since=row["since"],
    )  # fmt: skip


def _call_values(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "src_username": call.src_username,
        "src_number": call.src_number,
        "dst_username": call.dst_username,
        "dst_number": call.dst_number,
        "start": call.start,
        "end_at": call.end,
        "ring_ms": round(call.plan.ring_seconds * 1000),
        "answered": call.plan.answered,
        "talk_ms": round(call.plan.talk_seconds * 1000),
        "queue_id": call.queue_id,
        "caller_id_name": call.caller_id_name,
        "caller_id_number": call.caller_id_number,
        "variables": call.variables,
    }


def _call(row: RowMapping) -> Call:
    plan = CallPlan(
        ring_seconds=row["ring_ms"] / 1000,
        answered=row["answered"],
        talk_seconds=row["talk_ms"] / 1000,
    )
    return Call(
        id=row["id"], src_username=row["src_username"], src_number=row["src_number"],
        dst_username=row["dst_username"], dst_number=row["dst_number"], start=row["start"],
        plan=plan, queue_id=row["queue_id"], caller_id_name=row["caller_id_name"],
        caller_id_number=row["caller_id_number"], variables=row["variables"],
    )  # fmt: skip


def fact_value(fact: PhoneFact) -> dict[str, Any]:
    """Return a phone fact as the JSON document the outbox keeps."""
    if isinstance(fact, LineChanged):
        phone = fact.phone
        return {
            "fact": "line", "username": phone.username, "line": phone.line, "dnd": phone.dnd,
            "forwards": _forwards_value(phone), "updated_at": _instant(phone.updated_at),
        }  # fmt: skip
    if isinstance(fact, AgentChanged):
        session = fact.session
        return {
            "fact": "agent", "logged_in": fact.logged_in, "agent_id": session.agent_id,
            "agent_number": session.agent_number, "phone_number": session.phone_number,
            "username": session.username, "paused": session.paused,
            "since": session.since.isoformat(),
        }  # fmt: skip
    return {
        "fact": "call", "step": fact.step.value, "username": fact.username, "line": fact.line,
        "call": _call_document(fact.call),
    }  # fmt: skip


def fact_of(value: dict[str, Any]) -> PhoneFact | Message:
    """Return the phone fact an outbox document holds (or the message an earlier version kept)."""
    kind = value.get("fact")
    if kind == "line":
        return LineChanged(
            PhoneState(
                username=value["username"], line=value["line"], dnd=value["dnd"],
                forwards=_forwards_of(value["forwards"]),
                updated_at=_instant_of(value["updated_at"]),
            )
        )  # fmt: skip
    if kind == "agent":
        session = AgentSession(
            agent_id=value["agent_id"], agent_number=value["agent_number"],
            phone_number=value["phone_number"], username=value["username"],
            paused=value["paused"], since=datetime.fromisoformat(value["since"]),
        )  # fmt: skip
        return AgentChanged(session, logged_in=value["logged_in"])
    if kind == "call":
        return CallStepped(
            call=_call_of_document(value["call"]), username=value["username"],
            line=value["line"], step=CallStep(value["step"]),
        )  # fmt: skip
    # Stored before the facts, by a version that kept the rendered message: sent as it is.
    return value


def _call_document(call: Call) -> dict[str, Any]:
    return {
        "id": call.id, "src_username": call.src_username, "src_number": call.src_number,
        "dst_username": call.dst_username, "dst_number": call.dst_number,
        "start": call.start.isoformat(), "ring_seconds": call.plan.ring_seconds,
        "answered": call.plan.answered, "talk_seconds": call.plan.talk_seconds,
        "queue_id": call.queue_id, "caller_id_name": call.caller_id_name,
        "caller_id_number": call.caller_id_number, "variables": call.variables,
    }  # fmt: skip


def _call_of_document(value: dict[str, Any]) -> Call:
    plan = CallPlan(
        ring_seconds=value["ring_seconds"], answered=value["answered"],
        talk_seconds=value["talk_seconds"],
    )  # fmt: skip
    return Call(
        id=value["id"], src_username=value["src_username"], src_number=value["src_number"],
        dst_username=value["dst_username"], dst_number=value["dst_number"],
        start=datetime.fromisoformat(value["start"]), plan=plan, queue_id=value["queue_id"],
        caller_id_name=value["caller_id_name"], caller_id_number=value["caller_id_number"],
        variables=value["variables"],
    )  # fmt: skip


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _instant_of(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


class XucLegacySqlTransaction(SqlTransaction):
    """The engine's repositories and the xuc 1.0 ones, sharing one connection."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.xuc_phones: PhoneRepository = SqlPhones(connection)
        self.xuc_events: XucEventRepository = SqlXucEvents(connection)


def units_of_work(core: Core) -> UnitsOfWork[XucLegacySqlTransaction]:
    """Return units of work on the core's database that reach the xuc 1.0 tables."""
    return UnitsOfWork(core.store.engine, XucLegacySqlTransaction)
