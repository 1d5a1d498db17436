"""A xuc 1.0 client on the whole application: the TestClient's address ("testclient") allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.xuc_legacy import events, plugin, sql
from ringback.dialects.xuc_legacy.events import XucEventFeed
from ringback.dialects.xuc_legacy.service import PhoneService
from ringback.dialects.xuc_legacy.sql import XucLegacySqlTransaction
from ringback.domain.people import Agent, Principal, Profile, User
from ringback.domain.queues import Queue, QueueSettings
from ringback.settings import Settings
from ringback.store.tables import xuc_events
from ringback.store.transaction import UnitsOfWork
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

URL = "/xuc/api/1.0"
PASSWORD = "bruce-password-1"
EVENT_URL = "http://127.0.0.1:9/xuc/events"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings of a xuc 1.0 test server; every simulated call is answered."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "api_token": SERVICE_TOKEN,
        "admin_password": ADMIN_PASSWORD,
        "fast_password_hash": True,
        "dispatcher": False,
        "deprecated_api_hosts": ["testclient"],
        "xuc_event_url": EVENT_URL,
        "simulator_answer_rate": 1.0,
        "simulator_ring_seconds": 2.0,
        "simulator_handle_seconds": 20.0,
        "xuc_no_answer_seconds": 18.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings of a xuc 1.0 test server."""
    return make_settings(database_url)


@pytest.fixture
def xuc(settings: Settings, core: Core) -> Iterator[TestClient]:
    """A client of /xuc/api/1.0 from an allowed address, with users bruce, alicej, cquefia."""
    for login in ("bruce", "alicej", "cquefia"):
        add_user(core, login)
    with TestClient(bootstrap.build_app(core), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def phones(core: Core) -> PhoneService:
    """The wing's phone use cases on the test core."""
    return phone_service(core)


def phone_service(core: Core) -> PhoneService:
    """Return the wing's phone use cases on `core`, as its plugin builds them."""
    return plugin.phone_service(core)


def phone_store(core: Core) -> UnitsOfWork[XucLegacySqlTransaction]:
    """Return units of work reaching the wing's tables, as a restart would read them."""
    return sql.units_of_work(core)


def event_feed(core: Core, url: str, secret: str | None = None) -> XucEventFeed:
    """Return the eventUrl feed on `core`, POSTing to `url`."""
    return XucEventFeed(sql.units_of_work(core), core.clock, url=url, secret=secret)


def add_user(core: Core, login: str) -> User:
    """Create a user with PASSWORD."""
    user = User(login=login, profile=Profile.SUPERVISOR, firstname=login.title())
    return core.users.create(Principal.service(), user, PASSWORD)


def add_queue(core: Core, name: str = "Support", queue_id: int | None = None) -> Queue:
    """Create a queue."""
    return core.queues.create(Principal.service(), QueueSettings(name=name), queue_id)


def add_agent(core: Core, agent_id: int, number: str, login: str | None) -> Agent:
    """Create an agent."""
    agent = Agent(id=agent_id, firstname="Ag", lastname=number, number=number, login=login)
    return core.agents.create(Principal.service(), agent)


def post(client: TestClient, path: str, body: Any) -> Any:
    """POST a JSON body to a 1.0 method."""
    return client.post(f"{URL}/{path}", json=body)


def outbox(core: Core) -> list[dict[str, Any]]:
    """Return the xuc events waiting for the eventUrl, in the order they happen.

    The table keeps neutral facts; each row's `message` is the xuc message the feed will send.
    """
    with core.store.engine.connect() as connection:
        query = xuc_events.select().order_by(xuc_events.c.due_at, xuc_events.c.id)
        rows = [dict(row) for row in connection.execute(query).mappings()]
    return [row | {"message": events.render(sql.fact_of(row["message"]))} for row in rows]
