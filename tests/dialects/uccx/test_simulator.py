"""The UCCX simulator on its own: its routing, its failure draws, its wire format."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest

from ringback.simulate import uccx as simulate_uccx
from ringback.simulate import uccx_wire
from ringback.simulate.uccx import UccxSimulator
from ringback.simulate.uccx_config import Plan, SimulatorConfig
from ringback.simulate.uccx_model import Contact, ContactCenter, CsqFigures
from tests.dialects.uccx.loop_support import free_port

pytestmark = pytest.mark.anyio

#: the document's CSQStats example, byte for byte (tabs as in the document)
DOCUMENT_STATS = """<?xml version="1.0" encoding="UTF-8"?>
<CSQStats>
\t<CSQ name="Main">
\t\t<LoggedIn>-1</LoggedIn>
\t\t<Talking>-1</Talking>
\t\t<Ready>-1</Ready>
\t\t<NotReady>-1</NotReady>
\t\t<Work>-1</Work>
\t\t<CallsWaiting>-1</CallsWaiting>
\t\t<LongestQueueTime>-1</LongestQueueTime>
\t\t<TotalInQueue>0</TotalInQueue>
\t</CSQ>
</CSQStats>
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def a_center(agents: int = 1, route_delay: float = 0.0) -> tuple[ContactCenter, list[str]]:
    connected: list[str] = []
    center = ContactCenter(
        {"Main": agents}, handle_seconds=10.0, route_delay_seconds=route_delay,
        on_connect=lambda contact, agent, now: connected.append(contact.session_id),
    )  # fmt: skip
    return center, connected


def test_a_ready_agent_takes_the_longest_waiting_caller() -> None:
    center, connected = a_center()
    center.queue(Contact("late", "Main", queued_at=100.0))
    center.queue(Contact("early", "Main", queued_at=90.0))
    center.advance(105.0)
    assert connected == ["early"]
    assert center.figures("Main", 105.0) == CsqFigures(1, 1, 0, 0, 0, 1, 5, 1)
    center.advance(115.0)  # the call ended at 115: the agent takes the next one
    assert connected == ["early", "late"]


def test_a_callback_sent_back_goes_before_live_callers() -> None:
    center, connected = a_center()
    center.queue(Contact("live", "Main", queued_at=10.0))
    center.queue(Contact("cb-1", "Main", queued_at=50.0, record_id="12346"))
    center.advance(60.0)
    assert connected == ["cb-1"]


def test_the_route_delay_shows_an_agent_ready_while_a_caller_waits() -> None:
    center, connected = a_center(route_delay=1.0)
    center.queue(Contact("first", "Main", queued_at=85.0))
    center.advance(90.0)  # the agent takes "first" and talks until 100
    center.queue(Contact("live", "Main", queued_at=70.0))
    center.advance(100.0)
    center.advance(100.5)
    assert connected == ["first"]
    assert center.figures("Main", 100.5) == CsqFigures(1, 0, 1, 0, 0, 1, 30, 1)
    center.advance(101.0)
    assert connected == ["first", "live"]


def test_a_caller_who_leaves_is_no_longer_queued() -> None:
    center, _ = a_center(agents=0)
    center.queue(Contact("s1", "Main", queued_at=1.0))
    assert center.queued_in("s1") == "Main"
    left = center.leave("s1")
    assert left is not None
    assert left.session_id == "s1"
    assert center.queued_in("s1") == ""
    assert center.leave("s1") is None


def test_failures_are_drawn_at_their_rates_from_the_seed() -> None:
    config = SimulatorConfig(refuse_rate=0.2, silent_rate=0.1, ivr_failure_rate=0.3)
    draws = [config.choose(random.Random(5)) for _ in range(3)]
    assert draws == [config.choose(random.Random(5))] * 3  # the seed decides
    rng = random.Random(42)
    counts = {plan: 0 for plan in Plan}
    for _ in range(10_000):
        counts[config.choose(rng)] += 1
    assert abs(counts[Plan.REFUSE] - 2000) < 200
    assert abs(counts[Plan.SILENT] - 1000) < 150
    assert abs(counts[Plan.IVR_FAILURE] - 3000) < 250
    assert counts[Plan.ABANDON] == 0
    assert abs(counts[Plan.COMPLETE] - 4000) < 250


