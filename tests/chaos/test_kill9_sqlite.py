"""R1 on SQLite, CI-sized: kill -9 the dispatcher again and again while it drains due work.

Pass: no callback lost (every one delivered), none delivered under two keys, none left
dispatching, and re-sends of a key bounded by kills x in-flight cap.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from ringback.domain.states import State
from ringback.simulate.webhook import FakeEndpoint, read_ledger
from tests.chaos import helpers
from tests.conftest import backend

CALLBACKS = int(os.environ.get("RINGBACK_CHAOS_CALLBACKS", "2000"))
KILLS = int(os.environ.get("RINGBACK_CHAOS_KILLS", "6"))
MAX_IN_FLIGHT = 50

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(backend() != "sqlite", reason="the SQLite chaos test"),
]


def _drain_with_kills(url: str, endpoint: FakeEndpoint, log: Path) -> None:
    chance = random.Random(7)
    process = helpers.start_dispatcher(url, endpoint.url, log, max_in_flight=MAX_IN_FLIGHT)
    for _ in range(KILLS):
        time.sleep(chance.uniform(1.0, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process = helpers.start_dispatcher(url, endpoint.url, log, max_in_flight=MAX_IN_FLIGHT)
    try:
        helpers.wait_all_offered(url)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


@pytest.mark.timeout(400)
def test_kill_9_loses_nothing_and_never_changes_a_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chaos.db'}"
    ids = helpers.seed(url, CALLBACKS)
    with FakeEndpoint(tmp_path / "ledger.jsonl") as endpoint:
        _drain_with_kills(url, endpoint, tmp_path / "dispatcher.log")
    ledger = read_ledger(tmp_path / "ledger.jsonl")
    states = helpers.states(url)
    keys = helpers.keys_by_callback(ledger)
    assert [i for i in ids if states[i] is not State.OFFERED] == []  # none lost or stuck
    assert [i for i in ids if i not in keys] == []  # every one reached telephony
    assert [i for i, k in keys.items() if len(k) > 1] == []  # never two keys for one slot
    assert len(helpers.resend_gaps(ledger)) <= KILLS * MAX_IN_FLIGHT
