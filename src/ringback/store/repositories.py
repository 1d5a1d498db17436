"""Repositories: the queries of each kind of record. They never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.sql import ColumnElement

from ringback.domain.callbacks import StateChange
from ringback.domain.people import Agent, Membership, User
from ringback.domain.queues import Queue
from ringback.services.ports import StoredDialectSettings, StoredToken
from ringback.store import rows
from ringback.store.tables import (
    agent_queues,
    agents,
    callback_events,
    callbacks,
    dialect_settings,
    queues,
    secrets,
    user_tokens,
    users,
)


class SqlQueues:
    """Queues in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, queue_id: int) -> Queue | None:
        """Return the queue with this id."""
        row = self._c.execute(select(queues).where(queues.c.id == queue_id)).mappings().first()
        return rows.queue_from_row(row) if row else None

    def all(self) -> list[Queue]:
        """Return every queue, by id."""
        result = self._c.execute(select(queues).order_by(queues.c.id)).mappings()
        return [rows.queue_from_row(row) for row in result]

    def add(self, queue: Queue) -> None:
        """Store a new queue."""
        self._c.execute(insert(queues).values(_queue_values(queue)))

    def update(self, queue: Queue) -> None:
        """Replace a stored queue."""
        values = _queue_values(queue)
        self._c.execute(update(queues).where(queues.c.id == queue.id).values(values))

    def delete(self, queue_id: int) -> None:
        """Remove a queue; its closed callbacks and their history go with it."""
        self._c.execute(delete(queues).where(queues.c.id == queue_id))

    def next_id(self) -> int:
        """Return one more than the highest queue id."""
        return (
            int(self._c.execute(select(func.coalesce(func.max(queues.c.id), 0))).scalar_one()) + 1
        )


def _queue_values(queue: Queue) -> dict[str, object]:
    return {"id": queue.id, "name": queue.name, "settings": queue.settings.as_dict()}


class SqlUsers:
    """Users in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, login: str) -> User | None:
        """Return the user with this login."""
        row = self._c.execute(select(users).where(users.c.login == login)).mappings().first()
        return rows.user_from_row(row) if row else None

    def all(self) -> list[User]:
        """Return every user, by login."""
        result = self._c.execute(select(users).order_by(users.c.login)).mappings()
        return [rows.user_from_row(row) for row in result]

    def add(self, user: User) -> None:
        """Store a new user."""
        self._c.execute(insert(users).values(_user_values(user)))

    def update(self, user: User) -> None:
        """Replace a stored user."""
        self._c.execute(update(users).where(users.c.login == user.login).values(_user_values(user)))

    def delete(self, login: str) -> None:
        """Remove a user; its tokens go with it."""
        self._c.execute(delete(user_tokens).where(user_tokens.c.login == login))
        self._c.execute(delete(users).where(users.c.login == login))


def _user_values(user: User) -> dict[str, object]:
    return {
        "login": user.login,
        "password_hash": user.password_hash,
        "firstname": user.firstname,
        "name": user.name,
        "profile": user.profile.value,
        "rights": rows.rights_to_json(user.rights),
        "created_at": user.created_at,
    }


class SqlAgents:
    """Agents and their memberships in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, agent_id: int) -> Agent | None:
        """Return the agent with this id."""
        found = self._load(agents.c.id == agent_id)
        return found[0] if found else None

    def all(self) -> list[Agent]:
        """Return every agent, by id."""
        return self._load(None)

    def add(self, agent: Agent) -> None:
        """Store a new agent and its memberships."""
        self._c.execute(insert(agents).values(_agent_values(agent)))
        self._add_memberships(agent)

    def update(self, agent: Agent) -> None:
        """Replace a stored agent and its memberships."""
        self._c.execute(update(agents).where(agents.c.id == agent.id).values(_agent_values(agent)))
        self._c.execute(delete(agent_queues).where(agent_queues.c.agent_id == agent.id))
        self._add_memberships(agent)

    def delete(self, agent_id: int) -> None:
        """Remove an agent and its memberships."""
        self._c.execute(delete(agent_queues).where(agent_queues.c.agent_id == agent_id))
        self._c.execute(delete(agents).where(agents.c.id == agent_id))

    def _add_memberships(self, agent: Agent) -> None:
        if agent.queues:
            self._c.execute(
                insert(agent_queues),
                [{"agent_id": agent.id, "queue_id": m.queue_id, "penalty": m.penalty}
                 for m in agent.queues],
            )  # fmt: skip

    def _load(self, where: ColumnElement[bool] | None) -> list[Agent]:
        query = select(agents).order_by(agents.c.id)
        if where is not None:
            query = query.where(where)
        agent_rows = list(self._c.execute(query).mappings())
        members: dict[int, list[Membership]] = defaultdict(list)
        ids = [row["id"] for row in agent_rows]
        if ids:
            member_query = (
                select(agent_queues)
                .where(agent_queues.c.agent_id.in_(ids))
                .order_by(agent_queues.c.queue_id)
            )
            for m in self._c.execute(member_query).mappings():
                members[m["agent_id"]].append(Membership(m["queue_id"], m["penalty"]))
        return [rows.agent_from_row(row, members[row["id"]]) for row in agent_rows]


