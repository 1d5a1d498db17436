"""The UCCX adapter against real sockets: a small fake of UCCX's HTTP-triggered applications."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from multidict import MultiDict

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.uccx import csq_settings
from ringback.domain.callbacks import Callback, UccxFields
from ringback.services.ports import Delivery, DeliveryStatus, QueueStats
from ringback.settings import Settings
from ringback.simulate.webhook import read_request
from ringback.telephony.uccx import (
    RECHECK_SECONDS,
    UccxConnection,
    UccxTelephony,
    parse_csq_stats,
)
from ringback.testing import FakeClock
from tests.factories import make_callback, make_queue

pytestmark = pytest.mark.anyio

QUEUE = make_queue(4, "Main")
PREFIX = "callbackTrigger"

ACCEPTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Description></Description>
    <Code>0</Code>
</Response>"""
REFUSED = b"""<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Description>DEBUG INFO</Description>
    <Code>-1</Code>
</Response>"""
STATS = b"""<?xml version="1.0" encoding="UTF-8"?>
<CSQStats>
    <CSQ name="Main">
        <LoggedIn>7</LoggedIn>
        <Talking>3</Talking>
        <Ready>2</Ready>
        <NotReady>1</NotReady>
        <Work>1</Work>
        <CallsWaiting>5</CallsWaiting>
        <LongestQueueTime>94</LongestQueueTime>
        <TotalInQueue>5</TotalInQueue>
    </CSQ>
</CSQStats>"""
#: the document's three answers to /stats?sessionid=
SESSION_QUEUED = b"""<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Code>0</Code>
    <csq>Main</csq>
</Response>"""
SESSION_NOT_FOUND = SESSION_QUEUED.replace(b"Main", b"")
SESSION_ERROR = SESSION_NOT_FOUND.replace(b"<Code>0<", b"<Code>-1<")
#: the document's own example: every figure unknown
STATS_UNKNOWN = STATS.replace(b">7<", b">-1<").replace(b">2<", b">-1<")


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio, as ringback does."""
    return "asyncio"


@dataclass
class FakeUccx:
    """Answers the send-back trigger and /stats?CSQ= with canned bodies, recording each query."""

    trigger_body: bytes = ACCEPTED
    trigger_status: int = 200
    stats_body: bytes = STATS
    session_body: bytes = SESSION_NOT_FOUND
    session_status: int = 200
    queries: list[tuple[str, MultiDict[str]]] = field(default_factory=list)
    raw_queries: list[str] = field(default_factory=list)
    port: int = 0

    async def trigger(self, request: web.Request) -> web.Response:
        self.queries.append((request.path, MultiDict(request.query)))
        self.raw_queries.append(request.query_string)
        return web.Response(
            status=self.trigger_status, body=self.trigger_body, content_type="text/xml"
        )

    async def stats(self, request: web.Request) -> web.Response:
        self.queries.append((request.path, MultiDict(request.query)))
        if "sessionid" in request.query:
            return web.Response(
                status=self.session_status, body=self.session_body, content_type="text/xml"
            )
        return web.Response(body=self.stats_body, content_type="text/xml")

    def triggers(self) -> list[MultiDict[str]]:
        return [query for path, query in self.queries if path == f"/{PREFIX}"]

    def connection(self, **changes: Any) -> UccxConnection:
        values: dict[str, Any] = {
            "master_node": "127.0.0.1",
            "port": self.port,
            "sendback_prefix": PREFIX,
            "connect_timeout_seconds": 0.5,
            "read_timeout_seconds": 0.5,
        }
        values.update(changes)
        return UccxConnection(**values)


@asynccontextmanager
async def fake_uccx(**options: Any) -> AsyncIterator[FakeUccx]:
    """Run a fake UCCX master node on a free port for the duration of the block."""
    fake = FakeUccx(**options)
    app = web.Application()
    app.router.add_get(f"/{PREFIX}", fake.trigger)
    app.router.add_get("/stats", fake.stats)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.port = runner.addresses[0][1]
    try:
        yield fake
    finally:
        await runner.cleanup()


@asynccontextmanager
async def adapter_for(connection: Any) -> AsyncIterator[UccxTelephony]:
    adapter = UccxTelephony(connection)
    try:
        yield adapter
    finally:
        await adapter.aclose()


def a_uccx_callback(**changes: Any) -> Callback:
    values: dict[str, Any] = {
        "external_id": "12346",
        "prompt": "p1.wav",
        "language": "en_US",
        "uccx": UccxFields(
            dnis="1233457",
            origin_csq="Main",
            session_id="1300234",
            impl_id="123123/6",
            contact_id="4455667788",
            custom_vars=("a b", "x&y=z", "ü", "", "five"),
        ),
    }
    values.update(changes)
    return make_callback(QUEUE.id, **values)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_accepted_send_back_carries_every_field_and_the_dial_key() -> None:
    callback = a_uccx_callback()
    async with fake_uccx() as fake, adapter_for(fake.connection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery == Delivery(DeliveryStatus.ACCEPTED, "UCCX code 0")
    # First: is the caller's original contact still queued? (No.) Then the send-back.
    [(lookup_path, lookup), (path, query)] = fake.queries
    assert (lookup_path, dict(lookup)) == ("/stats", {"sessionid": "1300234"})
    assert path == f"/{PREFIX}"
    assert dict(query) == {
        "id": "12346",
        "dnis": callback.customer_number,
        "targetcsq": "Main",
        "prompt": "p1.wav",
        "sessionid": "1300234",
        "implid": "123123/6",
        "contactid": "4455667788",
        "language": "en_US",
        "customvar1": "a b",
        "customvar2": "x&y=z",
        "customvar3": "ü",
        "customvar4": "",
        "customvar5": "five",
        "dialkey": callback.dial_key,
    }
    assert "x%26y%3Dz" in fake.raw_queries[-1]


async def test_a_caller_still_queued_live_is_not_sent_back() -> None:
    callback = a_uccx_callback()
    options = {"session_body": SESSION_QUEUED}
    async with fake_uccx(**options) as fake, adapter_for(fake.connection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery == Delivery(
        DeliveryStatus.DEFERRED,
        "not sent back yet: the original contact (session 1300234) is still queued in CSQ Main",
        retry_after_seconds=RECHECK_SECONDS,
    )
    assert fake.triggers() == []


@pytest.mark.parametrize(
    ("options"),
    [
        {"session_body": SESSION_ERROR},
        {"session_body": b"<html>busy</html>"},
        {"session_status": 404},
    ],
    ids=["code-minus-one", "not-xml", "http-404"],
)
async def test_when_uccx_cannot_tell_where_the_session_is_the_trigger_decides(
    options: dict[str, Any],
) -> None:
    callback = a_uccx_callback()
    async with fake_uccx(**options) as fake, adapter_for(fake.connection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is DeliveryStatus.ACCEPTED
    assert [query["id"] for query in fake.triggers()] == ["12346"]


async def test_session_csq_reads_the_documents_three_answers() -> None:
    answers = {SESSION_QUEUED: "Main", SESSION_NOT_FOUND: "", SESSION_ERROR: None}
    for body, expected in answers.items():
        async with fake_uccx(session_body=body) as fake, adapter_for(fake.connection()) as adapter:
            assert await adapter.session_csq("1300234") == expected
        assert [dict(query) for _, query in fake.queries] == [{"sessionid": "1300234"}]


async def test_a_callback_without_an_external_id_is_sent_by_its_uuid() -> None:
    callback = make_callback(QUEUE.id)
    async with fake_uccx() as fake, adapter_for(fake.connection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is DeliveryStatus.ACCEPTED
    [(path, query)] = fake.queries  # no session id: nothing to look up
    assert path == f"/{PREFIX}"
    assert query["id"] == str(callback.id)
    assert query["sessionid"] == ""
    assert [query[f"customvar{i}"] for i in range(1, 6)] == [""] * 5


async def test_code_minus_one_is_a_transient_refusal_with_the_description() -> None:
    callback = a_uccx_callback()
    async with fake_uccx(trigger_body=REFUSED) as fake, adapter_for(fake.connection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery == Delivery(DeliveryStatus.TRANSIENT, "UCCX code -1: DEBUG INFO")


@pytest.mark.parametrize(
    ("status", "expected", "ambiguous"),
    [
        (503, DeliveryStatus.TRANSIENT, False),
        (504, DeliveryStatus.TRANSIENT, True),
        (404, DeliveryStatus.PERMANENT, False),
    ],
)
async def test_an_http_error_is_classified_as_the_webhook_does(
    status: int, expected: DeliveryStatus, ambiguous: bool
) -> None:
    callback = a_uccx_callback()
    async with (
        fake_uccx(trigger_status=status, trigger_body=b"oops") as fake,
        adapter_for(fake.connection()) as adapter,
    ):
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is expected
    assert delivery.ambiguous is ambiguous
    assert delivery.detail.startswith(f"HTTP {status}")


async def test_a_2xx_answer_that_is_not_uccx_xml_is_transient_and_ambiguous() -> None:
    callback = a_uccx_callback()
    async with (
        fake_uccx(trigger_body=b"<html>hello</html>") as fake,
        adapter_for(fake.connection()) as adapter,
    ):
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.ambiguous


async def test_a_hostile_xml_answer_is_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>'
        b"<Response><Code>&a;</Code></Response>"
    )
    callback = a_uccx_callback()
    async with fake_uccx(trigger_body=bomb) as fake, adapter_for(fake.connection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.ambiguous


async def test_a_connection_closed_without_an_answer_is_transient_and_ambiguous() -> None:
    seen: list[bytes] = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        seen.append(b"" if request is None else request.body)
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = UccxConnection(
        master_node="127.0.0.1", port=port, sendback_prefix=PREFIX, read_timeout_seconds=0.5
    )
    callback = a_uccx_callback(uccx=UccxFields(dnis="1233457"))  # no session: no look-up
    async with server, adapter_for(connection) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert len(seen) == 1
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.ambiguous
    assert delivery.detail.startswith("connection closed without an answer")


async def test_an_unreachable_master_is_transient_and_not_ambiguous() -> None:
    connection = UccxConnection(master_node="127.0.0.1", port=free_port(), sendback_prefix=PREFIX)
    callback = a_uccx_callback()
    async with adapter_for(connection) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
        stats = await adapter.queue_stats(QUEUE)
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert not delivery.ambiguous
    assert stats is None


async def test_a_silent_master_times_out_as_transient_and_ambiguous() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(2)
        writer.close()

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = UccxConnection(
        master_node="127.0.0.1",
        port=port,
        sendback_prefix=PREFIX,
        connect_timeout_seconds=0.2,
        read_timeout_seconds=0.2,
    )
    callback = a_uccx_callback()
    async with server, adapter_for(connection) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
        stats = await adapter.queue_stats(QUEUE)
    assert delivery.status is DeliveryStatus.TRANSIENT
    assert delivery.ambiguous
    assert stats is None


async def test_queue_stats_reads_the_csq_figures() -> None:
    async with fake_uccx() as fake, adapter_for(fake.connection()) as adapter:
        stats = await adapter.queue_stats(QUEUE)
    assert stats == QueueStats(
        ready_agents=2, talking_agents=3, calls_waiting=5, longest_wait_seconds=94.0
    )
    [(path, query)] = fake.queries
    assert path == "/stats"
    assert dict(query) == {"CSQ": "Main"}


@pytest.mark.parametrize(
    "body",
    [STATS_UNKNOWN, b"not xml", STATS.replace(b'name="Main"', b'name="Other"'), b""],
)
async def test_queue_stats_that_cannot_be_read_claim_nothing(body: bytes) -> None:
    async with fake_uccx(stats_body=body) as fake, adapter_for(fake.connection()) as adapter:
        assert await adapter.queue_stats(QUEUE) is None


def test_the_documents_example_has_no_usable_figures() -> None:
    assert parse_csq_stats(STATS_UNKNOWN, "Main") is None
    assert parse_csq_stats(STATS, "Main") is not None


async def test_without_a_master_node_nothing_is_sent() -> None:
    callback = a_uccx_callback()
    async with adapter_for(UccxConnection()) as adapter:
        delivery = await adapter.deliver(callback, QUEUE, callback.dial_key)
        assert await adapter.queue_stats(QUEUE) is None
    assert delivery.status is DeliveryStatus.PERMANENT
    assert "not configured" in delivery.detail


async def test_the_connection_is_read_anew_for_each_request() -> None:
    callback = a_uccx_callback()
    async with fake_uccx() as first, fake_uccx(trigger_body=REFUSED) as second:
        current = [first.connection()]
        async with adapter_for(lambda: current[0]) as adapter:
            accepted = await adapter.deliver(callback, QUEUE, callback.dial_key)
            current[0] = second.connection()
            refused = await adapter.deliver(callback, QUEUE, callback.dial_key)
    assert accepted.status is DeliveryStatus.ACCEPTED
    assert refused.status is DeliveryStatus.TRANSIENT
    # Each delivery asked its own master node (the session look-up, then the trigger).
    assert [path for path, _ in first.queries] == ["/stats", f"/{PREFIX}"]
    assert [path for path, _ in second.queries] == ["/stats", f"/{PREFIX}"]


def test_the_runtime_sends_to_uccx_as_soon_as_a_master_node_is_stored(
    settings: Settings, core: Core, clock: FakeClock
) -> None:
    runtime = bootstrap.build_runtime(core)
    adapter = runtime.telephony_for(make_queue(1, telephony="uccx"))
    assert isinstance(adapter, UccxTelephony)
    assert asyncio.run(adapter.connection()) is None  # not configured yet: dials are refused
    with core.store.transaction() as tx:
        csq_settings.save_connection(
            tx, UccxConnection(master_node="uccx-a.example", port=9080), clock.now()
        )
    stored = asyncio.run(adapter.connection())  # no restart needed
    assert stored is not None
    assert stored.master_node == "uccx-a.example"
