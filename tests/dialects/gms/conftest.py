"""A GMS client on the whole application, carrying the service token; queue helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.queues import Queue, QueueSettings
from ringback.settings import Settings
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

BASE = "/genesys/1/service/callback"
ADMIN = "/genesys/1/admin/callback/queues"
PACKAGE = "com.genesyslab.gsg.services.callback"
SERVICE_EXCEPTION = f"{PACKAGE}.CallbackServiceException"
CALLBACK_EXCEPTION = f"{PACKAGE}.CallbackException"
AVAILABILITY_EXCEPTION = f"{PACKAGE}.CallbackAvailabilityException"
EXCEPTION_AVAILABILITY = f"{PACKAGE}.CallbackExceptionAvailability"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings of a GMS test server: no trusted host, so every call needs credentials."""
    return Settings(
        database_url=database_url,
        api_token=SERVICE_TOKEN,  # type: ignore[arg-type]
        admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True,
        max_body_bytes=64 * 1024,
        dispatcher=False,
    )


@pytest.fixture
def gms(settings: Settings, core: Core) -> Iterator[TestClient]:
    """A client of /genesys/1 carrying the service token."""
    app = bootstrap.build_app(core)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"
        yield client


def add_service(core: Core, name: str = "BasicCallback", **settings: Any) -> Queue:
    """Create a queue (a GMS callback service) through the queue service."""
    return core.queues.create(Principal.service(), QueueSettings(name=name, **settings))


def utc(*parts: int) -> datetime:
    """Return a UTC instant."""
    return datetime(*parts, tzinfo=UTC)


def error(response: Any, exception: str, status: int = 400) -> dict[str, Any]:
    """Return a GMS error body after checking its status, exception and member order."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["exception"] == exception, body
    assert list(body)[:2] == ["message", "exception"]
    return body
