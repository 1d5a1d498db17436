"""xuc events POSTed to the eventUrl: PhoneEvent as documented, callback events, handshake,
retries with backoff, and durability across a restart; against real receivers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.xuc_legacy import plugin
from ringback.domain.people import Principal
from ringback.domain.queues import QueueSettings
from ringback.notify.outbox import OutboxWorker
from ringback.services import signing
from ringback.services.callbacks import NewCallback
from ringback.services.webhooks import OutboxService
from ringback.settings import Settings
from ringback.store.tables import xuc_event_feeds, xuc_events
from ringback.testing import FakeClock
from tests.dialects.xuc_legacy.conftest import (
    EVENT_URL,
    add_agent,
    add_user,
    event_feed,
    make_settings,
    outbox,
    post,
)

SECRET = "xuc-event-secret-0123456789"


class Receiver:
    """An eventUrl on 127.0.0.1 that can fail its first answers."""

    def __init__(self, failures: int = 0) -> None:
        self.messages: list[dict[str, Any]] = []
        self.attempts = 0
        self.signatures: list[bool] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                if signing.SIGNATURE_HEADER in self.headers:
                    timestamp = int(self.headers[signing.TIMESTAMP_HEADER])
                    signature = self.headers[signing.SIGNATURE_HEADER]
                    ok = signing.verify(SECRET, timestamp, body, signature, now=time.time())
                    receiver.signatures.append(ok)
                status = 503 if receiver.failures > 0 else 200
                receiver.failures -= 1
                if status == 200:
                    receiver.messages.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/xivo/1.0/event/avencall.com/dropbox/"
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kinds(self) -> list[tuple[str, str]]:
        """(msgType, eventType or name) of what arrived, in order."""
        return [(m["message"]["msgType"], _what(m["message"]["ctiMessage"])) for m in self.messages]


def _what(cti: dict[str, Any]) -> str:
    return str(cti.get("eventType") or cti.get("name") or "")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def deliver_until(
    core: Core, url: str, done: Callable[[], bool],
    timeout: float = 10.0, step_seconds: float = 1.0, secret: str | None = None,
) -> None:  # fmt: skip
    """Run the outbox worker on the eventUrl feed to `url`, moving the service clock on, until
    `done()` or the timeout."""
    clock = core.clock
    assert isinstance(clock, FakeClock)
    feed = event_feed(core, url, secret)

    async def run() -> None:
        stop = asyncio.Event()
        worker = OutboxWorker(
            OutboxService(core.store, clock), "t", poll_seconds=0.02, feeds=[feed]
        )
        task = asyncio.create_task(worker.run(stop))
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            clock.advance(seconds=step_seconds)  # call timers and retry delays run on it
        stop.set()
        await task

    asyncio.run(run())


def start_feed(core: Core) -> None:
    """Create the feed now (a dispatcher does at its start): callback events from here on."""
    feed = event_feed(core, EVENT_URL)
    batch = feed.take("setup")
    assert batch is not None
    feed.settle("setup", batch, 0, None)


def feed_row(core: Core) -> dict[str, Any]:
    """Return the stored state of the eventUrl feed (empty before the first delivery)."""
    with core.store.engine.connect() as connection:
        row = connection.execute(select(xuc_event_feeds)).mappings().first()
    return dict(row) if row else {}


def test_a_call_is_posted_as_the_documents_phone_events(
    xuc: TestClient, core: Core, receiver: Receiver
) -> None:
    for name in ("bruce", "alicej"):
        post(xuc, f"dnd/avencall.com/{name}/", {"state": False})
    post(xuc, "dial/avencall.com/bruce/", {"number": "1001"})
    deliver_until(core, receiver.url, lambda: len(receiver.messages) >= 8)
    assert receiver.kinds() == [
        ("UserConfigUpdate", ""),
        ("UserConfigUpdate", ""),
        ("PhoneEvent", "EventDialing"),
        ("PhoneEvent", "EventRinging"),
        ("PhoneEvent", "EventEstablished"),
        ("PhoneEvent", "EventEstablished"),
        ("PhoneEvent", "EventReleased"),
        ("PhoneEvent", "EventReleased"),
    ]
    dialing = receiver.messages[2]
    assert list(dialing) == ["username", "message"]
    assert list(dialing["message"]) == ["msgType", "ctiMessage"]
    cti = dialing["message"]["ctiMessage"]
    assert list(cti) == ["eventType", "DN", "otherDN", "linkedId", "uniqueId", "userData"]
    assert (dialing["username"], cti["DN"], cti["otherDN"]) == ("bruce", "1000", "1001")
    epoch, _, sequence = cti["linkedId"].partition(".")
    assert epoch == "1767603600"  # 2026-01-05 09:00 UTC: "<epoch>.<sequence>" as xuc's ids
    assert sequence.isdigit()
    assert cti["userData"] == {"XIVO_USERID": "bruce"}
    ringing = receiver.messages[3]["message"]["ctiMessage"]
    assert ringing["linkedId"] == cti["linkedId"] != ringing["uniqueId"]
    assert outbox(core) == []  # delivered events leave the outbox


def test_a_calls_later_events_wait_for_their_moment(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    post(xuc, "dial/avencall.com/bruce/", {"number": "0612345678"})
    feed = event_feed(core, EVENT_URL)
    batch = feed.take("t")
    assert batch is not None
    assert [_what(i.message["message"]["ctiMessage"]) for i in batch.items] == ["EventDialing"]
    feed.settle("t", batch, len(batch.items), None)
    clock.advance(seconds=2)
    batch = feed.take("t")
    assert batch is not None
    assert [_what(i.message["message"]["ctiMessage"]) for i in batch.items] == ["EventEstablished"]


def test_the_outbox_keeps_facts_and_sends_them_in_xucs_shape(xuc: TestClient, core: Core) -> None:
    post(xuc, "dnd/avencall.com/bruce/", {"state": True})
    with core.store.engine.connect() as connection:
        stored = connection.execute(select(xuc_events.c.message)).scalar_one()
    assert stored["fact"] == "line"  # a neutral fact, no xuc word in it
    assert "msgType" not in json.dumps(stored)
    batch = event_feed(core, EVENT_URL).take("t")
    assert batch is not None
    assert [i.message["message"]["msgType"] for i in batch.items] == ["UserConfigUpdate"]


def test_a_message_stored_by_an_earlier_version_is_sent_as_it_was(
    core: Core, clock: FakeClock
) -> None:
    # Before the facts, the outbox kept each message already rendered: one left undelivered by
    # an upgrade still goes out, unchanged.
    message = {"username": "bruce", "message": {"msgType": "UserConfigUpdate", "ctiMessage": {}}}
    with core.store.engine.begin() as connection:
        connection.execute(
            xuc_events.insert().values(username="bruce", message=message, due_at=clock.now())
        )
    batch = event_feed(core, EVENT_URL).take("t")
    assert batch is not None
    assert [i.message for i in batch.items] == [message]


def test_a_failing_receiver_gets_everything_in_order_after_retries(
    xuc: TestClient, core: Core
) -> None:
    receiver = Receiver(failures=3)
    try:
        for state in (True, False, True):
            post(xuc, "dnd/avencall.com/bruce/", {"state": state})
        deliver_until(core, receiver.url, lambda: len(receiver.messages) >= 3)
    finally:
        receiver.server.shutdown()
    states = [m["message"]["ctiMessage"]["dndEnabled"] for m in receiver.messages]
    assert states == [True, False, True]  # nothing lost, nothing repeated, in order
    assert receiver.attempts == 6  # three 503s on the first event, then one POST each
    row = feed_row(core)
    assert (row["failures"], row["last_error"], row["next_attempt_at"]) == (0, "", None)


def test_a_failure_backs_off_and_is_recorded(xuc: TestClient, core: Core, clock: FakeClock) -> None:
    receiver = Receiver(failures=100)
    try:
        post(xuc, "dnd/avencall.com/bruce/", {"state": True})
        deliver_until(core, receiver.url, lambda: receiver.attempts >= 1,
                      step_seconds=0)  # fmt: skip
    finally:
        receiver.server.shutdown()
    row = feed_row(core)
    assert (row["failures"], row["last_error"]) == (1, "HTTP 503")
    assert (row["next_attempt_at"] - clock.now()).total_seconds() == 2  # then 4, 8... 600
    assert len(outbox(core)) == 1  # kept for the next attempt


def test_events_survive_a_restart_of_the_worker(
    xuc: TestClient, core: Core, receiver: Receiver
) -> None:
    post(xuc, "dnd/avencall.com/bruce/", {"state": True})
    closed = Receiver()
    closed.server.shutdown()
    closed.server.server_close()  # nothing listens there any more: connection refused
    deliver_until(core, closed.url, lambda: feed_row(core).get("failures", 0) > 0)
    assert len(outbox(core)) == 1
    deliver_until(core, receiver.url, lambda: len(receiver.messages) >= 1)
    assert receiver.kinds() == [("UserConfigUpdate", "")]


def test_callback_lifecycle_events_are_posted_in_the_xuc_shape(
    core: Core, receiver: Receiver
) -> None:
    start_feed(core)
    queue = core.queues.create(Principal.service(), QueueSettings(name="Callbacks"))
    made = core.callbacks.create(
        Principal.service(), NewCallback(queue_id=queue.id, phone_number="+33612345678")
    )
    core.callbacks.cancel(Principal.service(), made.id)
    deliver_until(core, receiver.url, lambda: len(receiver.messages) >= 2)
    assert receiver.kinds() == [
        ("CallbackEvent", "CallbackWaiting"),
        ("CallbackEvent", "CallbackCancelled"),
    ]
    cancelled = receiver.messages[1]
    cti = cancelled["message"]["ctiMessage"]
    assert cancelled["username"] is None
    assert (cti["callbackId"], cti["queueId"], cti["state"], cti["previousState"]) == (
        str(made.id), queue.id, "cancelled", "waiting",
    )  # fmt: skip
    assert cti["at"] == "2026-01-05 09:00:00"
    assert feed_row(core)["callback_cursor"] == cti["eventId"]


def test_a_secret_signs_each_event(xuc: TestClient, core: Core, receiver: Receiver) -> None:
    post(xuc, "dnd/avencall.com/bruce/", {"state": True})
    deliver_until(core, receiver.url, lambda: len(receiver.messages) >= 1, secret=SECRET)
    assert receiver.signatures == [True]


def test_the_wing_builds_its_feed_from_the_settings(database_url: str, core: Core) -> None:
    def feeds(settings: Settings) -> tuple[tuple[str, str | None], ...]:
        built = bootstrap.build_core(settings, engine=engine, clock=clock)
        return tuple((feed.url, feed.secret) for feed in plugin.DIALECT.build(built).feeds)

    engine, clock = core.store.engine, core.clock
    assert feeds(make_settings(database_url, xuc_event_url=None)) == ()
    settings = make_settings(database_url, xuc_event_secret=SECRET)
    assert feeds(settings) == ((settings.xuc_event_url or "", SECRET),)


def test_the_runtime_delivers_the_wings_feeds(
    database_url: str, core: Core, receiver: Receiver
) -> None:
    # `ringback dispatch` builds the wings itself: their eventUrl is delivered there too.
    settings = make_settings(database_url, xuc_event_url=receiver.url)
    built = bootstrap.build_core(settings, engine=core.store.engine, clock=core.clock)
    add_user(built, "bruce")
    plugin.phone_service(built).set_dnd("bruce", True)
    dispatch = bootstrap.build_runtime(built)

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(dispatch.outbox.run(stop))
        deadline = time.monotonic() + 10
        while not receiver.messages and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await task

    asyncio.run(run())
    assert receiver.kinds() == [("UserConfigUpdate", "")]


# handshake


def test_handshake_posts_again_the_state_of_every_user(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    add_agent(core, 1, "2000", "alicej")
    post(xuc, "dnd/avencall.com/bruce/", {"state": True})
    post(xuc, "dnd/avencall.com/alicej/", {"state": False})
    post(xuc, "agentLogin/", {"agentphonenumber": "1001", "agentnumber": "2000"})
    post(xuc, "dial/avencall.com/bruce/", {"number": "1001"})
    clock.advance(seconds=5)  # the call is established
    before = max(e["id"] for e in outbox(core))
    response = xuc.post("/xuc/api/1.0/handshake/avencall.com/")
    assert (response.status_code, response.content) == (200, b"")
    reposted = [e["message"] for e in outbox(core) if e["id"] > before]
    assert [(m["username"], m["message"]["msgType"]) for m in reposted] == [
        ("alicej", "UserConfigUpdate"),
        ("bruce", "UserConfigUpdate"),
        ("alicej", "PhoneEvent"),
        ("bruce", "PhoneEvent"),
        ("alicej", "AgentStateEvent"),
    ]
    assert reposted[1]["message"]["ctiMessage"]["dndEnabled"] is True
    assert reposted[2]["message"]["ctiMessage"]["eventType"] == "EventEstablished"


def test_handshake_for_one_user(xuc: TestClient, core: Core) -> None:
    post(xuc, "dnd/avencall.com/bruce/", {"state": True})
    post(xuc, "dnd/avencall.com/alicej/", {"state": True})
    before = max(e["id"] for e in outbox(core))
    assert xuc.post("/xuc/api/1.0/handshake/avencall.com/bruce/").status_code == 200
    assert [e["username"] for e in outbox(core) if e["id"] > before] == ["bruce"]


def test_handshake_needs_a_domain(xuc: TestClient) -> None:
    response = xuc.post("/xuc/api/1.0/handshake/")
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidParameter", "message": "the path needs $domain/"}


def test_handshake_of_an_unknown_user_is_not_found(xuc: TestClient) -> None:
    response = xuc.post("/xuc/api/1.0/handshake/avencall.com/john/")
    assert response.status_code == 404


def test_without_an_event_url_nothing_is_queued(database_url: str, core: Core) -> None:
    settings: Settings = make_settings(database_url, xuc_event_url=None)
    add_user(core, "bruce")
    built = bootstrap.build_core(settings, engine=core.store.engine, clock=core.clock)
    with TestClient(bootstrap.build_app(built)) as client:
        assert post(client, "dnd/avencall.com/bruce/", {"state": True}).status_code == 200
        assert client.post("/xuc/api/1.0/handshake/avencall.com/").status_code == 200
    assert outbox(core) == []
