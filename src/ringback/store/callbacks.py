"""The callbacks table: the only writer of callbacks, and the dispatcher's narrow update."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Update, bindparam, delete, func, insert, select, text, update
from sqlalchemy.sql import ColumnElement

from ringback.domain.callbacks import Callback
from ringback.domain.states import OPEN_STATES, State
from ringback.services.ports import CallbackQuery, Page
from ringback.store import capacity, claiming, rows
from ringback.store.tables import (
    callbacks,
)

OPEN = [state.value for state in OPEN_STATES]
IN_LIST_CHUNK = 500  # bound parameters per IN list, well under SQLite's limit


class SqlCallbacks:
    """Callbacks in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, callback_id: UUID, *, for_update: bool = False) -> Callback | None:
        """Return the callback with this id; `for_update` locks its row until the end."""
        return self._one(callbacks.c.id == str(callback_id), for_update=for_update)

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

    def add_many(self, new: Sequence[Callback]) -> None:
        """Store many new callbacks (none with an Idempotency-Key) in one statement."""
        if new:
            values = [{**rows.callback_to_row(c), "idempotency_key": None} for c in new]
            self._c.execute(insert(callbacks), values)

    def delete_of_list(self, list_id: UUID) -> int:
        """Remove the callbacks of a list (their history and places go with them)."""
        result = self._c.execute(delete(callbacks).where(callbacks.c.list_id == str(list_id)))
        return result.rowcount

    def forget_period(self, period_id: UUID) -> None:
        """Leave the callbacks that preferred a period with no preferred period."""
        key = str(period_id)
        self._c.execute(
            update(callbacks).where(callbacks.c.period_id == key).values(period_id=None)
        )

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

    def lock_numbers(self, queue_id: int, numbers: Sequence[str]) -> None:
        """Hold the admission right of these numbers of a queue until the transaction ends.

        The same advisory keys as `lock_number`, taken in sorted order so that two batches
        cannot deadlock; SQLite's single write lock already serialises admissions.
        """
        if self._c.dialect.name != "postgresql" or not numbers:
            return
        keys = sorted({f"{queue_id}:{number}" for number in numbers})
        self._c.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k"
            ),
            {"keys": keys},
        )

    def open_counts(self, queue_id: int, numbers: Sequence[str]) -> dict[str, int]:
        """Count the open callbacks of each of these numbers in a queue."""
        distinct = sorted(set(numbers))
        counts: dict[str, int] = {}
        for start in range(0, len(distinct), IN_LIST_CHUNK):
            query = (
                select(callbacks.c.customer_number, func.count())
                .where(callbacks.c.queue_id == queue_id, callbacks.c.state.in_(OPEN))
                .where(callbacks.c.customer_number.in_(distinct[start : start + IN_LIST_CHUNK]))
                .group_by(callbacks.c.customer_number)
            )
            counts.update({number: int(n) for number, n in self._c.execute(query)})
        return counts

    def lock_bucket(self, queue_id: int, bucket_start: datetime) -> None:
        """Hold, until the transaction ends, the right to book into this capacity bucket."""
        capacity.lock_bucket(self._c, queue_id, bucket_start)

    def bucket_use(self, queue_id: int, bucket_start: datetime) -> int:
        """Count the callbacks holding a place in one capacity bucket."""
        return capacity.used(self._c, queue_id, bucket_start)

    def bucket_uses(self, queue_id: int, start: datetime, end: datetime) -> dict[datetime, int]:
        """Count the places held per capacity bucket, for the buckets starting in [start, end)."""
        return capacity.used_between(self._c, queue_id, start, end)

    def booked_bucket(self, callback_id: UUID) -> datetime | None:
        """Return the start of the capacity bucket a callback holds, None if it holds none."""
        return capacity.booked_bucket(self._c, callback_id)

    def book(self, callback_id: UUID, queue_id: int, bucket_start: datetime) -> None:
        """Record that a stored callback holds a place in a bucket (moving it from another)."""
        capacity.book(self._c, callback_id, queue_id, bucket_start)

    def open_due_before(self, queue_id: int, end: datetime, limit: int) -> list[Callback]:
        """Return a queue's open callbacks whose next action comes before `end`, soonest first."""
        return self._many(
            (
                callbacks.c.queue_id == queue_id,
                callbacks.c.state.in_(OPEN),
                callbacks.c.next_action_at < end,
            ),
            callbacks.c.next_action_at, limit,
        )  # fmt: skip

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

    def _one(self, where: ColumnElement[bool], *, for_update: bool = False) -> Callback | None:
        query = select(callbacks).where(where)
        if for_update:  # PostgreSQL; SQLite's write transactions hold the whole database
            query = query.with_for_update()
        row = self._c.execute(query).mappings().first()
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
