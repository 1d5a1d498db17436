"""Webhook subscriptions: signed batches, at least once, nothing skipped, types filtered."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.queues import Dedup, QueueSettings
from ringback.notify.outbox import OutboxWorker
from ringback.services import signing
from ringback.services.callbacks import NewCallback
from ringback.services.webhooks import OutboxService
from ringback.testing import FakeClock

SECRET = "receiver-secret-0123456789"
SERVICE = Principal.service()


class Receiver:
    """A webhook receiver on 127.0.0.1 that can fail its first answers."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.verified: list[bool] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = int(self.headers[signing.TIMESTAMP_HEADER])
                signature = self.headers[signing.SIGNATURE_HEADER]
                receiver.verified.append(
                    signing.verify(SECRET, timestamp, body, signature, now=time.time())
                )
                status = 500 if receiver.failures > 0 else 200
                receiver.failures -= 1
                if status == 200:
                    receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event_ids(self) -> list[int]:
        return [event["id"] for body in self.bodies for event in body["events"]]

    def types(self) -> list[str]:
        return [event["type"] for body in self.bodies for event in body["events"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def _queue(core: Core) -> int:
    settings = QueueSettings(name="Hooks", dedup=Dedup.OFF)
    return core.queues.create(SERVICE, settings).id


def _deliver_until(core: Core, done: Any, timeout: float = 10.0) -> None:
    clock = core.clock
    assert isinstance(clock, FakeClock)

    async def run() -> None:
        stop = asyncio.Event()
        worker = OutboxWorker(OutboxService(core.store, core.clock), "t", poll_seconds=0.05)
        task = asyncio.create_task(worker.run(stop))
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            clock.advance(seconds=1)  # the retry delay runs on the service clock
        stop.set()
        await task

    asyncio.run(run())


def test_events_after_the_subscription_arrive_signed_and_in_order(
    core: Core, receiver: Receiver
) -> None:
    queue = _queue(core)
    core.callbacks.create(SERVICE, NewCallback(queue_id=queue, phone_number="+33612345670"))
    core.webhooks.create(SERVICE, url=receiver.url, secret=SECRET, event_types=())
    made = [
        core.callbacks.create(SERVICE, NewCallback(queue_id=queue, phone_number="+33612345671")),
        core.callbacks.create(SERVICE, NewCallback(queue_id=queue, phone_number="+33612345672")),
    ]
    core.callbacks.cancel(SERVICE, made[0].id)
    _deliver_until(core, lambda: len(receiver.event_ids()) >= 3)
    ids = receiver.event_ids()
    assert ids == sorted(ids)
    assert len(ids) == 3  # the callback created before the subscription is not sent
    assert receiver.types() == ["callback.waiting", "callback.waiting", "callback.cancelled"]
    assert all(receiver.verified)
    [subscription] = core.webhooks.list(SERVICE)
    assert subscription.cursor == ids[-1]
    assert subscription.failures == 0


def test_a_failing_receiver_gets_everything_later_nothing_skipped(
    core: Core,
) -> None:
    receiver = Receiver(failures=1)
    try:
        queue = _queue(core)
        core.webhooks.create(SERVICE, url=receiver.url, secret=SECRET, event_types=())
        for n in range(3):
            new = NewCallback(queue_id=queue, phone_number=f"+3361234567{n}")
            core.callbacks.create(SERVICE, new)
        _deliver_until(core, lambda: len(receiver.event_ids()) >= 3, timeout=15)
        assert len(receiver.event_ids()) == 3
        assert len(receiver.verified) == 2  # the failed POST, then the retried one
    finally:
        receiver.server.shutdown()


def test_event_types_filter_what_is_sent(core: Core, receiver: Receiver) -> None:
    queue = _queue(core)
    core.webhooks.create(
        SERVICE, url=receiver.url, secret=SECRET, event_types=("callback.cancelled",)
    )
    made = core.callbacks.create(SERVICE, NewCallback(queue_id=queue, phone_number="5115"))
    core.callbacks.cancel(SERVICE, made.id)
    _deliver_until(core, lambda: len(receiver.event_ids()) >= 1)
    assert receiver.types() == ["callback.cancelled"]
    [subscription] = core.webhooks.list(SERVICE)
    assert subscription.cursor == core.events.last_id()  # the skipped event is passed too
