"""A xuc 2.0 client on the whole application, a logged-in user, and the wing's store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.xuc import sql
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.settings import Settings
from ringback.store.transaction import UnitsOfWork
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

API = "/xuc/api/2.0"
PASSWORD = "alice-password-1"


@pytest.fixture
def xuc_settings() -> dict[str, object]:
    """Extra settings a test module may override."""
    return {}


@pytest.fixture
def settings(database_url: str, xuc_settings: dict[str, object]) -> Settings:
    """Settings of a xuc test server, dates in Europe/Paris."""
    return Settings(
        database_url=database_url,
        api_token=SERVICE_TOKEN,  # type: ignore[arg-type]
        admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True,
        max_body_bytes=256 * 1024,
        dispatcher=False,
        timezone="Europe/Paris",
        **xuc_settings,  # type: ignore[arg-type]
    )


@pytest.fixture
def xuc(settings: Settings, core: Core) -> Iterator[TestClient]:
    """A client of the xuc API, without credentials."""
    with TestClient(bootstrap.build_app(core), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def xuc_store(core: Core) -> UnitsOfWork[sql.XucSqlTransaction]:
    """Units of work on the test database holding the xuc repositories too."""
    return sql.units_of_work(core)


def app_on(settings: Settings, core: Core) -> FastAPI:
    """Build the whole application with other settings: its wings read them from the core."""
    return bootstrap.build_app(dataclasses.replace(core, settings=settings))


def add_user(core: Core, login: str = "alice", queue_ids: tuple[int, ...] = ()) -> User:
    """Create a supervisor with a password."""
    user = User(login=login, profile=Profile.SUPERVISOR, rights=Rights(queue_ids=queue_ids))
    return core.users.create(Principal.service(), user, PASSWORD)


def login(client: TestClient, name: str = "alice") -> str:
    """Log in through the API and return the token."""
    response = client.post(f"{API}/auth/login", json={"login": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


@pytest.fixture
def alice(xuc: TestClient, core: Core) -> TestClient:
    """The client, logged in as supervisor alice (X-Auth-Token, as the document's examples)."""
    add_user(core)
    xuc.headers["X-Auth-Token"] = login(xuc)
    return xuc
