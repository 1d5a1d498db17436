"""The Ameyo wing's queries: its tables (sessions, failed logins), its read of the callbacks table.

The tables themselves are declared in store/tables.py and created by the one migration chain.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, RowMapping, and_, delete, func, insert, or_, select, update
from sqlalchemy.sql import ColumnElement

from ringback.core import Core
from ringback.dialects.ameyo.service import (
    LISTED_STATES,
    AmeyoCallback,
    AmeyoRepository,
    AmeyoSession,
    CallbackFilter,
    LoginFailures,
)
from ringback.store import rows
from ringback.store.tables import agents, ameyo_login_failures, ameyo_sessions, callbacks
from ringback.store.transaction import SqlTransaction, UnitsOfWork

LISTED = [state.value for state in LISTED_STATES]
#: Ameyo shows times in whole milliseconds: a "to" bound covers its whole millisecond
MILLISECOND = timedelta(milliseconds=1)
#: the largest agent id an INTEGER column holds; bigger "userIds" cannot name an agent
MAX_AGENT_ID = 2**31 - 1
OWNER_LOGIN = "ameyo_owner_login"

#: when a listed callback is due, as service.callback_time computes it
CALLBACK_TIME = func.coalesce(
    callbacks.c.next_action_at, callbacks.c.desired_time, callbacks.c.created_at
)


def units_of_work(core: Core) -> UnitsOfWork[AmeyoSqlTransaction]:
    """Return units of work on the core's database that also hold the Ameyo repository."""
    return UnitsOfWork(core.store.engine, AmeyoSqlTransaction)


class AmeyoSqlTransaction(SqlTransaction):
    """The engine's repositories and the Ameyo one, sharing one connection."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.ameyo: AmeyoRepository = SqlAmeyo(connection)


class SqlAmeyo:
    """Ameyo sessions, failed logins and callbacks in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_session(self, session_hash: str, session: AmeyoSession) -> None:
        """Keep a new session under the hash of its id."""
        self._c.execute(
            insert(ameyo_sessions).values(
                session_hash=session_hash,
                login=session.login,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )

    def get_session(self, session_hash: str) -> AmeyoSession | None:
        """Return the session whose id has this hash."""
        query = select(ameyo_sessions).where(ameyo_sessions.c.session_hash == session_hash)
        row = self._c.execute(query).mappings().first()
        if row is None:
            return None
        return AmeyoSession(row["login"], row["created_at"], row["expires_at"])

    def purge_sessions(self, before: datetime) -> int:
        """Drop the sessions that expired before `before`."""
        result = self._c.execute(delete(ameyo_sessions).where(ameyo_sessions.c.expires_at < before))
        return int(result.rowcount)

    def login_failures(self, user_id: str) -> LoginFailures | None:
        """Return the failed logins counted for `user_id`."""
        query = select(ameyo_login_failures).where(ameyo_login_failures.c.user_id == user_id)
        row = self._c.execute(query).mappings().first()
        if row is None:
            return None
        return LoginFailures(
            row["user_id"], row["failures"], row["first_failure_at"], row["locked_until"]
        )

    def put_login_failures(self, failures: LoginFailures) -> None:
        """Store (or replace) the failed logins of one userId."""
        values = {
            "failures": failures.failures,
            "first_failure_at": failures.first_failure_at,
            "locked_until": failures.locked_until,
        }
        table = ameyo_login_failures
        changed = self._c.execute(
            update(table).where(table.c.user_id == failures.user_id).values(values)
        )
        if changed.rowcount == 0:
            self._c.execute(insert(table).values(user_id=failures.user_id, **values))

    def clear_login_failures(self, user_id: str) -> None:
        """Forget the failed logins of one userId."""
        table = ameyo_login_failures
        self._c.execute(delete(table).where(table.c.user_id == user_id))

    def purge_login_failures(self, before: datetime) -> int:
        """Drop the counts started before `before` that lock nobody out any more."""
        table = ameyo_login_failures
        stale = and_(
            table.c.first_failure_at < before,
            or_(table.c.locked_until.is_(None), table.c.locked_until < before),
        )
        return int(self._c.execute(delete(table).where(stale)).rowcount)

    def find_callbacks(self, wanted: CallbackFilter) -> list[AmeyoCallback]:
        """Return a page of the listed callbacks matching `wanted`, by callback time then id."""
        query = (
            select(callbacks, agents.c.login.label(OWNER_LOGIN))
            .select_from(callbacks.outerjoin(agents, agents.c.id == callbacks.c.owner_agent_id))
            .where(*_conditions(wanted))
            .order_by(CALLBACK_TIME, callbacks.c.created_at, callbacks.c.id)
            .offset(wanted.offset)
            .limit(wanted.limit)
        )
        return [_listed(row) for row in self._c.execute(query).mappings()]


def _listed(row: RowMapping) -> AmeyoCallback:
    # callback_from_row reads a callbacks row only: the joined login is taken out first.
    callback_row = {key: value for key, value in row.items() if key != OWNER_LOGIN}
    callback = rows.callback_from_row(callback_row)  # type: ignore[arg-type]  # a plain mapping
    owner = callback.owner_agent_id
    user_id = row[OWNER_LOGIN] or (str(owner) if owner is not None else None)
    return AmeyoCallback(callback, user_id)


def _conditions(wanted: CallbackFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [callbacks.c.state.in_(LISTED)]
    if wanted.queue_ids is not None:
        conditions.append(callbacks.c.queue_id.in_(list(wanted.queue_ids)))
    if wanted.user_ids:
        conditions.append(_owned_by(wanted.user_ids))
    conditions += _between(callbacks.c.created_at, wanted.added_from, wanted.added_to)
    conditions += _between(CALLBACK_TIME, wanted.scheduled_from, wanted.scheduled_to)
    return conditions


def _owned_by(user_ids: tuple[str, ...]) -> ColumnElement[bool]:
    """Match the callbacks scheduled to these agents: by login, or by id for agents without one."""
    agent_ids = [int(u) for u in user_ids if u.isascii() and u.isdigit() and int(u) <= MAX_AGENT_ID]
    by_id = and_(agents.c.login.is_(None), callbacks.c.owner_agent_id.in_(agent_ids))
    return or_(agents.c.login.in_(list(user_ids)), by_id)


def _between(
    column: ColumnElement[datetime], start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    bounds: list[ColumnElement[bool]] = []
    if start is not None:
        bounds.append(column >= start)
    if end is not None:
        bounds.append(column < end + MILLISECOND)
    return bounds
