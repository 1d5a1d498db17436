"""Use cases on queues and their settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.domain.queues import Queue, QueueSettings
from ringback.services import access
from ringback.services.ports import Store, Transaction

SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(QueueSettings))


class QueueService:
    """Create, read, change and remove queues; writes need admin rights."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def list(self, actor: Principal) -> list[Queue]:
        """Return the queues the actor may see."""
        with self._store.transaction() as tx:
            return [q for q in tx.queues.all() if actor.may_see_queue(q.id)]

    def get(self, actor: Principal, queue_id: int) -> Queue:
        """Return one queue the actor may see."""
        access.require_queue(actor, queue_id)
        with self._store.transaction() as tx:
            return _existing(tx, queue_id)

    def find_by_name(self, actor: Principal, name: str) -> Queue:
        """Return the queue answering to `name` (its name or an alias).

        One outside the actor's rights is unknown, in the same words as one that does not exist.
        """
        with self._store.transaction(read_only=True) as tx:
            queue = queue_named(tx, name)
        if not actor.may_see_queue(queue.id):
            raise errors.NotFound(f"queue {name!r} does not exist")
        return queue

    def create(
        self, actor: Principal, settings: QueueSettings, queue_id: int | None = None
    ) -> Queue:
        """Store a new queue; its id, name and aliases must be free."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            queue = Queue(queue_id if queue_id is not None else tx.queues.next_id(), settings)
            if tx.queues.get(queue.id) is not None:
                raise errors.Conflict(f"queue {queue.id} exists already", field="id")
            _check_names_free(tx, queue)
            tx.queues.add(queue)
            return queue

    def replace(self, actor: Principal, queue_id: int, settings: QueueSettings) -> Queue:
        """Replace every setting of a queue; omitted ones return to their defaults."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            _existing(tx, queue_id)
            queue = Queue(queue_id, settings)
            _check_names_free(tx, queue)
            tx.queues.update(queue)
            return queue

    def patch(self, actor: Principal, queue_id: int, changes: Mapping[str, Any]) -> Queue:
        """Change some settings of a queue, keeping the others."""
        access.require_admin(actor)
        unknown = set(changes) - SETTING_NAMES
        if unknown:
            raise errors.Invalid(f"unknown setting {sorted(unknown)[0]}", field=sorted(unknown)[0])
        with self._store.transaction() as tx:
            current = _existing(tx, queue_id)
            queue = Queue(queue_id, dataclasses.replace(current.settings, **changes))
            _check_names_free(tx, queue)
            tx.queues.update(queue)
            return queue

    def delete(self, actor: Principal, queue_id: int) -> None:
        """Remove a queue that has no open callback (its closed callbacks go with it)."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            _existing(tx, queue_id)
            still_open = tx.callbacks.count_open_in_queue(queue_id)
            if still_open:
                raise errors.Conflict(f"queue {queue_id} still has {still_open} open callbacks")
            tx.queues.delete(queue_id)


def put_queues(tx: Transaction, wanted: Sequence[tuple[int | None, QueueSettings]]) -> list[Queue]:
    """Replace or add each wanted queue inside `tx`, after checking them all (no half-write)."""
    planned = _planned(tx, wanted)
    for queue in planned:
        if tx.queues.get(queue.id) is None:
            tx.queues.add(queue)
        else:
            tx.queues.update(queue)
    return planned


def _planned(tx: Transaction, wanted: Sequence[tuple[int | None, QueueSettings]]) -> list[Queue]:
    """Build (and so validate) every wanted queue, giving new ones the next free ids."""
    stored = {queue.id: queue for queue in tx.queues.all()}
    next_id = max(stored, default=0) + 1
    planned: list[Queue] = []
    for queue_id, settings in wanted:
        if queue_id is None:
            queue_id, next_id = next_id, next_id + 1
        planned.append(Queue(queue_id, settings))
    _check_unique(planned, stored)
    return planned


def _check_unique(planned: list[Queue], stored: dict[int, Queue]) -> None:
    """Refuse queues that repeat an id or would share a name or alias."""
    final = dict(stored)
    for queue in planned:
        if sum(1 for other in planned if other.id == queue.id) > 1:
            raise errors.Invalid(f"queue id {queue.id} appears twice", field="id")
        final[queue.id] = queue
    owner: dict[str, int] = {}
    for queue in final.values():
        for name in (queue.name, *queue.settings.aliases):
            if owner.setdefault(name, queue.id) != queue.id:
                raise errors.Conflict(
                    f"name {name!r} would belong to queues {owner[name]} and {queue.id}",
                    field="name",
                )


def _existing(tx: Transaction, queue_id: int) -> Queue:
    queue = tx.queues.get(queue_id)
    if queue is None:
        raise errors.NotFound(f"queue {queue_id} does not exist")
    return queue


def queue_named(tx: Transaction, name: str) -> Queue:
    """Return the queue whose name or alias is `name`, or raise NotFound."""
    for queue in tx.queues.all():
        if queue.answers_to(name):
            return queue
    raise errors.NotFound(f"queue {name!r} does not exist")


def _check_names_free(tx: Transaction, queue: Queue) -> None:
    wanted = {queue.name, *queue.settings.aliases}
    for other in tx.queues.all():
        if other.id == queue.id:
            continue
        taken = wanted & {other.name, *other.settings.aliases}
        if taken:
            name = sorted(taken)[0]
            field = "name" if name == queue.name else "aliases"
            raise errors.Conflict(f"{field}: {name!r} is taken by queue {other.id}", field=field)
