"""Real servers for the full UCCX loop, each in its own thread on a free 127.0.0.1 port.

ringback runs under uvicorn with its dispatcher and the real clock; the UCCX simulator runs its
aiohttp server. The tests talk to both over HTTP only, as a UCCX and an operator would.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import uvicorn

from ringback import bootstrap
from ringback.core import Core
from ringback.domain.callbacks import Callback
from ringback.settings import Settings
from ringback.simulate import uccx as simulate_uccx
from ringback.simulate.uccx_config import SimulatorConfig
from ringback.store.engine import build_engine
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

STARTUP_SECONDS = 20.0
PREFIX = "callbackTrigger"


def free_port() -> int:
    """Return a port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@dataclass
class Ringback:
    """A running ringback server and the core behind it."""

    base: str
    core: Core

    def call(self, operation: str, **params: str) -> str:
        """GET a UCCX operation as the admin; return the XML answer."""
        answer = httpx2.get(
            f"{self.base}/callbackmanagement", params={"operation": operation, **params},
            auth=("admin", ADMIN_PASSWORD), timeout=10,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.text

    def set_settings(self, document: str) -> str:
        """POST a setsettings document as the admin; return the XML answer."""
        answer = httpx2.post(
            f"{self.base}/callbackmanagement", params={"operation": "setsettings"},
            content=document.encode(), auth=("admin", ADMIN_PASSWORD), timeout=10,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.text

    def record(self, external_id: str) -> Callback:
        """Return the stored callback of a UCCX record id."""
        with self.core.store.transaction(read_only=True) as tx:
            found = tx.callbacks.get_by_external_id(external_id)
        assert found is not None, external_id
        return found

    def history(self, external_id: str) -> list[dict[str, Any]]:
        """Return a record's history through the native API."""
        callback_id = self.record(external_id).id
        answer = httpx2.get(
            f"{self.base}/api/v1/callbacks/{callback_id}",
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=10,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        history: list[dict[str, Any]] = answer.json()["history"]
        return history


def loop_settings(database_url: str) -> Settings:
    """Settings of a ringback that dispatches at once and retries within seconds."""
    return Settings(
        database_url=database_url,
        api_token=SERVICE_TOKEN,  # type: ignore[arg-type]
        admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True,
        dispatcher=True,
        poll_seconds=0.1,
        sweep_seconds=0.5,
        lease_seconds=10.0,
        heartbeat_seconds=2.0,
        dial_timeout_seconds=4.0,
        offer_timeout_seconds=60.0,
        uccx_recheck_seconds=0.5,
        log_level="WARNING",
    )


@contextmanager
def running_ringback(database_url: str) -> Iterator[Ringback]:
    """Serve ringback (API and dispatcher, real clock) on a free port for the block."""
    settings = loop_settings(database_url)
    engine = build_engine(database_url)
    core = bootstrap.build_core(settings, engine=engine)
    bootstrap.prepare(core)
    port = free_port()
    config = uvicorn.Config(
        bootstrap.build_app(core), host="127.0.0.1", port=port,
        log_level="warning", lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ringback", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, STARTUP_SECONDS, "ringback to start")
        yield Ringback(f"http://127.0.0.1:{port}", core)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        engine.dispose()


@dataclass
class Simulator:
    """A running UCCX simulator, seen over HTTP."""

    base: str
    port: int

    def state(self) -> dict[str, Any]:
        """Return its agents, queues and event log."""
        found: dict[str, Any] = httpx2.get(f"{self.base}/simulator/state", timeout=5).json()
        return found

    def events(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        """Return its logged events of one kind whose fields match."""
        return [
            event for event in self.state()["events"]
            if event["kind"] == kind and all(event.get(k) == v for k, v in match.items())
        ]  # fmt: skip

    def queue_caller(self, session_id: str, waited_seconds: float, csq: str = "Main") -> None:
        """A live caller enters the queue, having waited `waited_seconds` already."""
        body = {"csq": csq, "sessionid": session_id, "waited_seconds": waited_seconds}
        answer = httpx2.post(f"{self.base}/simulator/contacts", json=body, timeout=5)
        assert answer.status_code == 201, answer.text

    def hang_up(self, session_id: str) -> None:
        """A queued caller hangs up without asking for anything."""
        answer = httpx2.delete(f"{self.base}/simulator/contacts/{session_id}", timeout=5)
        assert answer.status_code == 200, answer.text

    def leave_with_callback(self, session_id: str, **fields: str) -> dict[str, Any]:
        """A queued caller asks for a callback (addrecord) and hangs up."""
        url = f"{self.base}/simulator/contacts/{session_id}/callback"
        answer = httpx2.post(url, json=fields, timeout=10)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def connection_xml(self, read_timeout: float = 2.0) -> str:
        """The <uccx> element that points ringback at this simulator."""
        return (
            "<uccx><master_node>127.0.0.1</master_node>"
            f"<port>{self.port}</port><sendback_prefix>{PREFIX}</sendback_prefix>"
            "<connect_timeout_seconds>1.0</connect_timeout_seconds>"
            f"<read_timeout_seconds>{read_timeout}</read_timeout_seconds></uccx>"
        )


@contextmanager
def running_simulator(callback_server: str, **options: Any) -> Iterator[Simulator]:
    """Run the UCCX simulator, reporting to `callback_server` as the admin, for the block."""
    port = free_port()
    config = SimulatorConfig(
        port=port, callback_server=callback_server, user="admin", password=ADMIN_PASSWORD,
        prefix=PREFIX, **options,
    )  # fmt: skip
    started = threading.Event()
    control: dict[str, Any] = {}

    async def main() -> None:
        control["loop"], control["stop"] = asyncio.get_running_loop(), asyncio.Event()
        parts = await simulate_uccx.start(config)
        started.set()
        await control["stop"].wait()
        await simulate_uccx.stop(*parts)

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="uccx-sim", daemon=True)
    thread.start()
    try:
        assert started.wait(STARTUP_SECONDS), "the simulator did not start"
        yield Simulator(f"http://127.0.0.1:{port}", port)
    finally:
        if "loop" in control:
            control["loop"].call_soon_threadsafe(control["stop"].set)
        thread.join(timeout=20)


def settings_document(simulator: Simulator, *, read_timeout: float = 2.0, **csq: str) -> str:
    """A setsettings body: the connection to `simulator` and one CSQ `Main` with `csq` values."""
    elements = "".join(f"<{name}>{value}</{name}>" for name, value in csq.items())
    return (
        f"<Settings><callback>{simulator.connection_xml(read_timeout)}"
        f"<csqs><csq><name>Main</name>{elements}</csq></csqs></callback></Settings>"
    )
