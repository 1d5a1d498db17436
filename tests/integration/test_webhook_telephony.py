"""The webhook adapter against real sockets: the fake endpoint and small canned servers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ringback.domain.callbacks import Callback
from ringback.services.ports import Delivery, DeliveryStatus
from ringback.simulate.webhook import FakeEndpoint, Faults, read_request
from ringback.telephony.webhook import WebhookTelephony, verify_signature
from tests.factories import make_callback, make_queue

pytestmark = pytest.mark.anyio

SECRET = "webhook-secret-0123456789"
QUEUE = make_queue(3, "sales")


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio, as ringback does."""
    return "asyncio"


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[FakeEndpoint]:
    """Run a fake endpoint without faults for one test."""
    with FakeEndpoint(tmp_path / "ledger.jsonl") as running:
        yield running


@pytest.fixture
async def webhook(endpoint: FakeEndpoint) -> AsyncIterator[WebhookTelephony]:
    """Return an adapter posting to the fake endpoint, with a 0.5 s timeout."""
    adapter = WebhookTelephony(f"{endpoint.url}/hook", SECRET, timeout_seconds=0.5)
    yield adapter
    await adapter.aclose()


def a_callback(**changes: Any) -> Callback:
    """Return a waiting callback in QUEUE."""
    return make_callback(QUEUE.id, **changes)


