"""One dispatcher per SQLite file: an exclusive lock on a file beside the database."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url


class DispatcherLockError(RuntimeError):
    """Another dispatcher already works on this SQLite database."""


class DispatcherLock:
    """Hold `<database>.dispatcher.lock` while dispatching; PostgreSQL needs no lock."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        database = url.database if url.get_backend_name() == "sqlite" else None
        self.path = (
            Path(f"{database}.dispatcher.lock") if database not in (None, "", ":memory:") else None
        )
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise DispatcherLockError saying who holds it."""
        if self.path is None:
            return
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise DispatcherLockError(
                f"a dispatcher ({holder}) already works on this SQLite database; SQLite allows "
                "one dispatcher per database file: stop it, run this one with --no-dispatcher, "
                "or use PostgreSQL for several dispatchers"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let another dispatcher take over."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
