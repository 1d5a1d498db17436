"""Webhook subscriptions in SQL, leased to one deliverer at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, RowMapping, delete, insert, or_, select, update

from ringback.domain.webhooks import Subscription
from ringback.store.tables import webhooks


class SqlWebhooks:
    """Webhook subscriptions in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, subscription_id: UUID) -> Subscription | None:
        """Return one subscription."""
        query = select(webhooks).where(webhooks.c.id == str(subscription_id))
        row = self._c.execute(query).mappings().first()
        return _from_row(row) if row else None

    def all(self) -> list[Subscription]:
        """Return every subscription, oldest first."""
        query = select(webhooks).order_by(webhooks.c.created_at, webhooks.c.id)
        return [_from_row(row) for row in self._c.execute(query).mappings()]

    def add(self, subscription: Subscription) -> None:
        """Store a new subscription."""
        self._c.execute(insert(webhooks).values(_values(subscription)))

    def update(self, subscription: Subscription) -> None:
        """Replace a subscription's settings."""
        values = _values(subscription)
        del values["id"]
        query = update(webhooks).where(webhooks.c.id == str(subscription.id)).values(values)
        self._c.execute(query)

    def delete(self, subscription_id: UUID) -> None:
        """Remove a subscription."""
        self._c.execute(delete(webhooks).where(webhooks.c.id == str(subscription_id)))

    def lease_due(
        self, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Subscription]:
        """Lease the active subscriptions due for delivery and not leased by anyone else."""
        due = (
            select(webhooks.c.id)
            .where(
                webhooks.c.active.is_(True),
                or_(webhooks.c.next_attempt_at.is_(None), webhooks.c.next_attempt_at <= now),
                or_(webhooks.c.lease_expires_at.is_(None), webhooks.c.lease_expires_at < now),
            )
            .order_by(webhooks.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        statement = (
            update(webhooks)
            .where(webhooks.c.id.in_(select(due.c.id)))
            .values(lease_owner=owner, lease_expires_at=until)
            .returning(*webhooks.c)
        )
        return [_from_row(row) for row in self._c.execute(statement).mappings()]

    def release(
        self, subscription_id: UUID, *, owner: str, cursor: int, failures: int,
        next_attempt_at: datetime | None, last_error: str,
    ) -> bool:  # fmt: skip
        """Record a delivery's result and drop the lease, if `owner` still holds it."""
        statement = (
            update(webhooks)
            .where(webhooks.c.id == str(subscription_id), webhooks.c.lease_owner == owner)
            .values(
                cursor=cursor,
                failures=failures,
                next_attempt_at=next_attempt_at,
                last_error=last_error,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        return self._c.execute(statement).rowcount == 1


def _values(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": str(subscription.id),
        "url": subscription.url,
        "secret": subscription.secret,
        "event_types": list(subscription.event_types),
        "active": subscription.active,
        "cursor": subscription.cursor,
        "failures": subscription.failures,
        "next_attempt_at": subscription.next_attempt_at,
        "last_error": subscription.last_error,
        "created_at": subscription.created_at,
    }


def _from_row(row: RowMapping) -> Subscription:
    return Subscription(
        id=UUID(row["id"]),
        url=row["url"],
        secret=row["secret"],
        event_types=tuple(row["event_types"]),
        active=row["active"],
        cursor=row["cursor"],
        failures=row["failures"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )
