"""R5 on PostgreSQL: a dispatcher paused past its lease cannot change anything when it wakes."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path
from uuid import UUID

import pytest

from ringback.domain.people import Principal
from ringback.domain.states import State
from ringback.simulate.webhook import FakeEndpoint, Faults, read_ledger
from ringback.testing import memory_core
from tests.chaos import helpers
from tests.conftest import backend

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(backend() != "postgres", reason="needs RINGBACK_TEST_DATABASE=postgres"),
]
CALLBACKS = 20


def _deliveries(url: str, ids: list[str]) -> Counter[str]:
    core = memory_core(database_url=url)
    counted: Counter[str] = Counter()
    for callback_id in ids:
        view = core.callbacks.get(Principal.service(), UUID(callback_id))
        counted[callback_id] = sum(1 for e in view.history if e.event.startswith("delivery:"))
    core.store.engine.dispose()
    return counted


@pytest.mark.timeout(120)
def test_a_stale_worker_changes_nothing(database_url: str, tmp_path: Path) -> None:
    ids = helpers.seed(database_url, CALLBACKS)
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    with FakeEndpoint(tmp_path / "ledger.jsonl", Faults(latency_ms=1000)) as endpoint:
        stale = helpers.start_dispatcher(database_url, endpoint.url, log_a, max_in_flight=50)
        deadline = time.monotonic() + 30
        while set(helpers.states(database_url).values()) != {State.DISPATCHING}:
            assert time.monotonic() < deadline, "the first dispatcher never claimed"
            time.sleep(0.1)
        time.sleep(0.3)  # it has sent everything; the answers take 1 s (timeout: 2 s)
        stale.send_signal(signal.SIGSTOP)
        fresh = helpers.start_dispatcher(database_url, endpoint.url, log_b, max_in_flight=50)
        try:
            time.sleep(9.0)  # leases (3 s) expire, the fresh one re-sends and settles
            stale.send_signal(signal.SIGCONT)
            time.sleep(3.0)  # the stale one reads its answers and tries to write them
        finally:
            for process in (stale, fresh):
                process.send_signal(signal.SIGCONT)
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
    ledger = read_ledger(tmp_path / "ledger.jsonl")
    states = helpers.states(database_url)
    assert {states[i] for i in ids} == {State.OFFERED}
    assert [i for i, n in _deliveries(database_url, ids).items() if n != 1] == []
    keys = helpers.keys_by_callback(ledger)
    assert [i for i in ids if len(keys[i]) != 1] == []  # re-sent, but under the same key
    assert "stale result" in log_a.read_text()
