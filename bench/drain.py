"""Benchmark: drain due callbacks to the fake telephony endpoint; measure due-to-dial lag.

Prints, in one run:
- baseline: the fake endpoint's maximum request rate with the same HTTP client (aiohttp) and
  the same concurrency the dispatcher uses;
- drain: N due callbacks delivered by 1 (SQLite) or 1 and 3 (PostgreSQL) `ringback dispatch`
  processes: dials/s and the ratio to the baseline;
- lag: callbacks falling due at a steady rate; due-to-dial lag p50 / p99.

    python bench/drain.py --callbacks 10000 [--postgres postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import uvloop
from sqlalchemy import text

from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal
from ringback.domain.queues import Dedup, QueueSettings, TelephonyKind
from ringback.domain.states import State
from ringback.simulate.webhook import read_ledger
from ringback.store.engine import build_engine
from ringback.testing import FakeClock, memory_core

SECRET = "bench-secret-0123456789"
IN_FLIGHT = 32
STARTUP_SECONDS = 5


def start_endpoint(ledger: Path) -> tuple[subprocess.Popen[str], str]:
    """Start the fake endpoint in its own process; return it and its URL."""
    command = [
        sys.executable,
        "-m",
        "ringback.simulate.webhook",
        "--port",
        "0",
        "--ledger",
        str(ledger),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    match = re.search(r"(http://\S+)", process.stdout.readline())
    assert match, "the fake endpoint did not start"
    return process, match.group(1)


async def baseline(url: str, requests: int) -> float:
    """Return the endpoint's request rate with the webhook adapter's client and concurrency."""
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(n: int) -> None:
            async with gate, session.post(f"{url}/dial", json={"dial_key": f"baseline:{n}"}) as r:
                await r.read()

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(requests)))
        return requests / (time.perf_counter() - started)


def seed(url: str, count: int, *, start: datetime, per_second: float | None) -> None:
    """Insert `count` callbacks: all due at `start`, or falling due at `per_second`."""
    core = memory_core(FakeClock(start), database_url=url)
    settings = QueueSettings(name="Bench", telephony=TelephonyKind.WEBHOOK, dedup=Dedup.OFF)
    queue = core.queues.create(Principal.service(), settings)
    with core.store.transaction() as tx:
        for n in range(count):
            due = start + timedelta(seconds=n / per_second) if per_second else start
            state = State.SCHEDULED if per_second else State.WAITING
            tx.callbacks.add(
                Callback(
                    id=uuid.uuid4(),
                    queue_id=queue.id,
                    customer_number=f"+3361{n:07d}",
                    state=state,
                    created_at=start,
                    updated_at=start,
                    desired_time=due,
                    next_action_at=due,
                    expires_at=due + timedelta(days=1),
                    queue_start_time=start,
                )
            )
    core.store.engine.dispose()


def start_dispatchers(url: str, endpoint: str, count: int) -> list[subprocess.Popen[bytes]]:
    """Start `count` dispatcher processes."""
    env = {
        **os.environ,
        "RINGBACK_WEBHOOK_URL": f"{endpoint}/dial",
        "RINGBACK_WEBHOOK_SECRET": SECRET,
        "RINGBACK_MAX_IN_FLIGHT": str(IN_FLIGHT),
        "RINGBACK_POLL_SECONDS": "0.05",
        "RINGBACK_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "ringback", "dispatch", "--database-url", url]
    return [subprocess.Popen(command, env=env) for _ in range(count)]


def wait_delivered(ledger: Path, prefix_count: int, timeout: float) -> list[dict[str, object]]:
    """Wait until the ledger holds `prefix_count` distinct non-baseline keys."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = [e for e in read_ledger(ledger) if not str(e["dial_key"]).startswith("baseline")]
        if len({e["dial_key"] for e in entries}) >= prefix_count:
            return entries
        time.sleep(0.2)
    raise TimeoutError(f"only part of {prefix_count} callbacks were delivered in {timeout} s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM the processes and wait for them."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=20)


