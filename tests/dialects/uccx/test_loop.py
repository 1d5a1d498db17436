"""The full loop over real sockets: ringback (API + dispatcher) and the UCCX simulator.

A caller leaves the queue with addrecord and keeps their place; ringback sends the callback back
when an agent is ready and no live caller has waited longer; the simulated UCCX script reports
each step through updaterecord. A send-back that keeps failing ends after exactly max attempts.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2
import pytest
from typer.testing import CliRunner

from ringback.cli import app
from ringback.dialects.uccx.wire import status_word
from ringback.domain.states import State
from tests.dialects.uccx.loop_support import (
    Ringback,
    free_port,
    running_ringback,
    running_simulator,
    settings_document,
    wait_for,
)

OK = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n\t<Description></Description>\n'
SCRIPT_STEPS = ["REQUESTED", "QUEUED", "AGENTACKNOWLEDGED", "DIALINGTARGET", "COMPLETED"]
MAX_ATTEMPTS = 3


@pytest.fixture
def ringback(database_url: str) -> Iterator[Ringback]:
    with running_ringback(database_url) as server:
        yield server


def _collapsed(states: list[str]) -> list[str]:
    """The states in order, each repeat (offered -> offered) shown once."""
    return [state for state, _ in itertools.groupby(states)]


def test_a_caller_keeps_their_place_and_is_called_back_when_their_turn_comes(
    ringback: Ringback,
) -> None:
    # One agent; a ready agent waits 1.2 s before UCCX hands it the head of the queue, so that
    # ringback sees "Ready 1" while a live caller waits, and must let that caller go first.
    options = {"agents_per_csq": {"Main": 1}, "handle_seconds": 1.5,
               "route_delay_seconds": 1.2, "step_seconds": 0.1, "seed": 1}  # fmt: skip
    with running_simulator(ringback.base, **options) as uccx:
        document = settings_document(uccx, dispatch_mode="position", telephony="uccx")
        assert ringback.set_settings(document) == OK + "\t<Code>0</Code>\n</Response>\n"
        uccx.queue_caller("L0", waited_seconds=60)  # the agent takes L0 at once
        wait_for(lambda: uccx.events("connected", sessionid="L0"), 5, "L0 to reach the agent")
        uccx.queue_caller("L1", waited_seconds=30)  # waits longer than the callback's caller
        uccx.queue_caller("1300234", waited_seconds=10)
        left = uccx.leave_with_callback(
            "1300234", id="12346", dnis="1233457", prompt="p1.wav", implid="123123/6",
            contactid="4455667788", language="en_US", customvar1="vip",
        )  # fmt: skip
        assert left == {"code": 0, "description": "Record with id 12346  was added to the list."}
        wait_for(lambda: uccx.events("report", id="12346", status="COMPLETED"), 20,
                 "the callback to complete")  # fmt: skip
        events = uccx.state()["events"]

    # The live caller who had waited longer was served before the callback was sent back.
    kinds = [(e["kind"], e.get("sessionid") or e.get("id")) for e in events]
    sent_back = kinds.index(("trigger", "12346"))
    l1_served = kinds.index(("connected", "L1"))
    assert l1_served < sent_back
    # ringback was shown an agent ready while L1 waited (after the callback's caller had left),
    # and let L1 go first: L1 had waited longer.
    left_at = kinds.index(("addrecord", "1300234"))
    assert any(
        e["kind"] == "stats" and e["ready"] == 1 and e["calls_waiting"] == 1
        for e in events[left_at:l1_served]
    )
    # ringback asked UCCX whether the original contact was still queued: it had left.
    lookups = [e for e in events[:sent_back] if e["kind"] == "lookup"]
    assert lookups
    assert {(e["sessionid"], e["csq"]) for e in lookups} == {("1300234", "")}
    [trigger] = [e for e in events if e["kind"] == "trigger"]
    assert (trigger["targetcsq"], trigger["code"], trigger["plan"]) == ("Main", 0, "complete")
    assert trigger["dialkey"] == ringback.record("12346").dial_key
    reports = [(e["status"], e["code"]) for e in events if e["kind"] == "report"]
    assert reports == [(status, 0) for status in SCRIPT_STEPS]

    callback = ringback.record("12346")
    assert callback.state is State.COMPLETED
    assert callback.attempts == 1
    queued_at = next(e["queued_at"] for e in events if e.get("sessionid") == "1300234")
    assert callback.queue_start_time is not None
    assert abs(callback.queue_start_time.timestamp() - queued_at) < 0.002  # kept, in ms
    history = ringback.history("12346")
    assert _collapsed([line["to_state"] for line in history]) == [
        "waiting", "dispatching", "offered", "reserved", "dialing", "completed",
    ]  # fmt: skip
    uccx_lines = [line["event"] for line in history if line["event"].startswith("uccx:")]
    assert uccx_lines == ["uccx:requested", "uccx:queued", "uccx:agentacknowledged",
                          "uccx:dialingtarget"]  # fmt: skip
    assert history[-1]["event"] == "outcome:completed"
    acknowledged = next(h for h in history if h["event"] == "uccx:agentacknowledged")
    assert acknowledged["detail"]["agentid"] == "main-agent1"


@pytest.mark.parametrize(
    ("failure", "read_timeout"),
    [("refuse_rate", 2.0), ("ivr_failure_rate", 2.0), ("abandon_rate", 2.0), ("silent_rate", 0.5)],
    ids=["code-minus-one", "ivr-failure", "agent-abandoned", "no-answer"],
)
def test_a_send_back_that_keeps_failing_ends_after_exactly_max_attempts(
    ringback: Ringback, failure: str, read_timeout: float
) -> None:
    options = {"agents_per_csq": {"Main": 1}, "handle_seconds": 1.0, "route_delay_seconds": 0.0,
               "step_seconds": 0.05, failure: 1.0, "seed": 7}  # fmt: skip
    with running_simulator(ringback.base, **options) as uccx:
        document = settings_document(
            uccx, read_timeout=read_timeout, dispatch_mode="position", telephony="uccx",
            max_attempts=str(MAX_ATTEMPTS), retry_delay_seconds="1",
        )  # fmt: skip
        assert "<Code>0</Code>" in ringback.set_settings(document)
        queued = str(int((time.time() - 5) * 1000))
        added = ringback.call("addrecord", id="777", dnis="5551234", targetcsq="Main",
                              sessionid="s-777", queuestarttime=queued)  # fmt: skip
        assert "<Code>0</Code>" in added
        wait_for(lambda: ringback.record("777").state is State.FAILED, 25, "the record to fail")
        time.sleep(1.6)  # longer than a retry delay (1 s + 10 %): no further attempt may follow
        triggers = uccx.events("trigger", id="777")
        reports = uccx.events("report", id="777")

    callback = ringback.record("777")
    assert len(triggers) == MAX_ATTEMPTS
    assert callback.attempts == MAX_ATTEMPTS
    assert status_word(callback) == "EXCEEDEDNUMBEROFATTEMPTS"
    assert "<id>777</id>" not in ringback.call("getrecords")
    keys = [t["dialkey"] for t in triggers]
    if failure == "silent_rate":
        # Unanswered: UCCX may have the request, so every attempt re-sends the same dial key.
        assert len(set(keys)) == 1
    else:
        assert len(set(keys)) == MAX_ATTEMPTS
    statuses = [r["status"] for r in reports]
    if failure == "ivr_failure_rate":
        assert statuses == ["REQUESTED", "IVR_FAILURE"] * MAX_ATTEMPTS
    elif failure == "abandon_rate":
        steps = ["REQUESTED", "QUEUED", "AGENTACKNOWLEDGED", "AGENTABANDONED"]
        assert statuses == steps * MAX_ATTEMPTS
    else:
        assert statuses == []  # nothing was taken: the script never ran
    assert all(r["code"] == 0 for r in reports)  # ringback accepted every report


def test_a_caller_still_queued_live_is_called_back_only_once_they_have_left(
    ringback: Ringback,
) -> None:
    # The record arrives while the caller's original contact is still queued live (addrecord
    # raced the hang-up): ringback waits, without using attempts, and sends it back once the
    # contact has left the queue.
    with running_simulator(ringback.base, agents_per_csq={"Main": 0}, seed=2) as uccx:
        document = settings_document(
            uccx, dispatch_mode="immediate", telephony="uccx", max_attempts="2",
            retry_delay_seconds="1",
        )  # fmt: skip
        assert "<Code>0</Code>" in ringback.set_settings(document)
        uccx.queue_caller("s-live", waited_seconds=15)
        added = ringback.call("addrecord", id="888", dnis="5550000", targetcsq="Main",
                              sessionid="s-live")  # fmt: skip
        assert "<Code>0</Code>" in added
        wait_for(lambda: len(uccx.events("lookup", sessionid="s-live")) >= 4, 15,
                 "four look-ups while the caller is queued")  # fmt: skip
        assert uccx.events("trigger") == []
        waiting = ringback.record("888")
        assert waiting.state in (State.WAITING, State.DISPATCHING)  # between two look-ups
        assert waiting.attempts == 0

        uccx.hang_up("s-live")
        wait_for(lambda: uccx.events("trigger"), 15, "the send-back after the hang-up")
        wait_for(lambda: ringback.record("888").state is State.OFFERED, 15, "REQUESTED")
        triggers = uccx.events("trigger")

    assert [t["id"] for t in triggers] == ["888"]
    assert ringback.record("888").attempts == 0
    deferrals = [h["detail"] for h in ringback.history("888") if h["event"] == "delivery:deferred"]
    assert len(deferrals) >= 4
    assert all("still queued in CSQ Main" in str(detail) for detail in deferrals)
    assert not [h for h in ringback.history("888") if h["event"] == "delivery:transient"]


def test_simulate_uccx_help_lists_its_flags() -> None:
    result = CliRunner().invoke(app, ["simulate", "uccx", "--help"])
    assert result.exit_code == 0, result.output
    for flag in ("--port", "--callback-server", "--csq", "--prefix", "--refuse-rate",
                 "--silent-rate", "--ivr-failure-rate", "--abandon-rate", "--seed"):  # fmt: skip
        assert flag in result.output


def test_simulate_uccx_refuses_rates_above_one_in_total() -> None:
    result = CliRunner().invoke(
        app, ["simulate", "uccx", "--refuse-rate", "0.6", "--silent-rate", "0.6"]
    )
    assert result.exit_code == 2
    assert "add up to at most 1" in result.output


def test_simulate_uccx_serves_stats_on_its_port() -> None:
    port = free_port()
    command = [sys.executable, "-m", "ringback", "simulate", "uccx", "--port", str(port),
               "--csq", "Main:2", "--csq", "Support:0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith(f"UCCX simulator on http://127.0.0.1:{port}"), banner
        base = f"http://127.0.0.1:{port}"
        answer = httpx2.get(f"{base}/stats", params={"CSQ": "Main"}, timeout=5)
        assert answer.headers["content-type"].startswith("text/xml")
        assert answer.text == (
            '<?xml version="1.0" encoding="UTF-8"?>\n<CSQStats>\n\t<CSQ name="Main">\n'
            "\t\t<LoggedIn>2</LoggedIn>\n\t\t<Talking>0</Talking>\n\t\t<Ready>2</Ready>\n"
            "\t\t<NotReady>0</NotReady>\n\t\t<Work>0</Work>\n\t\t<CallsWaiting>0</CallsWaiting>\n"
            "\t\t<LongestQueueTime>0</LongestQueueTime>\n\t\t<TotalInQueue>0</TotalInQueue>\n"
            "\t</CSQ>\n</CSQStats>\n"
        )
        session = httpx2.get(f"{base}/stats", params={"sessionid": "42"}, timeout=5)
        assert session.text == (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n\t<Code>0</Code>\n'
            "\t<csq></csq>\n</Response>\n"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
