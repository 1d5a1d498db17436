"""Benchmark: import a pipe-separated CSV of callback requests (XiVO config-mgt), all or nothing.

Prints, in one run on the same database:
- import: N lines parsed and imported in one transaction (number policy, periods, dedup,
  event log), lines/s;
- baseline "raw insert": the same N callbacks, already built, inserted with one executemany in
  one transaction (the floor any import pays), and the ratio import / raw insert;
- baseline "one by one": the first M lines created one request per transaction through the
  same service, extrapolated to N, and the ratio one-by-one / import.

    python bench/xivo_csv_import.py --lines 10000 [--postgres postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from ringback.dialects.xivo_configmgt import plugin, wire_csv
from ringback.dialects.xivo_configmgt.model import Period
from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal
from ringback.domain.queues import QueueSettings
from ringback.domain.states import State
from ringback.store import rows
from ringback.store.engine import build_engine
from ringback.store.tables import callbacks
from ringback.testing import FakeClock, memory_core

HEADER = "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period"
SERVICE = Principal.service()


def csv_of(count: int, offset: int = 0) -> bytes:
    """Return an import of `count` distinct French numbers."""
    lines = [HEADER]
    for n in range(offset, offset + count):
        lines.append(f"0{600000000 + n}|0{700000000 + n}|First{n}|Last{n}|Co|Note {n}|2026-02-01|")
    return "\n".join(lines).encode()


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """Yield the URL of an empty database: a temporary SQLite file or PostgreSQL database."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    name = f"ringback_bench_{uuid.uuid4().hex[:8]}"
    admin = build_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def raw_rows(count: int, queue_id: int, list_id: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
    """Return the rows of `count` ready-built requests, as the import would store them."""
    built = []
    for n in range(count):
        callback = Callback(
            id=uuid.uuid4(), queue_id=queue_id, customer_number=f"+33{800000000 + n}",
            state=State.SCHEDULED, created_at=now, updated_at=now, list_id=list_id,
            first_name=f"First{n}", last_name=f"Last{n}", company="Co",
            description=f"Note {n}", queue_start_time=now,
        )  # fmt: skip
        built.append({**rows.callback_to_row(callback), "idempotency_key": None})
    return built


def run(lines: int, one_by_one: int, postgres: str | None) -> None:
    """Measure and print the import against its baselines."""
    with database(postgres) as url:
        clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        core = memory_core(clock, database_url=url)
        xivo = plugin.build_services(core)
        queue = core.queues.create(SERVICE, QueueSettings(name="bench", default_country="FR"))
        period = Period(uuid.uuid4(), "Day", *_hours(), default=True)
        xivo.lists.create_period(SERVICE, period)
        lists = [xivo.lists.create_list(SERVICE, f"l{i}", queue.id) for i in range(3)]
        body = csv_of(lines)

        started = time.perf_counter()
        parsed, unreadable = wire_csv.parse_csv(body, max_bytes=len(body), max_lines=lines)
        imported = xivo.requests.import_requests(
            SERVICE, lists[0].callback_list.uuid, parsed, unreadable
        )
        import_seconds = time.perf_counter() - started
        assert imported == lines

        prepared = raw_rows(lines, queue.id, lists[1].callback_list.uuid, clock.now())
        started = time.perf_counter()
        with core.store.engine.begin() as connection:
            connection.execute(insert(callbacks), prepared)
        raw_seconds = time.perf_counter() - started

        single, _ = wire_csv.parse_csv(csv_of(one_by_one, offset=lines), max_bytes=10**8,
                                   max_lines=one_by_one)  # fmt: skip
        started = time.perf_counter()
        for _, fields in single:
            xivo.requests.create_request(SERVICE, lists[2].callback_list.uuid, fields)
        single_seconds = (time.perf_counter() - started) * lines / one_by_one
        core.store.engine.dispose()

    backend = "postgresql" if postgres else "sqlite"
    print(f"database: {backend}, lines: {lines}")
    print(f"import:           {import_seconds:7.2f} s  ({lines / import_seconds:8.0f} lines/s)")
    print(f"raw insert:       {raw_seconds:7.2f} s  -> import / raw insert = "
          f"{import_seconds / raw_seconds:.1f}x")  # fmt: skip
    print(f"one by one (est): {single_seconds:7.2f} s  -> one by one / import = "
          f"{single_seconds / import_seconds:.1f}x  (from {one_by_one} requests)")  # fmt: skip


def _hours() -> tuple[Any, Any]:
    from datetime import time as clock_time

    return clock_time(9), clock_time(17)


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--one-by-one", type=int, default=500, help="requests timed one by one")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a temporary database is made)")
    arguments = parser.parse_args()
    run(arguments.lines, arguments.one_by_one, arguments.postgres)


if __name__ == "__main__":
    main()
