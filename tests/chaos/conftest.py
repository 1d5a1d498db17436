"""The chaos tests' database: one of their own, not the one other tests share and empty.

They start `ringback dispatch` processes; one that outlives a failed test must not write into
the next test's rows, so each test gets a copy of the migrated template, dropped after it.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(own_database_url: str) -> str:
    """An empty, migrated database for this test alone."""
    return own_database_url
