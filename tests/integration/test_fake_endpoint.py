"""The fake telephony endpoint: dial keys in, ledger lines out, faults on demand, real sockets."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from ringback.simulate.webhook import FakeEndpoint, Faults, read_ledger


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """Return where the endpoint writes its ledger."""
    return tmp_path / "ledger.jsonl"


@pytest.fixture
def endpoint(ledger_path: Path) -> Iterator[FakeEndpoint]:
    """Run a fake endpoint without faults for one test."""
    with FakeEndpoint(ledger_path) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    """Return a keep-alive client with a short timeout."""
    with httpx2.Client(timeout=5) as http:
        yield http


def results(endpoint: FakeEndpoint) -> list[tuple[str, str, str]]:
    """Return (dial_key, result, path) for each ledger entry."""
    return [(e["dial_key"], e["result"], e["path"]) for e in endpoint.ledger_entries()]


def test_a_key_in_the_json_body_is_accepted_and_recorded(
    endpoint: FakeEndpoint, client: httpx2.Client
) -> None:
    answer = client.post(f"{endpoint.url}/dial", json={"dial_key": "a:0", "callback": {}})
    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted", "dial_key": "a:0"}
    assert results(endpoint) == [("a:0", "accepted", "/dial")]


@pytest.mark.parametrize("name", ["dialkey", "dial_key"])
def test_a_key_in_the_query_is_accepted(
    endpoint: FakeEndpoint, client: httpx2.Client, name: str
) -> None:
    params = {"id": "7", "dnis": "1000", name: "b:1"}
    answer = client.get(f"{endpoint.url}/uccx/sendback", params=params)
    assert answer.json() == {"status": "accepted", "dial_key": "b:1"}
    assert results(endpoint) == [("b:1", "accepted", "/uccx/sendback")]


def test_a_key_in_the_idempotency_header_is_accepted(
    endpoint: FakeEndpoint, client: httpx2.Client
) -> None:
    answer = client.post(f"{endpoint.url}/hook", headers={"Idempotency-Key": "c:2"})
    assert answer.status_code == 200
    assert results(endpoint) == [("c:2", "accepted", "/hook")]


def test_the_body_key_wins_over_the_header(endpoint: FakeEndpoint, client: httpx2.Client) -> None:
    client.post(f"{endpoint.url}/", json={"dial_key": "body:0"}, headers={"Idempotency-Key": "h"})
    assert results(endpoint) == [("body:0", "accepted", "/")]


@pytest.mark.parametrize(
    ("method", "content"), [("GET", b""), ("POST", b'{"other": 1}'), ("POST", b"not json")]
)
def test_no_key_gives_400_and_no_ledger_line(
    endpoint: FakeEndpoint, client: httpx2.Client, method: str, content: bytes
) -> None:
    answer = client.request(method, f"{endpoint.url}/dial?id=1", content=content)
    assert answer.status_code == 400
    assert "no dial key" in answer.json()["error"]
    assert endpoint.ledger_entries() == []


def test_an_error_fault_answers_503(endpoint: FakeEndpoint, client: httpx2.Client) -> None:
    endpoint.configure({"error_rate": 1.0})
    answer = client.post(f"{endpoint.url}/dial", json={"dial_key": "e:0"})
    assert answer.status_code == 503
    assert answer.json() == {"error": "injected fault", "dial_key": "e:0"}
    assert results(endpoint) == [("e:0", "error", "/dial")]


def test_a_timeout_fault_never_answers_and_stop_cancels_it(ledger_path: Path) -> None:
    endpoint = FakeEndpoint(ledger_path, Faults(timeout_rate=1.0)).start()
    with httpx2.Client(timeout=0.3) as http, pytest.raises(httpx2.ReadTimeout):
        http.post(f"{endpoint.url}/dial", json={"dial_key": "t:0"})
    assert results(endpoint) == [("t:0", "timeout", "/dial")]
    started = time.monotonic()
    endpoint.stop()
    assert time.monotonic() - started < 2  # the 30 s hold was cancelled
    assert [e["result"] for e in read_ledger(ledger_path)] == ["timeout"]


def test_a_reset_fault_resets_the_connection(endpoint: FakeEndpoint, client: httpx2.Client) -> None:
    endpoint.configure(Faults(reset_rate=1.0))
    with pytest.raises(httpx2.ReadError):
        client.post(f"{endpoint.url}/dial", json={"dial_key": "r:0"})
    assert results(endpoint) == [("r:0", "reset", "/dial")]


def test_a_dropped_dial_looks_accepted_but_the_ledger_says_dropped(
    endpoint: FakeEndpoint, client: httpx2.Client
) -> None:
    endpoint.configure({"drop_rate": 1.0})
    answer = client.post(f"{endpoint.url}/dial", json={"dial_key": "d:0"})
    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted", "dial_key": "d:0"}
    assert results(endpoint) == [("d:0", "dropped", "/dial")]


def test_latency_delays_the_answer(endpoint: FakeEndpoint, client: httpx2.Client) -> None:
    endpoint.configure({"latency_ms": 200})
    started = time.monotonic()
    answer = client.post(f"{endpoint.url}/dial", json={"dial_key": "l:0"})
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_a_seed_repeats_the_same_faults(endpoint: FakeEndpoint, client: httpx2.Client) -> None:
    runs = []
    for _ in range(2):
        endpoint.configure({"error_rate": 0.3, "drop_rate": 0.3, "seed": 42})
        codes = [client.get(f"{endpoint.url}/?dialkey=k{i}").status_code for i in range(30)]
        runs.append(codes)
    assert runs[0] == runs[1]
    assert {200, 503} == set(runs[0])
    ledger = [e["result"] for e in endpoint.ledger_entries()]
    assert ledger[:30] == ledger[30:]
    assert set(ledger) == {"accepted", "error", "dropped"}


def test_the_control_routes(endpoint: FakeEndpoint, client: httpx2.Client) -> None:
    assert client.get(f"{endpoint.url}/_health").json() == {"status": "ok"}
    changed = client.post(f"{endpoint.url}/_control", json={"error_rate": 1, "seed": 3})
    assert changed.status_code == 200
    assert changed.json()["error_rate"] == 1
    assert changed.json()["seed"] == 3
    assert client.get(f"{endpoint.url}/?dialkey=x").status_code == 503
    assert endpoint.faults.error_rate == 1
    bad_settings: list[object] = [{"error_rate": 2}, {"drop_rate": 0.6, "reset_rate": 0.6}]
    bad_settings += [{"colour": "red"}, {"seed": "x"}, []]
    for bad in bad_settings:
        assert client.post(f"{endpoint.url}/_control", json=bad).status_code == 400
    ledger = client.get(f"{endpoint.url}/_ledger").json()
    assert [(e["dial_key"], e["result"]) for e in ledger] == [("x", "error")]
    assert client.get(f"{endpoint.url}/_nothing").status_code == 404


def test_faults_refuse_impossible_rates() -> None:
    with pytest.raises(ValueError, match="add up"):
        Faults(error_rate=0.5, timeout_rate=0.3, reset_rate=0.3)
    with pytest.raises(ValueError, match="non-negative"):
        Faults(latency_ms=-1)


def test_concurrent_requests_all_land_in_the_ledger_well_formed(
    endpoint: FakeEndpoint, ledger_path: Path
) -> None:
    async def burst() -> list[int]:
        limits = httpx2.Limits(max_connections=50)
        async with httpx2.AsyncClient(limits=limits, timeout=10) as http:
            calls = [
                http.post(f"{endpoint.url}/dial", json={"dial_key": f"{i}:0"}) for i in range(600)
            ]
            return [answer.status_code for answer in await asyncio.gather(*calls)]

    assert asyncio.run(burst()) == [200] * 600
    lines = ledger_path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    entries = [json.loads(line) for line in lines[:-1]]
    assert len(entries) == 600
    assert {e["dial_key"] for e in entries} == {f"{i}:0" for i in range(600)}
    assert all(set(e) == {"t", "dial_key", "result", "path"} for e in entries)
    assert all(e["result"] == "accepted" and isinstance(e["t"], float) for e in entries)


def raw_exchange(url: str, data: bytes, answers: int) -> list[bytes]:
    """Send raw bytes on one connection and return the heads of `answers` responses."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        received = b""
        while received.count(b"HTTP/1.1 ") < answers or not received.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return [b"HTTP/1.1 " + part for part in received.split(b"HTTP/1.1 ")[1:]]