def fresh_postgres(admin_url: str) -> str:
    """Create an empty database on the server of `admin_url` and return its URL."""
    name = f"ringback_bench_{uuid.uuid4().hex[:8]}"
    admin = build_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drain(url: str, processes: int, count: int, workdir: Path) -> float:
    """Deliver `count` due callbacks with `processes` dispatchers; return dials per second."""
    ledger = workdir / f"drain-{uuid.uuid4().hex[:6]}.jsonl"
    endpoint, endpoint_url = start_endpoint(ledger)
    seed(url, count, start=datetime.now(UTC), per_second=None)
    dispatchers = start_dispatchers(url, endpoint_url, processes)
    try:
        entries = wait_delivered(ledger, count, timeout=600)
    finally:
        stop(dispatchers)
        endpoint.send_signal(signal.SIGTERM)
    times = sorted(float(e["t"]) for e in entries)  # type: ignore[arg-type]
    return count / max(times[-1] - times[0], 1e-6)


def lag(url: str, per_second: float, seconds: float, workdir: Path) -> tuple[float, float]:
    """Deliver callbacks falling due at `per_second`; return the lag p50 and p99, in s."""
    ledger = workdir / "lag.jsonl"
    endpoint, endpoint_url = start_endpoint(ledger)
    count = int(per_second * seconds)
    dispatchers = start_dispatchers(url, endpoint_url, 1)
    time.sleep(STARTUP_SECONDS)  # measure the steady state, not the process start
    start = datetime.now(UTC) + timedelta(seconds=2)
    seed(url, count, start=start, per_second=per_second)
    try:
        entries = wait_delivered(ledger, count, timeout=seconds + 120)
    finally:
        stop(dispatchers)
        endpoint.send_signal(signal.SIGTERM)
    lags = sorted(_lags(url, entries))
    return statistics.median(lags), lags[int(len(lags) * 0.99) - 1]


def _lags(url: str, entries: list[dict[str, object]]) -> list[float]:
    first_sent: dict[str, float] = {}
    for entry in entries:
        key = str(entry["dial_key"]).rsplit(":", 1)[0]
        first_sent.setdefault(key, float(entry["t"]))  # type: ignore[arg-type]
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, desired_time FROM callbacks")).all()
    engine.dispose()
    due = {row[0]: _aware(row[1]).timestamp() for row in rows}
    return [first_sent[i] - due[i] for i in first_sent]


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _drains(args: argparse.Namespace, base: float, workdir: Path) -> None:
    rate = drain(f"sqlite:///{workdir / 'drain.db'}", 1, args.callbacks, workdir)
    print(f"drain SQLite, 1 process: {rate:,.0f} dials/s ({rate / base:.2f} of baseline)")
    if not args.postgres:
        return
    for processes in (1, 3):
        rate = drain(fresh_postgres(args.postgres), processes, args.callbacks, workdir)
        print(f"drain PostgreSQL, {processes} process(es): {rate:,.0f} dials/s "
              f"({rate / base:.2f} of baseline)")  # fmt: skip


def main() -> None:
    """Run the baseline, the drains and the lag measurement; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callbacks", type=int, default=10000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server to bench on")
    parser.add_argument("--lag-rate", type=float, default=200.0)
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument("--lag-only", action="store_true", help="skip the drains")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        endpoint, endpoint_url = start_endpoint(workdir / "baseline.jsonl")
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # as the dispatcher
            base = runner.run(baseline(endpoint_url, args.callbacks))
        endpoint.send_signal(signal.SIGTERM)
        print(f"baseline: fake endpoint, aiohttp, {IN_FLIGHT} concurrent: {base:,.0f} requests/s")
        if not args.lag_only:
            _drains(args, base, workdir)
        p50, p99 = lag(f"sqlite:///{workdir / 'lag.db'}", args.lag_rate, args.lag_seconds, workdir)

        print(f"lag SQLite at {args.lag_rate:.0f} due/s: p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
