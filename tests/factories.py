"""Builders of domain objects and databases shared by the unit and integration tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlalchemy.engine import make_url

from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.domain.queues import Queue, QueueSettings
from ringback.domain.states import State
from ringback.services.callbacks import NewCallback
from ringback.services.ports import Store
from ringback.store import rows
from ringback.store.engine import build_engine
from ringback.store.tables import callbacks as callbacks_table

#: Monday 2026-01-05 09:00 UTC, the instant of the `clock` fixture.
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NUMBER = "+14155550123"
OTHER_NUMBER = "+14155550124"
SERVICE = Principal.service()
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def backend() -> str:
    """Return the database the suite runs on: sqlite or postgres (as tests/conftest.py does)."""
    return os.environ.get("RINGBACK_TEST_DATABASE", "sqlite")


def make_queue(queue_id: int = 1, name: str | None = None, **settings: Any) -> Queue:
    """Return a queue with default settings, changed by `settings`."""
    return Queue(queue_id, QueueSettings(name=name or f"queue-{queue_id}", **settings))


def make_callback(queue_id: int = 1, *, now: datetime = NOW, **changes: Any) -> Callback:
    """Return a waiting callback created at `now` and due at `now`, changed by `changes`."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "queue_id": queue_id,
        "customer_number": NUMBER,
        "state": State.WAITING,
        "created_at": now,
        "updated_at": now,
        "next_action_at": now,
    }
    values.update(changes)
    return Callback(**values)


def new_callback(queue_id: int = 1, **fields: Any) -> NewCallback:
    """Return a creation request for `queue_id` with the default number."""
    values: dict[str, Any] = {"queue_id": queue_id, "phone_number": NUMBER}
    values.update(fields)
    return NewCallback(**values)


def principal(
    login: str = "sup", *, profile: Profile = Profile.SUPERVISOR, queue_ids: tuple[int, ...] = (1,)
) -> Principal:
    """Return the principal of a user limited to `queue_ids`."""
    return Principal.of(User(login, profile, rights=Rights(queue_ids=queue_ids)))


def bulk_insert(connection: Connection, callbacks: Iterable[Callback]) -> None:
    """Insert many callbacks in one executemany."""
    values = [{**rows.callback_to_row(c), "idempotency_key": None} for c in callbacks]
    if values:
        connection.execute(insert(callbacks_table), values)


def claim(
    store: Store, now: datetime, *, owner: str = "worker", token: str | None = None, limit: int = 10
) -> list[Callback]:
    """Claim due callbacks in one transaction under a 30 s lease."""
    with store.transaction() as tx:
        return tx.callbacks.claim_due(
            now=now,
            owner=owner,
            token=token or uuid.uuid4().hex,
            lease_until=now + timedelta(seconds=30),
            limit=limit,
        )


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database of `kind`; a PostgreSQL one is dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin_url = os.environ.get("RINGBACK_TEST_DATABASE_URL", DEFAULT_PG_URL)
    name = f"ringback_fresh_{uuid.uuid4().hex[:10]}"
    admin = build_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
