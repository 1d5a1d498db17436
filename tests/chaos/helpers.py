"""Shared steps of the chaos tests: seed due callbacks, run dispatchers, read the outcome."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ringback.domain.people import Principal
from ringback.domain.queues import Dedup, QueueSettings, TelephonyKind
from ringback.domain.states import State
from ringback.services.callbacks import NewCallback
from ringback.services.ports import CallbackQuery
from ringback.testing import FakeClock, memory_core

SECRET = "chaos-secret-0123456789"
PAGE = 500


def seed(url: str, count: int) -> list[str]:
    """Create `count` callbacks due now in a webhook queue; return their ids."""
    # The dispatchers run on the wall clock: the callbacks must be created on it too.
    core = memory_core(FakeClock(datetime.now(UTC)), database_url=url)
    actor = Principal.service()
    # Every callback is due now: a bucket as large as the run, so that capacity refuses none.
    settings = QueueSettings(
        name="Chaos", telephony=TelephonyKind.WEBHOOK, dedup=Dedup.OFF, max_per_bucket=count
    )
    queue = core.queues.create(actor, settings)
    ids = []
    for n in range(count):
        new = NewCallback(queue_id=queue.id, phone_number=f"+3361{n:07d}")
        ids.append(str(core.callbacks.create(actor, new).id))
    core.store.engine.dispose()
    return ids


def start_dispatcher(
    url: str, endpoint_url: str, log: Path, *, max_in_flight: int
) -> subprocess.Popen[bytes]:
    """Start `ringback dispatch` with short leases, delivering to the fake endpoint."""
    env = {
        **os.environ,
        "RINGBACK_WEBHOOK_URL": f"{endpoint_url}/dial",
        "RINGBACK_WEBHOOK_SECRET": SECRET,
        "RINGBACK_LEASE_SECONDS": "3",
        "RINGBACK_HEARTBEAT_SECONDS": "1",
        "RINGBACK_SWEEP_SECONDS": "0.5",
        "RINGBACK_DIAL_TIMEOUT_SECONDS": "2",
        "RINGBACK_MAX_IN_FLIGHT": str(max_in_flight),
        "RINGBACK_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "ringback", "dispatch", "--database-url", url]
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)


def states(url: str) -> dict[str, State]:
    """Return the state of every callback."""
    core = memory_core(database_url=url)
    found: dict[str, State] = {}
    total = core.callbacks.find(Principal.service(), CallbackQuery(limit=1)).total
    for offset in range(0, total, PAGE):
        query = CallbackQuery(limit=PAGE, offset=offset)
        for callback in core.callbacks.find(Principal.service(), query).items:
            found[str(callback.id)] = callback.state
    core.store.engine.dispose()
    return found


def keys_by_callback(ledger: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Return the distinct dial keys the endpoint received, per callback id."""
    keys: dict[str, set[str]] = defaultdict(set)
    for entry in ledger:
        keys[entry["dial_key"].rsplit(":", 1)[0]].add(entry["dial_key"])
    return keys


def resend_gaps(ledger: list[dict[str, Any]]) -> list[float]:
    """Return, for every re-sent key, the seconds between its first and its last sending."""
    times: dict[str, list[float]] = defaultdict(list)
    for entry in ledger:
        times[entry["dial_key"]].append(entry["t"])
    return [max(t) - min(t) for t in times.values() if len(t) > 1]


def wait_all_offered(url: str, timeout: float = 120) -> None:
    """Wait until every callback has been handed to telephony (or the time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(state is State.OFFERED for state in states(url).values()):
            return
        time.sleep(1.0)
