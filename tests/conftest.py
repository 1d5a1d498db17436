"""Fixtures shared by every tier: the database, a fake clock, core, the app and a client.

RINGBACK_TEST_DATABASE=sqlite (default) gives each test its own SQLite file; =postgres migrates
one throw-away database per session on RINGBACK_TEST_DATABASE_URL and empties it between tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.settings import Settings
from ringback.store import migrate
from ringback.store.engine import build_engine
from ringback.store.tables import metadata
from ringback.testing import FakeClock

SERVICE_TOKEN = "test-service-token-0123456789abcdef"
ADMIN_PASSWORD = "admin-password-1"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def backend() -> str:
    """Return the database the suite runs on: sqlite or postgres."""
    return os.environ.get("RINGBACK_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Create a throw-away PostgreSQL database for the session, migrated once."""
    admin_url = os.environ.get("RINGBACK_TEST_DATABASE_URL", DEFAULT_PG_URL)
    name = f"ringback_test_{uuid.uuid4().hex[:10]}"
    admin = build_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of an empty, migrated database for one test."""
    if backend() == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        _empty(url)
        return url
    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _empty(url: str) -> None:
    engine = build_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A clock frozen at Monday 2026-01-05 09:00 UTC."""
    return FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings of a test server."""
    return Settings(
        database_url=database_url,
        api_token=SERVICE_TOKEN,  # type: ignore[arg-type]
        admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True,
        max_body_bytes=64 * 1024,
        dispatcher=False,  # API tests drive states themselves; dispatch tests start their own
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the test database."""
    built = build_engine(settings.database_url)
    yield built
    built.dispose()


@pytest.fixture
def core(settings: Settings, engine: Engine, clock: FakeClock) -> Core:
    """The core on the test database, with an admin and the service token in place."""
    built = bootstrap.build_core(settings, engine=engine, clock=clock)
    bootstrap.prepare(built)
    return built


@pytest.fixture
def client(settings: Settings, core: Core) -> Iterator[TestClient]:
    """An HTTP client on the whole application, without credentials."""
    with TestClient(bootstrap.build_app(core)) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    """The client, carrying the service token."""
    client.headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"
    return client
