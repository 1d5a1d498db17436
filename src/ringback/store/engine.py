"""Engines for SQLite and PostgreSQL, configured the same way for the app and the tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000
#: execution option of a connection that will only read
READ_ONLY = "ringback_read_only"


def normalize_url(url: str) -> str:
    """Pick ringback's drivers: psycopg 3 for PostgreSQL, the stdlib module for SQLite."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def build_engine(url: str, *, pool_size: int = 5) -> Engine:
    """Return an engine for `url`; SQLite gets WAL, foreign keys, busy timeout, BEGIN IMMEDIATE."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, future=True
        )
    return _sqlite_engine(url)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    in_memory = database in (None, "", ":memory:")
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        # One connection, or each would see its own database; taken in turns (pool of one),
        # since threads sharing one SQLite connection at once corrupt its transactions.
        options.update(poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=30)
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event (the documented pysqlite recipe),
    # so that every transaction starts with BEGIN IMMEDIATE and never fails on lock upgrade.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # A read-only unit of work must not queue behind writers for the write lock.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