@pytest.mark.parametrize(
    "changes",
    [
        {"refuse_rate": 0.7, "silent_rate": 0.4},
        {"abandon_rate": -0.1},
        {"agents_per_csq": {}},
        {"prefix": "/"},
        {"handle_seconds": -1.0},
    ],
)
def test_a_bad_configuration_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        SimulatorConfig(**changes)


def test_the_wire_format_is_the_documents() -> None:
    assert uccx_wire.csq_stats("Main", None) == DOCUMENT_STATS
    assert uccx_wire.session_answer("Main") == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n\t<Code>0</Code>\n'
        "\t<csq>Main</csq>\n</Response>\n"
    )
    assert uccx_wire.session_answer(None) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n\t<Code>-1</Code>\n'
        "\t<csq></csq>\n</Response>\n"
    )
    assert uccx_wire.response("a <b> & c", -1) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
        "\t<Description>a &lt;b&gt; &amp; c</Description>\n\t<Code>-1</Code>\n</Response>\n"
    )
    assert 'name="a&quot;b"' in uccx_wire.csq_stats('a"b', None)


def test_a_callback_server_answer_is_read_safely() -> None:
    ok = b'<?xml version="1.0"?><Response><Description>done</Description><Code>0</Code></Response>'
    assert uccx_wire.read_answer(ok, 200) == (0, "done")
    assert uccx_wire.read_answer(b"<html>", 502) == (
        -1,
        "HTTP 502: not a Callback Server answer",
    )
    bomb = b'<!DOCTYPE r [<!ENTITY a "x">]><Response><Code>&a;</Code></Response>'
    assert uccx_wire.read_answer(bomb, 200)[0] == -1


@asynccontextmanager
async def a_simulator(**options: Any) -> AsyncIterator[tuple[UccxSimulator, str]]:
    # The Callback Server is absent: the script's reports fail, which the log shows.
    config = SimulatorConfig(port=0, callback_server=f"http://127.0.0.1:{free_port()}",
                             prefix="cb", step_seconds=0.0, **options)  # fmt: skip
    simulator, runner, ticker = await simulate_uccx.start(config)
    try:
        yield simulator, f"http://127.0.0.1:{simulate_uccx.bound_port(runner)}"
    finally:
        await simulate_uccx.stop(simulator, runner, ticker)


async def test_the_trigger_refuses_what_it_cannot_take() -> None:
    async with a_simulator() as (simulator, base), httpx2.AsyncClient(base_url=base) as http:
        missing = await http.get("/cb", params={"id": "1", "targetcsq": "Main"})
        unknown = await http.get("/cb", params={"id": "1", "dnis": "5", "targetcsq": "Nope"})
    assert "<Description>missing parameter dnis</Description>\n\t<Code>-1</Code>" in missing.text
    assert "<Description>CSQ Nope does not exist</Description>" in unknown.text
    assert [e["code"] for e in simulator.events if e["kind"] == "trigger"] == [-1, -1]


async def test_a_repeated_dial_key_is_taken_once() -> None:
    params = {"id": "7", "dnis": "5551234", "targetcsq": "Main", "dialkey": "k:0"}
    async with a_simulator() as (simulator, base), httpx2.AsyncClient(base_url=base) as http:
        first = await http.get("/cb", params=params)
        again = await http.get("/cb", params=params)
        state = (await http.get("/simulator/state")).json()
    assert first.text == again.text == uccx_wire.response("", 0)
    plans = [e["plan"] for e in simulator.events if e["kind"] == "trigger"]
    assert plans == ["complete", "repeat"]
    # The script ran once: its first report went to the (absent) Callback Server and failed.
    requested = [
        e["code"] for e in state["events"] if e["kind"] == "report" and e["status"] == "REQUESTED"
    ]
    assert requested == [-1]


