"""Fakes shipped with ringback and used by its own tests: clock, an in-memory core, telephony.

The in-memory store is the real SQL store on an in-memory SQLite database built by the real
migrations, so that tests exercise the same queries as production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ringback import bootstrap
from ringback.core import Core
from ringback.domain.callbacks import Callback
from ringback.domain.queues import Queue
from ringback.services.ports import Delivery, DeliveryStatus, QueueStats
from ringback.settings import Settings
from ringback.store import migrate
from ringback.store.engine import build_engine


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """Return the frozen current instant."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment`."""
        if moment.utcoffset() is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta given as keywords (seconds=..., minutes=...)."""
        self._now += timedelta(**delta)
        return self._now


def memory_core(clock: FakeClock | None = None, database_url: str = "sqlite://") -> Core:
    """Return the core on a freshly migrated database (in memory by default)."""
    settings = Settings(database_url=database_url, fast_password_hash=True)
    engine = build_engine(database_url)
    migrate.upgrade(engine)
    return bootstrap.build_core(settings, engine=engine, clock=clock or FakeClock())


Script = Callable[[Callback, str], Delivery]


def accept_all(callback: Callback, dial_key: str) -> Delivery:
    """Answer every dial request with ACCEPTED."""
    return Delivery(DeliveryStatus.ACCEPTED)


class RecordingTelephony:
    """A telephony adapter that records every dial key and answers from a script.

    `delay_seconds` makes each request take that long (a slow PBX); `stats` is what
    queue_stats answers (None: the adapter cannot tell).
    """

    def __init__(
        self,
        script: Script = accept_all,
        *,
        delay_seconds: float = 0.0,
        stats: QueueStats | None = None,
        clock: FakeClock | None = None,
    ) -> None:
        self.script = script
        self.delay_seconds = delay_seconds
        self.stats = stats
        self._clock = clock
        self.delivered: list[str] = []
        self.delivered_at: list[datetime] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
        """Record the request, wait the delay, answer from the script."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.delivered.append(dial_key)
            if self._clock is not None:
                self.delivered_at.append(self._clock.now())
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            return self.script(callback, dial_key)
        finally:
            self.in_flight -= 1

    async def queue_stats(self, queue: Queue) -> QueueStats | None:
        """Return the configured stats."""
        return self.stats

    async def aclose(self) -> None:
        """Nothing to close."""

    def keys_of(self, callback_id: UUID) -> list[str]:
        """Return the dial keys sent for one callback, in order."""
        return [key for key in self.delivered if key.startswith(f"{callback_id}:")]
