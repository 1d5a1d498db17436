"""One dispatcher per SQLite file, refused clearly otherwise; PostgreSQL needs no lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringback.store.dispatcher_lock import DispatcherLock, DispatcherLockError


def test_a_second_dispatcher_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    first, second = DispatcherLock(url), DispatcherLock(url)
    first.acquire()
    try:
        with pytest.raises(DispatcherLockError, match="one dispatcher per database file") as info:
            second.acquire()
        assert "pid " in str(info.value)  # names the holder
    finally:
        first.release()
    second.acquire()  # free again once the first let go
    try:
        with pytest.raises(DispatcherLockError):
            first.acquire()
    finally:
        second.release()
    first.acquire()
    first.release()


def test_dispatchers_on_different_sqlite_files_do_not_clash(tmp_path: Path) -> None:
    one = DispatcherLock(f"sqlite:///{tmp_path / 'one.db'}")
    two = DispatcherLock(f"sqlite:///{tmp_path / 'two.db'}")
    one.acquire()
    two.acquire()
    two.release()
    one.release()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ringback@db.example:5432/ringback",
        "postgresql+psycopg://ringback:secret@127.0.0.1/ringback",
        "sqlite://",
        "sqlite:///:memory:",
    ],
)
def test_postgresql_and_in_memory_databases_need_no_lock(url: str) -> None:
    first, second = DispatcherLock(url), DispatcherLock(url)
    assert first.path is None
    first.acquire()
    second.acquire()
    second.release()
    first.release()


def test_release_without_acquire_is_harmless(tmp_path: Path) -> None:
    lock = DispatcherLock(f"sqlite:///{tmp_path / 'ringback.db'}")
    lock.release()
    lock.acquire()
    lock.release()
    lock.release()
