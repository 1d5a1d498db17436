"""Use cases of webhook subscriptions and of the outbox that feeds them."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import StateChange
from ringback.domain.people import Principal
from ringback.domain.webhooks import Subscription
from ringback.services import access
from ringback.services.ports import Clock, Store

BATCH = 100
MAX_BACKOFF_SECONDS = 600
LEASE_SECONDS = 60


class WebhookService:
    """Create, read, change and remove subscriptions; admins only."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list(self, actor: Principal) -> list[Subscription]:
        """Return every subscription."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            return tx.webhooks.all()

    def get(self, actor: Principal, subscription_id: UUID) -> Subscription:
        """Return one subscription."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            return _existing(tx.webhooks.get(subscription_id), subscription_id)

    def create(
        self, actor: Principal, *, url: str, secret: str, event_types: tuple[str, ...]
    ) -> Subscription:
        """Subscribe `url` to the events that happen from now on."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            subscription = Subscription(
                id=uuid.uuid4(), url=url, secret=secret, event_types=event_types,
                cursor=tx.events.last_id(), created_at=self._clock.now(),
            )  # fmt: skip
            tx.webhooks.add(subscription)
        return subscription

    def update(
        self, actor: Principal, subscription_id: UUID, *, url: str, secret: str,
        event_types: tuple[str, ...], active: bool,
    ) -> Subscription:  # fmt: skip
        """Change a subscription; re-activating it clears its failure count."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            current = _existing(tx.webhooks.get(subscription_id), subscription_id)
            changed = dataclasses.replace(
                current, url=url, secret=secret, event_types=event_types, active=active,
                failures=0 if active else current.failures, next_attempt_at=None,
            )  # fmt: skip
            tx.webhooks.update(changed)
        return changed

    def delete(self, actor: Principal, subscription_id: UUID) -> None:
        """Remove a subscription."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            _existing(tx.webhooks.get(subscription_id), subscription_id)
            tx.webhooks.delete(subscription_id)


@dataclass(frozen=True, slots=True)
class Batch:
    """Events owed to one subscription, in order; `cursor` is the last event looked at."""

    subscription: Subscription
    events: list[StateChange]
    cursor: int


class OutboxService:
    """Hands each subscription the events after its cursor, one deliverer at a time."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def take(self, owner: str, limit: int = 10) -> list[Batch]:
        """Lease the subscriptions that are due and return the events each is owed."""
        now = self._clock.now()
        until = now + timedelta(seconds=LEASE_SECONDS)
        with self._store.transaction() as tx:
            if tx.events.last_id() == 0:
                return []
            batches = []
            for subscription in tx.webhooks.lease_due(
                owner=owner, now=now, until=until, limit=limit
            ):
                changes = tx.events.after(subscription.cursor, limit=BATCH)
                cursor = changes[-1].id if changes else subscription.cursor
                wanted = [c for c in changes if subscription.wants(f"callback.{c.to_state.value}")]
                batches.append(Batch(subscription, wanted, cursor or subscription.cursor))
            return batches

    def delivered(self, owner: str, batch: Batch) -> None:
        """Move the subscription's cursor past the batch and let it go."""
        with self._store.transaction() as tx:
            tx.webhooks.release(
                batch.subscription.id, owner=owner, cursor=batch.cursor, failures=0,
                next_attempt_at=None, last_error="",
            )  # fmt: skip

    def failed(self, owner: str, batch: Batch, error: str) -> None:
        """Keep the cursor (nothing is skipped) and try again after a growing delay."""
        failures = batch.subscription.failures + 1
        delay = min(MAX_BACKOFF_SECONDS, 2**failures)
        with self._store.transaction() as tx:
            tx.webhooks.release(
                batch.subscription.id, owner=owner, cursor=batch.subscription.cursor,
                failures=failures, next_attempt_at=self._clock.now() + timedelta(seconds=delay),
                last_error=error[:500],
            )  # fmt: skip


def _existing(subscription: Subscription | None, subscription_id: UUID) -> Subscription:
    if subscription is None:
        raise errors.NotFound(f"webhook {subscription_id} does not exist")
    return subscription
