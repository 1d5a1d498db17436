"""Claiming due callbacks under a lease: the right ones, once each, even with rival claimers."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ringback.domain.callbacks import Callback, Lease
from ringback.domain.states import State
from ringback.store import migrate, tables
from ringback.store.engine import build_engine
from ringback.store.transaction import SqlStore
from tests.factories import NOW, backend, bulk_insert, claim, make_callback, make_queue

LEASE = timedelta(seconds=30)


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    store = SqlStore(engine)
    with store.transaction() as tx:
        tx.queues.add(make_queue(1))
        tx.queues.add(make_queue(2))
    return store


def add(store: SqlStore, *callbacks: Callback) -> None:
    with store.transaction() as tx:
        bulk_insert(tx.connection, callbacks)


def stored(store: SqlStore, callback: Callback) -> Callback:
    with store.transaction() as tx:
        found = tx.callbacks.get(callback.id)
    assert found is not None
    return found


def due(minutes: int, **changes: object) -> Callback:
    return make_callback(1, next_action_at=NOW + timedelta(minutes=minutes), **changes)


def test_claim_takes_due_waiting_callbacks_earliest_first(store: SqlStore) -> None:
    late, early, middle = due(-1), due(-30), due(-10)
    exactly_now = due(0)
    add(store, late, early, middle, exactly_now)
    claimed = claim(store, NOW, owner="w1", token="t1", limit=3)
    assert {c.id for c in claimed} == {early.id, middle.id, late.id}
    for callback in claimed:
        assert callback.state is State.DISPATCHING
        assert callback.lease == Lease("w1", "t1", NOW + LEASE)
        assert callback.updated_at == NOW
        assert callback == stored(store, callback)
    assert stored(store, exactly_now).state is State.WAITING


def test_claim_leaves_everything_else_alone(store: SqlStore) -> None:
    untouched = [
        due(1),  # not yet due
        due(-5, state=State.SCHEDULED),
        due(-5, state=State.OFFERED),
        due(-5, state=State.RESERVED),
        due(-5, state=State.COMPLETED),
        due(-5, state=State.FAILED),
        due(-5, state=State.CANCELLED),
        due(-5, state=State.EXPIRED),
        due(-5, state=State.DISPATCHING, lease=Lease("other", "t0", NOW + LEASE)),
        make_callback(1, next_action_at=None),
    ]
    target = due(-5)
    add(store, *untouched, target)
    assert [c.id for c in claim(store, NOW, limit=50)] == [target.id]
    for callback in untouched:
        assert stored(store, callback) == callback
    assert claim(store, NOW, limit=50) == []


def test_a_second_claim_gets_the_rest(store: SqlStore) -> None:
    callbacks = [due(-i) for i in range(1, 8)]
    add(store, *callbacks)
    first = claim(store, NOW, token="t1", limit=4)
    second = claim(store, NOW, token="t2", limit=4)
    earliest = sorted(callbacks, key=lambda c: c.next_action_at or NOW)
    assert {c.id for c in first} == {c.id for c in earliest[:4]}
    assert {c.id for c in second} == {c.id for c in earliest[4:]}
    assert {c.lease.token for c in second if c.lease} == {"t2"}
    assert claim(store, NOW, token="t3", limit=4) == []
    assert stored(store, earliest[0]).lease == Lease("worker", "t1", NOW + LEASE)


def test_a_later_claim_takes_what_became_due(store: SqlStore) -> None:
    soon = due(5)
    add(store, soon)
    assert claim(store, NOW) == []
    [claimed] = claim(store, NOW + timedelta(minutes=5))
    assert claimed.id == soon.id


def test_claim_can_be_limited_to_queues(store: SqlStore) -> None:
    mine, theirs = due(-2), make_callback(2, next_action_at=NOW - timedelta(minutes=3))
    add(store, mine, theirs)
    with store.transaction() as tx:
        claimed = tx.callbacks.claim_due(
            now=NOW, owner="w", token="t", lease_until=NOW + LEASE, limit=10, queue_ids=[1]
        )
    assert [c.id for c in claimed] == [mine.id]
    assert stored(store, theirs).state is State.WAITING


# ---- rival claimers ---------------------------------------------------------------------------


def claim_until_empty(
    url: str, name: str, results: dict[str, list[uuid.UUID]], pause: float
) -> None:
    """Claim in a loop on an engine of one's own until nothing due is left."""
    engine = build_engine(url)
    try:
        store = SqlStore(engine)
        got: list[uuid.UUID] = []
        while batch := claim(store, NOW, owner=name, token=f"{name}-{len(got)}", limit=7):
            got.extend(c.id for c in batch)
            time.sleep(pause)  # let the rival in between batches, as a dispatcher would
        results[name] = got
    finally:
        engine.dispose()


def run_rivals(url: str, claimers: int, pause: float = 0.0) -> dict[str, list[uuid.UUID]]:
    results: dict[str, list[uuid.UUID]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(claimers)

    def body(name: str) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                claim_until_empty(url, name, results, pause)
            except BaseException as exc:  # surfaced by the assertion below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=body(f"w{i}")) for i in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    return results


def seed(store: SqlStore, count: int) -> set[uuid.UUID]:
    callbacks = [due(-(i % 60), created_at=NOW - timedelta(hours=1)) for i in range(count)]
    add(store, *callbacks)
    return {c.id for c in callbacks}


def assert_claimed_once(store: SqlStore, wanted: set[uuid.UUID], results: dict) -> None:
    everything = [cid for got in results.values() for cid in got]
    assert len(everything) == len(set(everything)), "a callback was claimed twice"
    assert set(everything) == wanted, "a due callback was missed"
    with store.transaction() as tx:
        rows = tx.connection.execute(
            select(tables.callbacks.c.id, tables.callbacks.c.state, tables.callbacks.c.lease_owner)
        ).all()
    assert {state for _, state, _ in rows} == {State.DISPATCHING.value}
    owner_of = {uuid.UUID(cid): owner for cid, _, owner in rows}
    for name, got in results.items():
        assert {owner_of[cid] for cid in got} <= {name}


@pytest.mark.postgres
@pytest.mark.skipif(backend() != "postgres", reason="needs RINGBACK_TEST_DATABASE=postgres")
@pytest.mark.parametrize("claimers", [2, 4])
def test_rival_claimers_on_postgresql_claim_each_callback_once(
    store: SqlStore, database_url: str, claimers: int
) -> None:
    wanted = seed(store, 1000)
    results = run_rivals(database_url, claimers)
    assert len(results) == claimers
    assert_claimed_once(store, wanted, results)


def test_rival_claimers_on_one_sqlite_file_never_share_a_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rivals.db'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    store = SqlStore(engine)
    with store.transaction() as tx:
        tx.queues.add(make_queue(1))
    wanted = seed(store, 300)
    results = run_rivals(url, 2, pause=0.002)
    assert_claimed_once(store, wanted, results)
    with store.transaction() as tx:
        left = tx.connection.execute(
            select(func.count())
            .select_from(tables.callbacks)
            .where(tables.callbacks.c.state == State.WAITING.value)
        ).scalar_one()
    assert left == 0
    engine.dispose()
