"""Repositories: the queries of each kind of record. They never commit."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Update, bindparam, delete, func, insert, select, update
from sqlalchemy.sql import ColumnElement

from ringback.domain.callbacks import Callback, StateChange
from ringback.domain.people import Agent, Membership, User
from ringback.domain.queues import Queue
from ringback.domain.states import OPEN_STATES, State
from ringback.services.ports import CallbackQuery, Page, StoredDialectSettings, StoredToken
from ringback.store import claiming, rows
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

OPEN = [state.value for state in OPEN_STATES]


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


class SqlCallbacks:
    """Callbacks in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, callback_id: UUID) -> Callback | None:
        """Return the callback with this id."""
        return self._one(callbacks.c.id == str(callback_id))

    def get_many(self, callback_ids: Sequence[UUID]) -> dict[UUID, Callback]:
        """Return the callbacks with these ids that exist, by id."""
        query = select(callbacks).where(callbacks.c.id.in_([str(i) for i in callback_ids]))
        found = [rows.callback_from_row(row) for row in self._c.execute(query).mappings()]
        return {callback.id: callback for callback in found}

    def get_by_external_id(self, external_id: str) -> Callback | None:
        """Return the callback with this client-chosen id."""
        return self._one(callbacks.c.external_id == external_id)

    def get_by_idempotency_key(self, key: str) -> Callback | None:
        """Return the callback created with this Idempotency-Key."""
        return self._one(callbacks.c.idempotency_key == key)

    def add(self, callback: Callback, *, idempotency_key: str | None = None) -> None:
        """Store a new callback."""
        values = rows.callback_to_row(callback)
        self._c.execute(insert(callbacks).values({**values, "idempotency_key": idempotency_key}))

    def update(
        self,
        callback: Callback,
        *,
        lease_token: str | None = None,
        expected_version: int | None = None,
    ) -> bool:
        """Replace a stored callback, raising its version.

        With `lease_token`, only while it still holds that lease (fencing); with
        `expected_version`, only if nobody changed it since that version was read.
        """
        values = rows.callback_to_row(callback)
        del values["id"]
        values["version"] = callbacks.c.version + 1
        statement = update(callbacks).where(callbacks.c.id == str(callback.id)).values(values)
        if lease_token is not None:
            statement = statement.where(callbacks.c.lease_token == lease_token)
        if expected_version is not None:
            statement = statement.where(callbacks.c.version == expected_version)
        return self._c.execute(statement).rowcount == 1

    def update_progress(self, callback: Callback, *, lease_token: str) -> bool:
        """Write only the fields the dispatcher changes, while `lease_token` holds the lease."""
        values = {name: value for name, value in rows.callback_to_row(callback).items()
                  if name in PROGRESS_COLUMNS}  # fmt: skip
        values["b_id"], values["b_token"] = str(callback.id), lease_token
        return self._c.execute(_progress_statement(), values).rowcount == 1

    def find(self, query: CallbackQuery) -> Page:
        """Return the callbacks matching `query`, newest first."""
        conditions = _conditions(query)
        total = self._c.execute(
            select(func.count()).select_from(callbacks).where(*conditions)
        ).scalar_one()
        page = (
            select(callbacks)
            .where(*conditions)
            .order_by(callbacks.c.created_at.desc(), callbacks.c.id)
            .offset(query.offset)
            .limit(query.limit)
        )
        return Page(total, [rows.callback_from_row(r) for r in self._c.execute(page).mappings()])

    def count_open_for_number(self, queue_id: int, customer_number: str) -> int:
        """Count the open callbacks of one number in one queue."""
        return self._count(
            callbacks.c.queue_id == queue_id,
            callbacks.c.customer_number == customer_number,
            callbacks.c.state.in_(OPEN),
        )

    def lock_number(self, queue_id: int, customer_number: str) -> None:
        """Hold, until the transaction ends, the right to admit callbacks for this number.

        PostgreSQL: a transaction-scoped advisory lock on the (queue, number) pair, so that two
        concurrent admissions cannot both pass the dedup count. SQLite needs nothing: every
        write transaction already holds the database's single write lock (BEGIN IMMEDIATE).
        """
        if self._c.dialect.name != "postgresql":
            return
        key = func.hashtextextended(f"{queue_id}:{customer_number}", 0)
        self._c.execute(select(func.pg_advisory_xact_lock(key)))

    def count_open_in_queue(self, queue_id: int) -> int:
        """Count the open callbacks of a queue."""
        return self._count(callbacks.c.queue_id == queue_id, callbacks.c.state.in_(OPEN))

    def counts_by_state(self) -> dict[tuple[int, str], int]:
        """Count callbacks per (queue, state)."""
        query = select(callbacks.c.queue_id, callbacks.c.state, func.count()).group_by(
            callbacks.c.queue_id, callbacks.c.state
        )
        return {(queue_id, state): n for queue_id, state, n in self._c.execute(query)}

    def claim_due(
        self,
        *,
        now: datetime,
        owner: str,
        token: str,
        lease_until: datetime,
        limit: int,
        queue_ids: Sequence[int] | None = None,
        started_before: datetime | None = None,
    ) -> list[Callback]:
        """Move up to `limit` due waiting callbacks to dispatching under the given lease."""
        return claiming.claim_due(
            self._c, now=now, owner=owner, token=token, lease_until=lease_until, limit=limit,
            queue_ids=queue_ids, started_before=started_before,
        )  # fmt: skip

    def renew_leases(self, *, token: str, until: datetime) -> int:
        """Extend every lease held under `token`; return how many were extended."""
        statement = (
            update(callbacks)
            .where(callbacks.c.lease_token == token, callbacks.c.state == State.DISPATCHING.value)
            .values(lease_expires_at=until)
        )
        return int(self._c.execute(statement).rowcount)

    def due_in_state(self, state: State, *, now: datetime, limit: int) -> list[Callback]:
        """Return callbacks in `state` whose next action time has come, oldest first."""
        return self._many(
            (callbacks.c.state == state.value, callbacks.c.next_action_at <= now),
            callbacks.c.next_action_at, limit,
        )  # fmt: skip

    def expired_leases(self, *, now: datetime, limit: int) -> list[Callback]:
        """Return dispatching callbacks whose lease has expired."""
        return self._many(
            (callbacks.c.state == State.DISPATCHING.value, callbacks.c.lease_expires_at < now),
            callbacks.c.lease_expires_at, limit,
        )  # fmt: skip

    def past_expiry(self, *, now: datetime, limit: int) -> list[Callback]:
        """Return not-yet-started callbacks whose time to live has run out."""
        not_started = [State.SCHEDULED.value, State.WAITING.value]
        return self._many(
            (callbacks.c.state.in_(not_started), callbacks.c.expires_at < now),
            callbacks.c.expires_at, limit,
        )  # fmt: skip

    def count_in_flight(self, queue_id: int) -> int:
        """Count the callbacks of a queue handed to telephony and not yet reserved."""
        in_flight = [State.DISPATCHING.value, State.OFFERED.value]
        return self._count(callbacks.c.queue_id == queue_id, callbacks.c.state.in_(in_flight))

    def count_open_with_numbers(self, numbers: Sequence[str]) -> int:
        """Count the open callbacks, in any queue, whose customer number is one of `numbers`."""
        if not numbers:
            return 0
        return self._count(
            callbacks.c.customer_number.in_(list(numbers)), callbacks.c.state.in_(OPEN)
        )

    def open_in_queue(self, queue_id: int) -> list[Callback]:
        """Return the open callbacks of a queue, earliest queue start time first."""
        query = (
            select(callbacks)
            .where(callbacks.c.queue_id == queue_id, callbacks.c.state.in_(OPEN))
            .order_by(callbacks.c.queue_start_time, callbacks.c.created_at, callbacks.c.id)
        )
        return [rows.callback_from_row(row) for row in self._c.execute(query).mappings()]

    def _many(
        self, conditions: tuple[ColumnElement[bool], ...], order: Any, limit: int
    ) -> list[Callback]:
        query = select(callbacks).where(*conditions).order_by(order, callbacks.c.id).limit(limit)
        return [rows.callback_from_row(row) for row in self._c.execute(query).mappings()]

    def _count(self, *conditions: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(callbacks).where(*conditions)
        return int(self._c.execute(query).scalar_one())

    def _one(self, where: ColumnElement[bool]) -> Callback | None:
        row = self._c.execute(select(callbacks).where(where)).mappings().first()
        return rows.callback_from_row(row) if row else None


PROGRESS_COLUMNS = (
    "state", "attempts", "slot", "reason", "next_action_at", "expires_at", "lease_owner",
    "lease_token", "lease_expires_at", "owner_agent_id", "telephony_status", "completed_at",
    "updated_at",
)  # fmt: skip


@functools.cache
def _progress_statement() -> Update:
    """Build once the UPDATE of update_progress: building statements per row costs more."""
    return (
        update(callbacks)
        .where(callbacks.c.id == bindparam("b_id"), callbacks.c.lease_token == bindparam("b_token"))
        .values({name: bindparam(name) for name in PROGRESS_COLUMNS})
        .values(version=callbacks.c.version + 1)
    )


def _conditions(query: CallbackQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.queue_ids is not None:
        conditions.append(callbacks.c.queue_id.in_(list(query.queue_ids)))
    if query.states is not None:
        conditions.append(callbacks.c.state.in_([s.value for s in query.states]))
    if query.customer_number is not None:
        conditions.append(callbacks.c.customer_number == query.customer_number)
    if query.created_from is not None:
        conditions.append(callbacks.c.created_at >= query.created_from)
    if query.created_to is not None:
        conditions.append(callbacks.c.created_at < query.created_to)
    return conditions


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
