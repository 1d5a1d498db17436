"""Capacity bookings: which bucket each callback holds, and how full each bucket is.

A bucket's use is counted from its bookings whose callback is neither cancelled nor expired, so
that every way a callback ends (whichever dialect ends it) frees its place without bookkeeping,
and a deleted callback takes its booking with it (ON DELETE CASCADE). Two admissions into one
bucket are serialised by `lock_bucket` for the rest of their transactions, so the count read
after the lock is still true when the booking is written.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, func, insert, select, update

from ringback.domain.states import State
from ringback.store.tables import callbacks, capacity_bookings

#: states whose callbacks no longer hold their bucket: they were never, and will never be, dialled
RELEASED = [State.CANCELLED.value, State.EXPIRED.value]


def lock_bucket(connection: Connection, queue_id: int, bucket_start: datetime) -> None:
    """Hold, until the transaction ends, the right to book into this bucket.

    PostgreSQL: a transaction-scoped advisory lock on (queue, bucket); READ COMMITTED then shows
    every booking committed by earlier holders. SQLite needs nothing: each write transaction
    holds the database's single write lock from its start (BEGIN IMMEDIATE).
    """
    if connection.dialect.name != "postgresql":
        return
    key = func.hashtextextended(f"capacity:{queue_id}:{bucket_start.isoformat()}", 0)
    connection.execute(select(func.pg_advisory_xact_lock(key)))


def used(connection: Connection, queue_id: int, bucket_start: datetime) -> int:
    """Count the callbacks holding a place in one bucket."""
    query = (
        select(func.count())
        .select_from(capacity_bookings.join(callbacks))
        .where(
            capacity_bookings.c.queue_id == queue_id,
            capacity_bookings.c.bucket_start == bucket_start,
            callbacks.c.state.not_in(RELEASED),
        )
    )
    return int(connection.execute(query).scalar_one())


def used_between(
    connection: Connection, queue_id: int, start: datetime, end: datetime
) -> dict[datetime, int]:
    """Count the places held per bucket, for the buckets starting in [start, end)."""
    bucket = capacity_bookings.c.bucket_start
    query = (
        select(bucket, func.count())
        .select_from(capacity_bookings.join(callbacks))
        .where(capacity_bookings.c.queue_id == queue_id, bucket >= start, bucket < end)
        .where(callbacks.c.state.not_in(RELEASED))
        .group_by(bucket)
    )
    return {row[0]: int(row[1]) for row in connection.execute(query)}


def booked_bucket(connection: Connection, callback_id: UUID) -> datetime | None:
    """Return the start of the bucket a callback holds, None if it holds none."""
    query = select(capacity_bookings.c.bucket_start).where(
        capacity_bookings.c.callback_id == str(callback_id)
    )
    found: datetime | None = connection.execute(query).scalar_one_or_none()
    return found


def book(connection: Connection, callback_id: UUID, queue_id: int, bucket_start: datetime) -> None:
    """Record that a callback holds a place in a bucket (moving it if it held another)."""
    moved = connection.execute(
        update(capacity_bookings)
        .where(capacity_bookings.c.callback_id == str(callback_id))
        .values(queue_id=queue_id, bucket_start=bucket_start)
    )
    if moved.rowcount == 0:
        connection.execute(
            insert(capacity_bookings).values(
                callback_id=str(callback_id), queue_id=queue_id, bucket_start=bucket_start
            )
        )
