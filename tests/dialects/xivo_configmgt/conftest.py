"""A config-mgt client on the whole application, carrying the service token as X-Auth-Token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.xivo_configmgt import plugin
from ringback.dialects.xivo_configmgt.http import XivoServices
from ringback.domain.people import Agent, Membership, Principal, Profile, Rights, User
from ringback.domain.queues import Queue, QueueSettings
from ringback.settings import Settings
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

BASE = "/configmgt/api/1.0"
USER_PASSWORD = "user-password-1"


@pytest.fixture
def sounds_dir(tmp_path: Path) -> Path:
    """The dissuasion sound files directory, with files of the queue `sales` and others."""
    directory = tmp_path / "playback"
    directory.mkdir()
    for name in ("sales_audio_file.wav", "sales_audio_file_2", "support_closed.wav", "x.wav"):
        (directory / name).write_bytes(b"RIFF")
    return directory


@pytest.fixture
def settings(database_url: str, sounds_dir: Path) -> Settings:
    """Settings of a config-mgt test server."""
    return Settings(
        database_url=database_url,
        api_token=SERVICE_TOKEN,  # type: ignore[arg-type]
        admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True,
        max_body_bytes=4 * 1024 * 1024,
        dispatcher=False,
        xivo_sounds_dir=str(sounds_dir),
        xivo_default_dissuasion_queue="switchboard",
        xivo_csv_max_bytes=2 * 1024 * 1024,
        xivo_csv_max_lines=20000,
    )


@pytest.fixture
def xivo_services(core: Core) -> XivoServices:
    """The XiVO wing's use cases, built on the `core` fixture (a Core)."""
    return plugin.build_services(core)


@pytest.fixture
def xivo(settings: Settings, core: Core) -> Iterator[TestClient]:
    """A client of the config-mgt dialect with the service token."""
    app = bootstrap.build_app(core)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        client.headers["X-Auth-Token"] = SERVICE_TOKEN
        yield client


def url(path: str) -> str:
    """Return the URL of a config-mgt path."""
    return f"{BASE}{path}"


def add_queue(core: Core, name: str, queue_id: int, **settings: Any) -> Queue:
    """Create a queue with a chosen id through the queue service."""
    return core.queues.create(
        Principal.service(), QueueSettings(name=name, **settings), queue_id=queue_id
    )


def add_agent(core: Core, agent_id: int, number: str, *queues: int) -> Agent:
    """Create an agent, member of `queues` with penalties 1, 2..."""
    members = tuple(Membership(q, i) for i, q in enumerate(queues, start=1))
    agent = Agent(agent_id, "Agent", f"N{agent_id}", number, queues=members)
    return core.agents.create(Principal.service(), agent)


def add_user(core: Core, login: str, profile: Profile, **rights: Any) -> User:
    """Create a user with a password and rights."""
    user = User(login=login, profile=profile, firstname="F", name="N", rights=Rights(**rights))
    return core.users.create(Principal.service(), user, USER_PASSWORD)


def as_user(client: TestClient, login: str) -> dict[str, str]:
    """Return headers that authenticate as `login` with Basic credentials (no service token)."""
    import base64

    token = base64.b64encode(f"{login}:{USER_PASSWORD}".encode()).decode()
    return {"X-Auth-Token": "", "Authorization": f"Basic {token}"}
