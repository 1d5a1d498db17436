"""The eventUrl feed: what xuc is owed, taken in order and rendered in xuc's shapes.

Phone facts are written to an outbox table (with the instant each becomes true, so that a
call's later steps wait for their moment) in the transaction that causes them; callback changes
are read from the engine's event log after the feed's cursor. The outbox worker
(ringback.notify.outbox) leases the feed, POSTs each message of the batch in order, and backs off
on failure exactly as it does for webhook subscriptions.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ringback.dialects.xuc_legacy import wire
from ringback.dialects.xuc_legacy.phones import PhoneFact
from ringback.dialects.xuc_legacy.wire import Message
from ringback.domain.callbacks import StateChange
from ringback.services.ports import Clock, Transaction
from ringback.services.webhooks import BATCH, LEASE_SECONDS, MAX_BACKOFF_SECONDS

FEED = "eventUrl"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A phone fact waiting in the outbox.

    A message instead of a fact was stored, already rendered, by a version before the facts:
    it is sent as it is.
    """

    id: int
    fact: PhoneFact | Message
    due_at: datetime


@dataclass(frozen=True, slots=True)
class FeedState:
    """Where the eventUrl feed stands: its callback cursor and its failures so far."""

    callback_cursor: int
    failures: int = 0


class XucEventRepository(Protocol):
    """The eventUrl outbox and the state of its feed."""

    def add(self, fact: PhoneFact, due_at: datetime) -> None:
        """Queue one fact, to be sent once `due_at` has come."""
        ...

    def due(self, now: datetime, limit: int) -> list[StoredEvent]:
        """Return the facts due at `now`, in the order they happen."""
        ...

    def delete(self, event_ids: Sequence[int]) -> None:
        """Drop delivered facts."""
        ...

    def ensure_feed(self, name: str, callback_cursor: int) -> None:
        """Create the feed, starting after `callback_cursor`, unless it exists."""
        ...

    def lease_feed(
        self, name: str, *, owner: str, now: datetime, until: datetime
    ) -> FeedState | None:
        """Lease the feed when it is due and not leased by anyone else."""
        ...

    def release_feed(
        self, name: str, *, owner: str, callback_cursor: int, failures: int,
        next_attempt_at: datetime | None, last_error: str,
    ) -> bool:  # fmt: skip
        """Record a delivery's result and drop the lease, if `owner` still holds it."""
        ...


class XucEventTransaction(Transaction, Protocol):
    """A unit of work that also reaches the eventUrl outbox."""

    xuc_events: XucEventRepository


class XucEventStore(Protocol):
    """Opens units of work reaching the eventUrl outbox."""

    def transaction(
        self, *, read_only: bool = False
    ) -> AbstractContextManager[XucEventTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message owed to the eventUrl, and where it came from."""

    message: Message
    at: datetime
    event_id: int | None = None  # a phone fact of the outbox
    change_id: int | None = None  # a callback change of the event log


@dataclass(frozen=True, slots=True)
class XucBatch:
    """Messages owed to the eventUrl, in the order they happened."""

    items: list[Outgoing]
    callback_cursor: int
    failures: int


class XucEventFeed:
    """xuc's eventUrl as an event feed: hands the worker what is due, records how far it got."""

    def __init__(
        self, store: XucEventStore, clock: Clock, *, url: str, secret: str | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self.url = url
        self.secret = secret

    def take(self, owner: str) -> XucBatch | None:
        """Lease the feed if it is due and return what it owes, oldest first, rendered.

        A feed created now starts after the newest callback change: it sends what happens next.
        """
        now = self._clock.now()
        until = now + timedelta(seconds=LEASE_SECONDS)
        with self._store.transaction() as tx:
            tx.xuc_events.ensure_feed(FEED, tx.events.last_id())
            feed = tx.xuc_events.lease_feed(FEED, owner=owner, now=now, until=until)
            if feed is None:
                return None
            phone = tx.xuc_events.due(now, BATCH)
            changes = tx.events.after(feed.callback_cursor, limit=BATCH)
        return XucBatch(_merge(phone, changes), feed.callback_cursor, feed.failures)

    def messages(self, batch: XucBatch) -> list[Message]:
        """Return the messages of a batch, oldest first."""
        return [item.message for item in batch.items]

    def settle(self, owner: str, batch: XucBatch, sent: int, error: str | None) -> None:
        """Forget the first `sent` messages; after an error keep the rest and back off."""
        done = batch.items[:sent]
        cursor = max([batch.callback_cursor] + [i.change_id for i in done if i.change_id])
        failures = batch.failures + 1 if error else 0
        delay = timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2**failures))
        with self._store.transaction() as tx:
            tx.xuc_events.delete([i.event_id for i in done if i.event_id is not None])
            tx.xuc_events.release_feed(
                FEED, owner=owner, callback_cursor=cursor, failures=failures,
                next_attempt_at=self._clock.now() + delay if error else None,
                last_error=(error or "")[:500],
            )  # fmt: skip


def _merge(phone: list[StoredEvent], changes: list[StateChange]) -> list[Outgoing]:
    """Interleave phone facts and callback changes by time; each keeps its own order.

    heapq.merge only ever takes the head of an input, so the callback changes stay in id
    order and the cursor can move past exactly the ones sent.
    """
    outbox = [Outgoing(render(e.fact), e.due_at, event_id=e.id) for e in phone]
    log = [Outgoing(wire.callback_message(c), c.at, change_id=c.id) for c in changes]
    return list(heapq.merge(outbox, log, key=lambda item: item.at))


def render(fact: PhoneFact | Message) -> Message:
    """Return the message that tells a stored phone fact (a stored message as it is)."""
    return fact if isinstance(fact, dict) else wire.phone_message(fact)
