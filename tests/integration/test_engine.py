"""Engine configuration and the UTC datetime column type."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, StatementError

from ringback.store import migrate, tables
from ringback.store.engine import SQLITE_BUSY_TIMEOUT_MS, build_engine, normalize_url
from ringback.store.types import UtcDateTime
from tests.factories import NOW


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    yield engine
    engine.dispose()


def pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_connections_are_configured(sqlite_engine: Engine) -> None:
    assert SQLITE_BUSY_TIMEOUT_MS == 5000
    assert pragma(sqlite_engine, "foreign_keys") == 1
    assert pragma(sqlite_engine, "journal_mode") == "wal"
    assert pragma(sqlite_engine, "busy_timeout") == 5000


def test_every_pooled_sqlite_connection_is_configured(sqlite_engine: Engine) -> None:
    # Raw DBAPI connections: a second SQLAlchemy connection would wait on BEGIN IMMEDIATE.
    one, two = sqlite_engine.raw_connection(), sqlite_engine.raw_connection()
    try:
        assert one.dbapi_connection is not two.dbapi_connection
        for connection in (one, two):
            cursor = connection.cursor()
            assert cursor.execute("PRAGMA foreign_keys").fetchone() == (1,)
            assert cursor.execute("PRAGMA busy_timeout").fetchone() == (5000,)
            assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            cursor.close()
    finally:
        one.close()
        two.close()


def test_sqlite_transactions_begin_immediate(sqlite_engine: Engine) -> None:
    # A write lock is taken at BEGIN, so a rival writer waits instead of failing on upgrade.
    with sqlite_engine.begin() as connection:
        rival = sqlite_engine.raw_connection()
        try:
            cursor = rival.cursor()
            cursor.execute("PRAGMA busy_timeout=0")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                cursor.execute("BEGIN IMMEDIATE")
        finally:
            rival.close()
        assert connection.in_transaction()


def test_sqlite_enforces_foreign_keys(sqlite_engine: Engine) -> None:
    migrate.upgrade(sqlite_engine)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), sqlite_engine.begin() as connection:
        connection.execute(
            insert(tables.user_tokens).values(token_hash="h", login="ghost", expires_at=NOW)
        )


def test_an_in_memory_sqlite_engine_shares_one_database() -> None:
    engine = build_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT x FROM t")).scalar() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p%40ss@db:5432/rb", "postgresql+psycopg://u:p%40ss@db:5432/rb"),
        ("postgres://u@db/rb", "postgresql+psycopg://u@db/rb"),
        ("postgresql+psycopg://u@db/rb", "postgresql+psycopg://u@db/rb"),
        ("sqlite:///ringback.db", "sqlite:///ringback.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalize_url_picks_psycopg_for_postgresql(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_a_postgresql_engine_uses_psycopg() -> None:
    engine = build_engine("postgresql://user@127.0.0.1:5432/nowhere")
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_utc_datetime_refuses_naive_datetimes(dialect: object) -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 5, 9, 0), dialect)  # type: ignore[arg-type]


def test_utc_datetime_stores_utc() -> None:
    paris = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    column = UtcDateTime()
    assert column.process_bind_param(paris, sqlite.dialect()) == datetime(2026, 1, 5, 9, 0)
    on_pg = column.process_bind_param(paris, postgresql.dialect())
    assert on_pg == NOW
    assert on_pg is not None
    assert on_pg.tzinfo is UTC
    assert column.process_bind_param(None, sqlite.dialect()) is None
    assert column.process_result_value(datetime(2026, 1, 5, 9, 0), sqlite.dialect()) == NOW
    back = column.process_result_value(paris, postgresql.dialect())
    assert back == NOW
    assert back is not None
    assert back.tzinfo is UTC


def test_a_naive_datetime_never_reaches_the_database(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
        connection.execute(
            insert(tables.users).values(
                login="naive", profile="admin", rights={}, created_at=datetime(2026, 1, 5)
            )
        )
    with engine.connect() as connection:
        assert connection.execute(select(tables.users.c.login)).all() == []
