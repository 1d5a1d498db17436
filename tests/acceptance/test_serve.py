"""`ringback serve --demo` as a real process, driven over HTTP."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest

STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(database: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "ringback", "serve", "--demo", "--port", str(port),
               "--database-url", f"sqlite:///{database}", *extra]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_banner(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Uvicorn running" in line:
            return "".join(lines)
    process.kill()
    pytest.fail("ringback did not start:\n" + "".join(lines))


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    port = _free_port()
    process = _start(tmp_path / "demo.db", port)
    banner = _read_banner(process)
    yield f"http://127.0.0.1:{port}", banner, process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_demo_prints_credentials_that_work(demo: tuple[str, str, subprocess.Popen[str]]) -> None:
    base, banner, _ = demo
    token = re.search(r"service token\s+(\S+)", banner)
    password = re.search(r"login admin, password (\S+)", banner)
    assert token, banner
    assert password, banner
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    queues = httpx2.get(f"{base}/api/v1/queues", headers=headers).json()
    assert [(q["id"], q["name"]) for q in queues] == [(1, "Main"), (2, "Support")]
    login = {"login": "admin", "password": password.group(1)}
    issued = httpx2.post(f"{base}/api/v1/auth/token", json=login)
    assert issued.status_code == 201
    assert httpx2.get(f"{base}/ready").json() == {"status": "ready"}


def test_demo_supervisor_sees_only_queue_one(demo: tuple[str, str, subprocess.Popen[str]]) -> None:
    base, banner, _ = demo
    password = re.search(r"login supervisor, password (\S+)", banner)
    assert password, banner
    login = {"login": "supervisor", "password": password.group(1)}
    token = httpx2.post(f"{base}/api/v1/auth/token", json=login).json()["token"]
    queues = httpx2.get(f"{base}/api/v1/queues", headers={"X-Auth-Token": token}).json()
    assert [q["name"] for q in queues] == ["Main"]


def test_callback_survives_a_restart(tmp_path: Path) -> None:
    port = _free_port()
    database = tmp_path / "demo.db"
    first = _start(database, port)
    banner = _read_banner(first)
    token = re.search(r"service token\s+(\S+)", banner)
    assert token
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"queue_id": 2, "phone_number": "+33612345678", "desired_time": tomorrow}
    created = httpx2.post(f"http://127.0.0.1:{port}/api/v1/callbacks", json=body, headers=headers)
    assert created.status_code == 201
    first.send_signal(signal.SIGTERM)
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit status tells why it stopped.
    assert first.wait(timeout=15) in (0, -signal.SIGTERM)
    second = _start(database, port)
    try:
        banner = _read_banner(second)
        token = re.search(r"service token\s+(\S+)", banner)
        assert token
        headers = {"Authorization": f"Bearer {token.group(1)}"}
        url = f"http://127.0.0.1:{port}/api/v1/callbacks/{created.json()['id']}"
        again = httpx2.get(url, headers=headers).json()
        assert again["phone_number"] == "+33612345678"
        assert again["state"] == "scheduled"
        assert [line["event"] for line in again["history"]] == ["create"]
    finally:
        second.kill()
        second.wait()


def test_the_demo_dispatches_to_the_simulator(demo: tuple[str, str, subprocess.Popen[str]]) -> None:
    base, banner, _ = demo
    token = re.search(r"service token\s+(\S+)", banner)
    assert token
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    body = {"queue_id": 2, "phone_number": "+33612345678"}
    created = httpx2.post(f"{base}/api/v1/callbacks", json=body, headers=headers).json()
    deadline = time.monotonic() + 20
    state = created["state"]
    while state in ("waiting", "dispatching") and time.monotonic() < deadline:
        time.sleep(0.2)
        state = httpx2.get(f"{base}/api/v1/callbacks/{created['id']}", headers=headers).json()[
            "state"
        ]
    assert state == "offered"  # the simulated ACD rings for 2 s before it reports
    metrics = httpx2.get(f"{base}/metrics").text
    assert 'ringback_dials_total{answer="accepted"} 1.0' in metrics
    assert "ringback_dispatcher_healthy 1.0" in metrics
