"""Capacity on a real database: concurrent bookings, proposals, places given back and moved.

Runs on the database the suite runs on (RINGBACK_TEST_DATABASE: a SQLite file or PostgreSQL).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ringback import bootstrap
from ringback.core import Core
from ringback.domain import errors
from ringback.domain.capacity import bucket_start
from ringback.domain.people import Principal
from ringback.domain.queues import Dedup, Queue, QueueSettings
from ringback.domain.states import State
from ringback.services.callbacks import NewCallback
from ringback.services.ports import CallbackQuery
from ringback.settings import Settings
from ringback.store import migrate
from ringback.store.engine import build_engine
from ringback.store.tables import capacity_bookings
from ringback.store.transaction import SqlStore
from ringback.testing import FakeClock
from tests.factories import OTHER_NUMBER, backend, fresh_database, make_callback, make_queue

SERVICE = Principal.service()
PARIS = ZoneInfo("Europe/Paris")
BOOKINGS = 1000
CAPACITY = 37
#: threads booking at once; SQLite serialises writers behind one lock (its busy handler is not
#: fair), so more threads there only add waiting, and on a loaded machine, timeouts
WORKERS = 16 if backend() == "sqlite" else 48
MAX_TRIES = 20


@pytest.fixture
def core(database_url: str, clock: FakeClock) -> Core:
    """A core whose pool lets many threads hold a transaction at once."""
    settings = Settings(database_url=database_url, fast_password_hash=True, db_pool_size=16)
    engine = build_engine(database_url, pool_size=16)
    return bootstrap.build_core(settings, engine=engine, clock=clock)


def add_queue(core: Core, **settings: Any) -> Queue:
    values: dict[str, Any] = {"name": "sales", "dedup": Dedup.OFF}
    values.update(settings)
    return core.queues.create(SERVICE, QueueSettings(**values), queue_id=1)


def book(core: Core, number: str, at: datetime | None) -> Any:
    request = NewCallback(queue_id=1, phone_number=number, desired_time=at)
    return core.callbacks.create(SERVICE, request)


def stored_bookings(core: Core) -> Counter[datetime]:
    with core.store.engine.connect() as connection:
        query = select(capacity_bookings.c.bucket_start, func.count()).group_by(
            capacity_bookings.c.bucket_start
        )
        return Counter({start: n for start, n in connection.execute(query)})


def test_a_thousand_concurrent_bookings_never_exceed_the_capacity(
    core: Core,
) -> None:
    add_queue(core, bucket_minutes=15, max_per_bucket=CAPACITY)
    desired = datetime(2026, 1, 5, 12, 5, tzinfo=UTC)
    start_together = threading.Barrier(WORKERS)
    outcomes: list[str] = []

    def attempt(index: int) -> str:
        if index < WORKERS:
            start_together.wait(timeout=60)
        for _ in range(MAX_TRIES):
            try:
                book(core, f"+336{12000000 + index:08d}", desired)
            except errors.CapacityFull:
                return "full"
            except errors.Unavailable:  # SQLite busy past its timeout: a client retries a 503
                continue
            return "booked"
        return "gave up"

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(attempt, range(BOOKINGS)))
    assert Counter(outcomes) == {"booked": CAPACITY, "full": BOOKINGS - CAPACITY}
    bucket = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert stored_bookings(core) == {bucket: CAPACITY}
    assert core.callbacks.find(SERVICE, CallbackQuery(limit=500)).total == CAPACITY


def test_proposals_are_open_future_within_the_horizon_and_not_full(
    core: Core, clock: FakeClock
) -> None:
    queue = add_queue(
        core, timezone="Europe/Paris", business_hours=("Mon-Fri 09:00-17:00",),
        bucket_minutes=15, max_per_bucket=2, horizon="1d",
    )  # fmt: skip
    clock.set(datetime(2026, 1, 6, 16, 20, tzinfo=PARIS))  # Tuesday afternoon
    near = datetime(2026, 1, 6, 16, 45, tzinfo=PARIS)
    for index, at in enumerate([near, near, near - timedelta(minutes=15)]):
        book(core, f"51{index:02d}", at)  # 16:45 full, 16:30 half full
    with pytest.raises(errors.CapacityFull) as refused:
        book(core, "5199", near + timedelta(minutes=5))
    proposals = refused.value.proposals
    assert refused.value.bucket_start == near.astimezone(UTC)
    # 15:45..16:15 are past, 16:45 is full, 17:00 on is closed: only 16:30 is left, with one place.
    assert proposals == {datetime(2026, 1, 6, 15, 30, tzinfo=UTC): 1}
    used = stored_bookings(core)
    for start, room in proposals.items():
        assert start > clock.now()
        assert queue.hours.is_open(start)
        assert room == 2 - used.get(start, 0) > 0


def test_proposals_skip_the_night_and_respect_the_horizon(core: Core, clock: FakeClock) -> None:
    queue = add_queue(
        core, timezone="Europe/Paris", business_hours=("Mon-Fri 22:00-02:00",),
        bucket_minutes=60, max_per_bucket=1, horizon="3h",
    )  # fmt: skip
    clock.set(datetime(2026, 1, 5, 22, 30, tzinfo=PARIS))  # Monday night, open across midnight
    book(core, "5100", datetime(2026, 1, 6, 0, 10, tzinfo=PARIS))
    with pytest.raises(errors.CapacityFull) as refused:
        book(core, "5101", datetime(2026, 1, 6, 0, 40, tzinfo=PARIS))
    starts = sorted(refused.value.proposals)
    # 23:00 is open and future; 00:00 is full; 01:00 is open and within 3 h; 02:00 is closed.
    assert starts == [datetime(2026, 1, 5, 22, tzinfo=UTC), datetime(2026, 1, 6, 0, tzinfo=UTC)]
    assert all(queue.hours.is_open(s) and s > clock.now() for s in starts)


def test_a_cancelled_callback_frees_its_place_and_a_reschedule_moves_it(
    core: Core,
) -> None:
    add_queue(core, bucket_minutes=30, max_per_bucket=1)
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    first = book(core, "5100", noon)
    with pytest.raises(errors.CapacityFull):
        book(core, "5101", noon)
    core.callbacks.cancel(SERVICE, first.id)
    second = book(core, "5101", noon)
    with pytest.raises(errors.IllegalTransition):
        core.callbacks.reschedule(SERVICE, first.id, noon)  # cancelled for good
    moved = core.callbacks.reschedule(SERVICE, second.id, noon + timedelta(hours=1))
    assert moved.state is State.SCHEDULED
    assert moved.next_action_at == noon + timedelta(hours=1)
    third = book(core, "5102", noon + timedelta(minutes=10))  # noon's place is free again
    again = core.callbacks.reschedule(SERVICE, third.id, noon + timedelta(minutes=20))
    assert again.desired_time == noon + timedelta(minutes=20)  # same bucket: keeps its place
    assert stored_bookings(core) == {
        noon: 2,  # the cancelled one's row stays, but only the live booking counts
        noon + timedelta(hours=1): 1,
    }
    assert core.callbacks.has_room(1, noon) is False


def test_immediate_and_deferred_requests_count_in_the_bucket_they_are_dialled_in(
    core: Core, clock: FakeClock
) -> None:
    add_queue(core, business_hours=("Mon-Fri 09:00-17:00",), bucket_minutes=10, max_per_bucket=1)
    now_first = book(core, "5100", None)  # Monday 09:00, open: due now
    assert bucket_start(clock.now(), 10, "UTC") == clock.now()
    with pytest.raises(errors.CapacityFull):
        book(core, "5101", None)
    clock.set(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))  # closed: deferred to Tuesday 09:00
    deferred = book(core, "5102", None)
    assert deferred.next_action_at == datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
    with pytest.raises(errors.CapacityFull):
        book(core, "5103", datetime(2026, 1, 6, 9, 5, tzinfo=UTC))
    assert now_first.state is State.WAITING


def test_the_upgrade_books_the_open_callbacks_stored_before_it(tmp_path: Path) -> None:
    with fresh_database(backend(), tmp_path) as url:
        engine = build_engine(url)
        migrate.upgrade(engine, "0006")
        store = SqlStore(engine)
        queue = make_queue(1, timezone="Europe/Paris", bucket_minutes=15)
        scheduled = make_callback(
            state=State.SCHEDULED, next_action_at=datetime(2026, 1, 5, 12, 7, tzinfo=UTC)
        )
        cancelled = make_callback(state=State.CANCELLED, customer_number=OTHER_NUMBER)
        with store.transaction() as tx:
            tx.queues.add(queue)
            tx.callbacks.add(scheduled)
            tx.callbacks.add(cancelled)
        migrate.upgrade(engine)
        with engine.connect() as connection:
            found = connection.execute(select(capacity_bookings)).mappings().all()
        engine.dispose()
    assert [dict(row) for row in found] == [
        {
            "callback_id": str(scheduled.id),
            "queue_id": 1,
            "bucket_start": datetime(2026, 1, 5, 12, 0, tzinfo=UTC),  # 13:00 in Paris
        }
    ]


def test_an_expired_callback_frees_its_place_a_completed_one_keeps_it(
    core: Core,
) -> None:
    add_queue(core, bucket_minutes=30, max_per_bucket=1)
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    cases = [(State.COMPLETED, noon, False), (State.EXPIRED, noon + timedelta(hours=1), True)]
    for index, (state, at, room_after) in enumerate(cases):
        booked = book(core, f"510{index}", at)
        assert core.callbacks.has_room(1, at) is False
        with core.store.transaction() as tx:  # as the dispatcher or the sweep ends it
            assert tx.callbacks.update(booked.evolve(state=state))
        assert core.callbacks.has_room(1, at) is room_after


def test_concurrent_reschedules_into_one_bucket_never_exceed_its_capacity(
    core: Core,
) -> None:
    add_queue(core, bucket_minutes=15, max_per_bucket=5)
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    later = [noon + timedelta(hours=1, minutes=15 * (i % 10)) for i in range(40)]  # 4 a bucket
    movers = [book(core, f"+3361200{i:04d}", at) for i, at in enumerate(later)]
    book(core, "+33612999999", noon)  # one place of five already taken
    start_together = threading.Barrier(min(WORKERS, len(movers)))

    def move(index: int) -> str:
        if index < WORKERS:
            start_together.wait(timeout=60)
        for _ in range(MAX_TRIES):
            try:
                core.callbacks.reschedule(SERVICE, movers[index].id, noon + timedelta(minutes=7))
            except errors.CapacityFull:
                return "full"
            except errors.Unavailable:  # SQLite busy past its timeout: a client retries a 503
                continue
            return "moved"
        return "gave up"

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(movers))) as pool:
        outcomes = Counter(pool.map(move, range(len(movers))))
    assert outcomes == {"moved": 4, "full": len(movers) - 4}
    with core.store.engine.connect() as connection:
        query = (
            select(func.count())
            .select_from(capacity_bookings)
            .where(capacity_bookings.c.bucket_start == noon)
        )
        assert connection.execute(query).scalar_one() == 5
    assert core.callbacks.has_room(1, noon) is False
