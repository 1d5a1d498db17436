"""Fixtures of the dispatch tests: a core on a throw-away SQLite file, quick to build.

The dispatcher runs the store in worker threads, so the loop tests use a SQLite file (one
connection per thread) rather than the shared single connection of an in-memory database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ringback.core import Core
from ringback.testing import FakeClock, memory_core


@pytest.fixture
def local(tmp_path: Path, clock: FakeClock, sqlite_template: Path) -> Core:
    """A core on a copy of the migrated SQLite template, driven by the `clock` fixture.

    memory_core finds the copy at the head revision: its upgrade is then a quick no-op.
    """
    path = tmp_path / "dispatch.db"
    shutil.copyfile(sqlite_template, path)
    return memory_core(clock, database_url=f"sqlite:///{path}")
