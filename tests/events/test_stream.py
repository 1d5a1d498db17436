"""The server-sent event stream, over a real socket."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx2
import pytest
import uvicorn

from ringback import bootstrap
from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.queues import QueueSettings
from ringback.services.callbacks import NewCallback
from ringback.settings import Settings
from tests.conftest import SERVICE_TOKEN


@pytest.fixture
def server(settings: Settings, core: Core) -> Iterator[str]:
    config = uvicorn.Config(
        bootstrap.build_app(core), host="127.0.0.1", port=0, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        time.sleep(0.02)
    port = instance.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_a_new_callback_is_streamed(core: Core, server: str) -> None:
    queue = core.queues.create(Principal.service(), QueueSettings(name="Stream"))
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    url = f"{server}/api/v1/events/stream?after=0"
    with httpx2.stream("GET", url, headers=headers, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        new = NewCallback(queue_id=queue.id, phone_number="+33612345678")
        created = core.callbacks.create(Principal.service(), new)
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line.startswith(("event:", "id:", "data:")):
                name, _, value = line.partition(":")
                fields[name] = value.strip()
            elif not line and "data" in fields:
                break  # a blank line ends the event
    assert fields["event"] == "callback"
    event = json.loads(fields["data"])
    assert event["callback_id"] == str(created.id)
    assert event["type"] == "callback.waiting"
    assert fields["id"] == str(event["id"])


def test_the_stream_needs_a_token(server: str) -> None:
    answer = httpx2.get(f"{server}/api/v1/events/stream", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthenticated"
