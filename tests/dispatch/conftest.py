"""Fixtures of the dispatch tests: core on a throw-away SQLite file, quick to build.

The dispatcher runs the store in worker threads, so the loop tests use a SQLite file (one
connection per thread) rather than the shared single connection of an in-memory database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ringback.core import Core
from ringback.testing import FakeClock, memory_core


@pytest.fixture
def local(tmp_path: Path, clock: FakeClock) -> Core:
    """A core on a freshly migrated SQLite file, driven by the `clock` fixture."""
    return memory_core(clock, database_url=f"sqlite:///{tmp_path / 'dispatch.db'}")
