"""R2 on PostgreSQL, CI-sized: three dispatchers share the work; one is killed repeatedly.

Pass: no callback lost, none delivered under two keys, none left dispatching, and every
orphan re-sent (same key) within 60 s.
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

CALLBACKS = int(os.environ.get("RINGBACK_CHAOS_CALLBACKS", "1500"))
KILLS = int(os.environ.get("RINGBACK_CHAOS_KILLS", "5"))
MAX_IN_FLIGHT = 30

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(backend() != "postgres", reason="needs RINGBACK_TEST_DATABASE=postgres"),
]


def _drain(url: str, endpoint: FakeEndpoint, log: Path) -> None:
    chance = random.Random(11)
    processes = [
        helpers.start_dispatcher(url, endpoint.url, log, max_in_flight=MAX_IN_FLIGHT)
        for _ in range(3)
    ]
    for _ in range(KILLS):
        time.sleep(chance.uniform(1.0, 3.0))
        victim = chance.randrange(3)
        processes[victim].send_signal(signal.SIGKILL)
        processes[victim].wait()
        processes[victim] = helpers.start_dispatcher(
            url, endpoint.url, log, max_in_flight=MAX_IN_FLIGHT
        )
    try:
        helpers.wait_all_offered(url)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)


@pytest.mark.timeout(400)
def test_three_dispatchers_survive_kills(database_url: str, tmp_path: Path) -> None:
    ids = helpers.seed(database_url, CALLBACKS)
    with FakeEndpoint(tmp_path / "ledger.jsonl") as endpoint:
        _drain(database_url, endpoint, tmp_path / "dispatchers.log")
    ledger = read_ledger(tmp_path / "ledger.jsonl")
    states = helpers.states(database_url)
    keys = helpers.keys_by_callback(ledger)
    assert [i for i in ids if states[i] is not State.OFFERED] == []
    assert [i for i in ids if i not in keys] == []
    assert [i for i, k in keys.items() if len(k) > 1] == []
    assert all(gap <= 60 for gap in helpers.resend_gaps(ledger))