@dataclass
class Canned:
    """A tiny HTTP server that records each request and answers with a fixed status."""

    status: int
    body: bytes = b'{"ok":false}'
    extra_headers: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer every request on the connection with the canned status; 0 closes it instead."""
        while (request := await read_request(reader)) is not None:
            self.requests.append((request.headers, request.body))
            if self.status == 0:
                break
            head = f"HTTP/1.1 {self.status} Canned\r\nContent-Length: {len(self.body)}\r\n"
            writer.write(f"{head}{self.extra_headers}\r\n".encode() + self.body)
            await writer.drain()
        writer.close()


@asynccontextmanager
async def canned(status: int, **options: Any) -> AsyncIterator[Canned]:
    """Run a canned server on a free port for the duration of the block."""
    server_state = Canned(status, **options)
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    server_state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    async with server:
        yield server_state


async def deliver_to(url: str, callback: Callback | None = None) -> Delivery:
    """Deliver one callback to `url` with a fresh adapter."""
    adapter = WebhookTelephony(url, SECRET, timeout_seconds=0.5)
    try:
        chosen = callback or a_callback()
        return await adapter.deliver(chosen, QUEUE, chosen.dial_key)
    finally:
        await adapter.aclose()


async def test_an_accepted_delivery_lands_in_the_ledger_with_its_key(
    endpoint: FakeEndpoint, webhook: WebhookTelephony
) -> None:
    callback = a_callback(slot=2)
    delivery = await webhook.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is DeliveryStatus.ACCEPTED
    assert delivery.detail.startswith("HTTP 200")
    assert not delivery.ambiguous
    entries = endpoint.ledger_entries()
    assert [(e["dial_key"], e["result"], e["path"]) for e in entries] == [
        (f"{callback.id}:2", "accepted", "/hook")
    ]


async def test_the_request_carries_the_callback_and_a_valid_signature() -> None:
    desired = datetime(2026, 1, 6, 14, 30, tzinfo=UTC)
    callback = a_callback(
        first_name="Ada", desired_time=desired, attempts=1, properties={"vip": True}
    )
    async with canned(200) as server:
        delivery = await deliver_to(server.url, callback)
    assert delivery.status is DeliveryStatus.ACCEPTED
    (headers, body) = server.requests[0]
    sent = json.loads(body)
    assert sent["dial_key"] == callback.dial_key
    assert sent["callback"]["id"] == str(callback.id)
    assert sent["callback"]["queue_id"] == 3
    assert sent["callback"]["queue_name"] == "sales"
    assert sent["callback"]["phone_number"] == callback.customer_number
    assert sent["callback"]["first_name"] == "Ada"
    assert sent["callback"]["desired_time"] == "2026-01-06T14:30:00+00:00"
    assert sent["callback"]["attempt"] == 2
    assert sent["callback"]["properties"] == {"vip": True}
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == callback.dial_key
    stamp, signature = headers["x-ringback-timestamp"], headers["x-ringback-signature"]
    assert abs(int(stamp) - time.time()) < 5
    assert signature.startswith("sha256=")
    assert verify_signature(SECRET, stamp, body, signature, now=time.time())


async def test_the_signature_fails_with_another_secret_a_tampered_body_or_a_stale_time() -> None:
    async with canned(200) as server:
        await deliver_to(server.url)
    (headers, body) = server.requests[0]
    stamp, signature = headers["x-ringback-timestamp"], headers["x-ringback-signature"]
    now = int(stamp)
    assert verify_signature(SECRET, stamp, body, signature, now=now)
    assert not verify_signature("another-secret", stamp, body, signature, now=now)
    assert not verify_signature(SECRET, stamp, body.replace(b"sales", b"sale5"), signature, now=now)
    assert not verify_signature(SECRET, stamp, body, signature, now=now + 301)
    assert not verify_signature(SECRET, stamp, body, signature, now=now - 301)
    assert verify_signature(SECRET, stamp, body, signature, now=now + 299)
    assert not verify_signature(SECRET, str(now + 1), body, signature, now=now)
    assert not verify_signature(SECRET, "yesterday", body, signature, now=now)
    assert not verify_signature(SECRET, stamp, body, signature.removeprefix("sha256="), now=now)
    assert not verify_signature(SECRET, stamp, body, "sha256=é", now=now)


async def test_503_is_transient_and_not_retried(
    endpoint: FakeEndpoint, webhook: WebhookTelephony
) -> None:
    endpoint.configure(Faults(error_rate=1.0))
    callback = a_callback()
    delivery = await webhook.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.detail.startswith("HTTP 503")
    assert not delivery.ambiguous  # a definite answer: the next attempt gets a new key
    assert [e["result"] for e in endpoint.ledger_entries()] == ["error"]


@pytest.mark.parametrize(
    ("status", "expected", "ambiguous"),
    [
        (201, DeliveryStatus.ACCEPTED, False),
        (204, DeliveryStatus.ACCEPTED, False),
        (400, DeliveryStatus.PERMANENT, False),
        (404, DeliveryStatus.PERMANENT, False),
        (422, DeliveryStatus.PERMANENT, False),
        (408, DeliveryStatus.TRANSIENT, False),
        (425, DeliveryStatus.TRANSIENT, False),
        (429, DeliveryStatus.TRANSIENT, False),
        (500, DeliveryStatus.TRANSIENT, False),
        (502, DeliveryStatus.TRANSIENT, False),
        (504, DeliveryStatus.TRANSIENT, True),
    ],
)
async def test_status_codes_map_to_delivery_statuses(
    status: int, expected: DeliveryStatus, ambiguous: bool
) -> None:
    body = b"" if status == 204 else b'{"error": "bad number"}'
    async with canned(status, body=body) as server:
        delivery = await deliver_to(server.url)
    assert delivery.status is expected
    assert delivery.ambiguous is ambiguous
    assert delivery.detail.startswith(f"HTTP {status} Canned")
    assert len(server.requests) == 1


async def test_a_redirect_is_not_followed_and_is_permanent() -> None:
    async with canned(302, extra_headers="Location: http://127.0.0.1:9/elsewhere\r\n") as server:
        delivery = await deliver_to(server.url)
    assert delivery.status is DeliveryStatus.PERMANENT
    assert delivery.detail.startswith("HTTP 302")
    assert len(server.requests) == 1


async def test_a_huge_answer_is_read_only_in_part() -> None:
    async with canned(200, body=b"x" * 2_000_000) as server:
        delivery = await deliver_to(server.url)
    assert delivery.status is DeliveryStatus.ACCEPTED
    assert len(delivery.detail) == 200


async def test_a_timeout_is_transient_and_returns_promptly(
    endpoint: FakeEndpoint, webhook: WebhookTelephony
) -> None:
    endpoint.configure(Faults(timeout_rate=1.0))
    started = time.monotonic()
    delivery = await webhook.deliver(a_callback(), QUEUE, "k:0")
    assert time.monotonic() - started < 0.5 * 3
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.detail.startswith(("timeout: no answer within 0.5 s", "read timeout"))
    assert delivery.ambiguous  # the far side has it: a retry must re-send the same key
    assert [e["result"] for e in endpoint.ledger_entries()] == ["timeout"]


async def test_a_reset_is_transient(endpoint: FakeEndpoint, webhook: WebhookTelephony) -> None:
    endpoint.configure(Faults(reset_rate=1.0))
    delivery = await webhook.deliver(a_callback(), QUEUE, "k:0")
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.detail.startswith("connection reset")
    assert delivery.ambiguous
    assert [e["result"] for e in endpoint.ledger_entries()] == ["reset"]


async def test_a_close_without_an_answer_is_transient_and_ambiguous() -> None:
    async with canned(0) as server:
        delivery = await deliver_to(server.url)
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.detail.startswith("connection closed without an answer")
    assert delivery.ambiguous


async def test_a_refused_connection_is_transient() -> None:
    async with canned(200) as server:
        url = server.url
    delivery = await deliver_to(url)  # the server is closed: nothing listens on the port
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.detail.startswith("connection failed")
    assert not delivery.ambiguous  # nothing was sent


async def test_a_dropped_dial_looks_accepted(
    endpoint: FakeEndpoint, webhook: WebhookTelephony
) -> None:
    endpoint.configure(Faults(drop_rate=1.0))
    delivery = await webhook.deliver(a_callback(), QUEUE, "k:0")
    assert delivery.status is DeliveryStatus.ACCEPTED
    assert [e["result"] for e in endpoint.ledger_entries()] == ["dropped"]


async def test_queue_stats_is_unknown_and_a_shared_session_stays_open(
    endpoint: FakeEndpoint,
) -> None:
    async with aiohttp.ClientSession() as shared:
        adapter = WebhookTelephony(endpoint.url, SECRET, session=shared)
        assert await adapter.queue_stats(QUEUE) is None
        delivery = await adapter.deliver(a_callback(), QUEUE, "k:0")
        await adapter.aclose()
        assert delivery.status is DeliveryStatus.ACCEPTED
        assert not shared.closed


@pytest.mark.parametrize(
    ("url", "secret", "timeout"),
    [
        ("ftp://x/hook", SECRET, 5.0),
        ("http:///hook", SECRET, 5.0),
        ("http://x", "", 5.0),
        ("http://x", SECRET, 0.0),
    ],
)
async def test_a_bad_configuration_is_refused(url: str, secret: str, timeout: float) -> None:
    with pytest.raises(ValueError, match="must"):
        WebhookTelephony(url, secret, timeout_seconds=timeout)


async def test_a_lost_reply_is_ambiguous_so_the_same_key_is_sent_again(
    endpoint: FakeEndpoint, webhook: WebhookTelephony
) -> None:
    endpoint.configure(Faults(lost_reply_rate=1.0))
    delivery = await webhook.deliver(a_callback(), QUEUE, "k:0")
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.ambiguous
    assert [e["result"] for e in endpoint.ledger_entries()] == ["lost_reply"]
