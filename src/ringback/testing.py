"""Fakes shipped with ringback and used by its own tests: a clock, a store, services.

The in-memory store is the real SQL store on an in-memory SQLite database built by the real
migrations, so that tests exercise the same queries as production.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ringback import bootstrap
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


def memory_services(
    clock: FakeClock | None = None, database_url: str = "sqlite://"
) -> bootstrap.Services:
    """Return services on a freshly migrated database (in memory by default)."""
    settings = Settings(database_url=database_url, fast_password_hash=True)
    engine = build_engine(database_url)
    migrate.upgrade(engine)
    return bootstrap.build_services(settings, engine=engine, clock=clock or FakeClock())