def test_pipelined_keep_alive_and_chunked_bodies(endpoint: FakeEndpoint) -> None:
    first, second = b'{"dial_key":', b'"p:1"}'
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(first), first, len(second), second)
    data = (
        b"GET /a?dialkey=p:0 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
    )
    answers = raw_exchange(endpoint.url, data, 2)
    assert [a.split(b"\r\n")[0] for a in answers] == [b"HTTP/1.1 200 OK"] * 2
    assert results(endpoint) == [("p:0", "accepted", "/a"), ("p:1", "accepted", "/b")]


def test_a_malformed_request_gets_400_and_a_closed_connection(endpoint: FakeEndpoint) -> None:
    answers = raw_exchange(endpoint.url, b"NONSENSE\r\n\r\n", 1)
    assert answers[0].startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Connection: close" in answers[0]


def test_the_command_line_prints_its_url_and_exits_on_sigterm(ledger_path: Path) -> None:
    command = [sys.executable, "-m", "ringback.simulate.webhook", "--port", "0"]
    command += ["--ledger", str(ledger_path), "--drop-rate", "1", "--seed", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        answer = httpx2.get(f"{match.group(1)}/x?dialkey=s:0", timeout=5)
        assert answer.json() == {"status": "accepted", "dial_key": "s:0"}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        process.kill()
        process.wait()
    assert [(e["dial_key"], e["result"]) for e in read_ledger(ledger_path)] == [("s:0", "dropped")]


def test_a_lost_reply_places_the_call_then_resets(
    endpoint: FakeEndpoint, client: httpx2.Client
) -> None:
    endpoint.configure({"lost_reply_rate": 1.0})
    with pytest.raises(httpx2.ReadError):
        client.post(f"{endpoint.url}/dial", json={"dial_key": "q:0"})
    assert results(endpoint) == [("q:0", "lost_reply", "/dial")]
