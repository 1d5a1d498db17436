"""Reading the event log as a feed: the SSE stream and the webhook outbox both follow it."""

from __future__ import annotations

from typing import Any

from ringback.domain.callbacks import StateChange
from ringback.domain.people import Principal
from ringback.services.ports import Store

MAX_FEED = 500


def event_payload(change: StateChange) -> dict[str, Any]:
    """Return one state change as the stream and the webhooks send it."""
    return {
        "id": change.id,
        "type": f"callback.{change.to_state.value}",
        "event": change.event,
        "callback_id": str(change.callback_id),
        "queue_id": change.queue_id,
        "at": change.at.isoformat(),
        "actor": change.actor,
        "from_state": change.from_state.value if change.from_state else None,
        "to_state": change.to_state.value,
        "reason": change.reason,
        "detail": change.detail,
    }


class EventService:
    """Hands out the state changes recorded after a given event id."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def feed(self, actor: Principal, after_id: int, limit: int = 100) -> list[StateChange]:
        """Return the changes after `after_id` that the actor may see, oldest first."""
        limit = max(1, min(limit, MAX_FEED))
        with self._store.transaction() as tx:
            return tx.events.after(after_id, limit=limit, queue_ids=actor.visible_queue_ids())

    def last_id(self) -> int:
        """Return the id of the newest change."""
        with self._store.transaction() as tx:
            return tx.events.last_id()