async def test_the_control_api_queues_callers_and_refuses_bad_input() -> None:
    simulator = a_simulator(agents_per_csq={"Main": 0})
    async with simulator as (_, base), httpx2.AsyncClient(base_url=base) as http:
        added = await http.post("/simulator/contacts", json={"csq": "Main", "sessionid": "9"})
        twice = await http.post("/simulator/contacts", json={"csq": "Main", "sessionid": "9"})
        unknown = await http.post("/simulator/contacts", json={"csq": "Nope"})
        bad = await http.post("/simulator/contacts", content=b"[1]")
        nan = await http.post("/simulator/contacts", json={"csq": "Main", "waited_seconds": "nan"})
        where = await http.get("/stats", params={"sessionid": "9"})
        nobody = await http.post("/simulator/contacts/none/callback", json={})
    assert added.status_code == 201
    assert (twice.status_code, unknown.status_code, bad.status_code) == (409, 404, 400)
    assert nan.status_code == 400
    assert "<csq>Main</csq>" in where.text
    assert nobody.status_code == 404


async def test_callers_arrive_on_their_own_and_some_ask_for_a_callback() -> None:
    # No agent and no Callback Server: callers pile up, ask for a callback, are refused, stay.
    options = {"agents_per_csq": {"Main": 0}, "arrivals_per_minute": 1200.0,
               "callback_share": 1.0, "patience_seconds": 0.1, "seed": 3}  # fmt: skip
    async with a_simulator(**options) as (simulator, base):
        await asyncio.sleep(1.0)
        async with httpx2.AsyncClient(base_url=base) as http:
            stats = await http.get("/stats", params={"CSQ": "Main"})
    arrived = [e["sessionid"] for e in simulator.events if e["kind"] == "queued"]
    asked = [e for e in simulator.events if e["kind"] == "addrecord"]
    assert len(arrived) >= 5
    assert asked
    assert {e["id"] for e in asked} <= {f"sim-{session}" for session in arrived}
    assert all(e["code"] == -1 for e in asked)
    waiting = simulator.center.csqs["Main"].waiting
    assert {c.session_id for c in waiting} == set(arrived)  # refused: back in the queue
    shown = stats.text.split("<CallsWaiting>")[1].split("<")[0]
    assert 0 < int(shown) <= len(waiting)  # /stats counts them (a few more came since)


async def test_a_caller_cut_short_while_asking_for_a_callback_stays_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stopping the simulator cancels a caller's addrecord in flight: the caller must not vanish.
    async def never_answers(params: dict[str, str]) -> tuple[int, str]:
        await asyncio.Event().wait()
        return 0, ""

    async with a_simulator(agents_per_csq={"Main": 0}) as (simulator, base):
        async with httpx2.AsyncClient(base_url=base) as http:
            await http.post("/simulator/contacts", json={"csq": "Main", "sessionid": "9"})
        monkeypatch.setattr(simulator, "_callback_server", never_answers)
        asking = asyncio.create_task(simulator.leave("9", {"id": "sim-9", "dnis": "5115"}))
        await asyncio.sleep(0.05)
        assert simulator.center.queued_in("9") == ""  # out of the queue while it asks
        asking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asking
        assert simulator.center.queued_in("9") == "Main"


async def test_stats_parameters_are_matched_in_any_case() -> None:
    async with a_simulator() as (_, base), httpx2.AsyncClient(base_url=base) as http:
        upper = await http.get("/stats", params={"CSQ": "Main"})
        lower = await http.get("/stats", params={"csq": "Main"})
        session = await http.get("/stats", params={"SessionID": "nobody"})
        neither = await http.get("/stats")
    assert upper.text == lower.text
    assert "<LoggedIn>3</LoggedIn>" in upper.text
    assert session.text == uccx_wire.session_answer("")
    assert neither.text == uccx_wire.session_answer(None)
