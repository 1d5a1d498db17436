"""Fixtures of the dispatch tests: services on a throw-away SQLite file, quick to build.

The dispatcher runs the store in worker threads, so the loop tests use a SQLite file (one
connection per thread) rather than the shared single connection of an in-memory database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ringback import bootstrap
from ringback.testing import FakeClock, memory_services


@pytest.fixture
def local(tmp_path: Path, clock: FakeClock) -> bootstrap.Services:
    """Services on a freshly migrated SQLite file, driven by the `clock` fixture."""
    return memory_services(clock, database_url=f"sqlite:///{tmp_path / 'dispatch.db'}")
