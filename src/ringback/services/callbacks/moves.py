"""Moving a stored callback: read it for a change, store the change with its event-log line.

Every use case that changes a callback's state (the CallbackService's, the agent workflow's)
reads it with `locked` and writes it with `save`, inside the unit of work it owns.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback, record
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.services.ports import Transaction


def visible(
    tx: Transaction, actor: Principal, callback_id: UUID, *, for_update: bool = False
) -> Callback:
    """Return a callback the actor may see; one of another team's queues does not exist."""
    callback = tx.callbacks.get(callback_id, for_update=for_update)
    if callback is None or not actor.may_see_queue(callback.queue_id):
        raise errors.NotFound(f"callback {callback_id} does not exist")
    return callback


def locked(tx: Transaction, actor: Principal, callback_id: UUID) -> Callback:
    """Read a callback about to be changed, holding its row so that a concurrent writer (the
    dispatcher settling a fast attempt) waits instead of making this change fail."""
    return visible(tx, actor, callback_id, for_update=True)


def save(
    tx: Transaction, before: Callback, after: Callback, *, event: str, actor: str, **detail: Any
) -> Callback:
    """Store `after` if nobody changed `before` meanwhile; return it as stored."""
    if not tx.callbacks.update(after, expected_version=before.version):
        raise errors.Conflict(f"callback {after.id} changed meanwhile; try again")
    tx.events.append(record(before, after, event=event, actor=actor, **detail))
    return after.evolve(version=before.version + 1)


def remove_list(tx: Transaction, list_id: UUID) -> int:
    """Remove the callbacks of a list that goes away (XiVO deletes a list with its requests)."""
    return tx.callbacks.delete_of_list(list_id)


def forget_period(tx: Transaction, period_id: UUID) -> None:
    """Unlink the callbacks from a preferred period that goes away."""
    tx.callbacks.forget_period(period_id)


def queue_of(tx: Transaction, queue_id: int) -> Queue:
    """Return a stored queue, or raise NotFound."""
    queue = tx.queues.get(queue_id)
    if queue is None:
        raise errors.NotFound(f"queue {queue_id} does not exist", field="queue_id")
    return queue
