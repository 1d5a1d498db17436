"""Clients of the native API for the black-box tests.

The clients answer a server error with a 500 response instead of raising it, so that a test of
bad input can assert the status the caller would see ("never a 500").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.settings import Settings
from tests.conftest import SERVICE_TOKEN


@pytest.fixture
def app(settings: Settings, core: Core) -> FastAPI:
    """The whole application on the test database."""
    return bootstrap.build_app(core)


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """A client without credentials."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """A client carrying the service token (admin rights)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"
        yield test_client
