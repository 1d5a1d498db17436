"""An Ameyo client on the whole application, helpers to log in and to make callbacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.ameyo import plugin
from ringback.dialects.ameyo.service import AmeyoService
from ringback.domain.callbacks import Callback
from ringback.domain.people import Agent, Membership, Principal, Profile, Rights, User
from ringback.domain.queues import Queue, QueueSettings
from ringback.services.callbacks import NewCallback
from tests.conftest import ADMIN_PASSWORD

PREFIX = "/ameyorestapi"
LOGIN = f"{PREFIX}/session/userLogin"
FILTERED = f"{PREFIX}/voice/customerCallbacks/getFiltered"
TENANT = f"{PREFIX}/voice/customerCallbacks/getTenantUserCallbacks"
CALLBACKS = f"{PREFIX}/voice/customerCallbacks"
SUPERVISOR_PASSWORD = "supervisor-password-1"
SERVICE = Principal.service()


@pytest.fixture
def ameyo(settings: Any, core: Core) -> Iterator[TestClient]:
    """A client of /ameyorestapi without a session; server errors come back as answers."""
    with TestClient(bootstrap.build_app(core), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ameyo_service(core: Core) -> AmeyoService:
    """The Ameyo wing's use cases on the test core, sharing its database with the app."""
    return plugin.build_service(core)


@pytest.fixture
def session(ameyo: TestClient) -> dict[str, str]:
    """The sessionId header of the admin."""
    return {"sessionId": login(ameyo, "admin", ADMIN_PASSWORD)}


def login(client: TestClient, user_id: str, token: str) -> str:
    """Log in and return the sessionId, failing unless the answer is exactly {sessionId}."""
    response = client.post(LOGIN, json={"userId": user_id, "token": token})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["sessionId"]
    assert isinstance(body["sessionId"], str)
    return str(body["sessionId"])


def add_queue(core: Core, queue_id: int, name: str, **settings: Any) -> Queue:
    """Create a queue (an Ameyo campaign) with a chosen id."""
    return core.queues.create(SERVICE, QueueSettings(name=name, **settings), queue_id)


def add_supervisor(core: Core, login_name: str, *queue_ids: int) -> User:
    """Create a supervisor limited to `queue_ids`, with SUPERVISOR_PASSWORD."""
    user = User(login_name, Profile.SUPERVISOR, rights=Rights(queue_ids=queue_ids))
    return core.users.create(SERVICE, user, SUPERVISOR_PASSWORD)


def add_agent(core: Core, agent_id: int, queue_id: int, login_name: str | None = None) -> Agent:
    """Create an agent of one queue, with a user login when `login_name` is given."""
    if login_name is not None:
        core.users.create(SERVICE, User(login_name, Profile.TEACHER), "agent-password-1")
    agent = Agent(
        agent_id, "Stieve", "Agent", f"10{agent_id:02d}", queues=(Membership(queue_id),),
        login=login_name,
    )  # fmt: skip
    return core.agents.create(SERVICE, agent)


def add_callback(
    core: Core,
    queue_id: int,
    number: str,
    *,
    desired_time: datetime | None = None,
    **fields: Any,
) -> Callback:
    """Create a callback through the callback service, as any dialect would."""
    request = NewCallback(
        queue_id=queue_id, phone_number=number, desired_time=desired_time, **fields
    )
    return core.callbacks.create(SERVICE, request)


def reserve_for(core: Core, callback: Callback, agent_id: int) -> Callback:
    """Make a callback agent-reserved (selfCallback) for one agent, as an agent's own would be."""
    owned = callback.evolve(owner_agent_id=agent_id, self_callback=True)
    with core.store.transaction() as tx:
        assert tx.callbacks.update(owned, expected_version=callback.version)
    return owned.evolve(version=callback.version + 1)


def failure(status: int, key: str, *args: str, message: Any = None) -> dict[str, Any]:
    """The Ameyo failure body with this status, i18n key and arguments."""
    return {
        "message": message,
        "info": json.dumps([key, *args]),
        "status": status,
        "errorCode": status,
    }
