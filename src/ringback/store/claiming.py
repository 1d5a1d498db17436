"""Claiming due callbacks: one statement, safe with any number of claimers.

PostgreSQL: the due rows are picked in a MATERIALIZED CTE with FOR UPDATE SKIP LOCKED, so that
concurrent claimers skip each other's rows and the planner cannot re-run the LIMIT subquery.
SQLite: the same statement without the lock clause (SQLAlchemy drops it), made atomic by the
BEGIN IMMEDIATE every write transaction starts with; one dispatcher per database file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select, update

from ringback.domain.callbacks import Callback
from ringback.domain.states import State
from ringback.store import rows
from ringback.store.tables import callbacks


def claim_due(
    connection: Connection,
    *,
    now: datetime,
    owner: str,
    token: str,
    lease_until: datetime,
    limit: int,
    queue_ids: Sequence[int] | None = None,
    started_before: datetime | None = None,
) -> list[Callback]:
    """Move up to `limit` waiting callbacks due at `now` to dispatching under a lease.

    With `started_before` (position mode) only callbacks whose caller entered the queue before
    that instant qualify, oldest queue start first: the head of the line keeps its place.
    """
    due = select(callbacks.c.id).where(
        callbacks.c.state == State.WAITING.value, callbacks.c.next_action_at <= now
    )
    if queue_ids is not None:
        due = due.where(callbacks.c.queue_id.in_(list(queue_ids)))
    order = [callbacks.c.next_action_at, callbacks.c.id]
    if started_before is not None:
        due = due.where(callbacks.c.queue_start_time <= started_before)
        order = [callbacks.c.queue_start_time, callbacks.c.id]
    due_cte = (
        due.order_by(*order)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(callbacks)
        .where(callbacks.c.id.in_(select(due_cte.c.id)))
        .values(
            state=State.DISPATCHING.value,
            lease_owner=owner,
            lease_token=token,
            lease_expires_at=lease_until,
            updated_at=now,
        )
        .returning(*callbacks.c)
    )
    claimed = [rows.callback_from_row(row) for row in connection.execute(statement).mappings()]
    # RETURNING gives no order: hand the batch back in the order it was chosen.
    if started_before is not None:
        return sorted(claimed, key=lambda c: (c.queue_start_time or now, str(c.id)))
    return sorted(claimed, key=lambda c: (c.next_action_at or now, str(c.id)))