def _agent_values(agent: Agent) -> dict[str, object]:
    return {
        "id": agent.id,
        "firstname": agent.firstname,
        "lastname": agent.lastname,
        "number": agent.number,
        "context": agent.context,
        "login": agent.login,
    }


class SqlEventLog:
    """The append-only event log in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def append(self, change: StateChange) -> None:
        """Record one state change."""
        self.append_many([change])

    def append_many(self, changes: Sequence[StateChange]) -> None:
        """Record several state changes in one statement."""
        if changes:
            self._c.execute(insert(callback_events), [self._values(c) for c in changes])

    def _values(self, change: StateChange) -> dict[str, Any]:
        return {
            "callback_id": str(change.callback_id),
            "queue_id": change.queue_id if change.queue_id is not None else self._queue_of(change),
            "at": change.at,
            "actor": change.actor,
            "event": change.event,
            "from_state": change.from_state.value if change.from_state else None,
            "to_state": change.to_state.value,
            "reason": change.reason,
            "detail": change.detail,
        }

    def _queue_of(self, change: StateChange) -> int:
        query = select(callbacks.c.queue_id).where(callbacks.c.id == str(change.callback_id))
        return int(self._c.execute(query).scalar_one())

    def after(
        self, event_id: int, *, limit: int, queue_ids: Sequence[int] | None = None
    ) -> list[StateChange]:
        """Return the changes recorded after `event_id`, oldest first (the outbox's feed)."""
        query = select(callback_events).where(callback_events.c.id > event_id)
        if queue_ids is not None:
            query = query.where(callback_events.c.queue_id.in_(list(queue_ids)))
        query = query.order_by(callback_events.c.id).limit(limit)
        return [rows.change_from_row(row) for row in self._c.execute(query).mappings()]

    def last_id(self) -> int:
        """Return the id of the newest change, 0 when there is none."""
        query = select(func.coalesce(func.max(callback_events.c.id), 0))
        return int(self._c.execute(query).scalar_one())

    def for_callback(self, callback_id: UUID) -> list[StateChange]:
        """Return the history of one callback, oldest first."""
        query = (
            select(callback_events)
            .where(callback_events.c.callback_id == str(callback_id))
            .order_by(callback_events.c.id)
        )
        return [rows.change_from_row(row) for row in self._c.execute(query).mappings()]


class SqlSecrets:
    """Named secrets and user tokens in SQL, kept as hashes."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, name: str) -> str | None:
        """Return the stored value of a named secret."""
        query = select(secrets.c.value).where(secrets.c.name == name)
        value = self._c.execute(query).scalar_one_or_none()
        return str(value) if value is not None else None

    def put(self, name: str, value: str) -> None:
        """Store (or replace) a named secret."""
        self._c.execute(delete(secrets).where(secrets.c.name == name))
        self._c.execute(insert(secrets).values(name=name, value=value))

    def add_token(self, token_hash: str, token: StoredToken) -> None:
        """Keep a user token's hash."""
        self._c.execute(
            insert(user_tokens).values(
                token_hash=token_hash, login=token.login, expires_at=token.expires_at
            )
        )

    def get_token(self, token_hash: str) -> StoredToken | None:
        """Return the token with this hash."""
        query = select(user_tokens).where(user_tokens.c.token_hash == token_hash)
        row = self._c.execute(query).mappings().first()
        return StoredToken(row["login"], row["expires_at"]) if row else None

    def purge_tokens(self, before: datetime) -> int:
        """Drop tokens that expired before `before`."""
        result = self._c.execute(delete(user_tokens).where(user_tokens.c.expires_at < before))
        return int(result.rowcount)


class SqlDialectSettings:
    """Each dialect's own settings document in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, dialect: str) -> StoredDialectSettings | None:
        """Return the stored settings of `dialect`."""
        query = select(dialect_settings).where(dialect_settings.c.dialect == dialect)
        row = self._c.execute(query).mappings().first()
        return StoredDialectSettings(dict(row["value"]), row["updated_at"]) if row else None

    def put(self, dialect: str, settings: StoredDialectSettings) -> None:
        """Store (or replace) the settings of `dialect`."""
        self._c.execute(delete(dialect_settings).where(dialect_settings.c.dialect == dialect))
        self._c.execute(
            insert(dialect_settings).values(
                dialect=dialect, value=settings.value, updated_at=settings.updated_at
            )
        )
