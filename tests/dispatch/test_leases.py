"""Leases in the running loop: heartbeats, rescues, a graceful stop (R5, R9)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from uuid import UUID

from ringback.core import Core
from ringback.domain.states import State
from ringback.testing import FakeClock, RecordingTelephony
from tests.dispatch.support import (
    add_callbacks,
    add_queue,
    all_in,
    current,
    dispatch_service,
    dispatcher,
    events,
    running,
    wait_until,
    watched_service,
)


def test_a_graceful_stop_stops_claiming_and_gives_back_what_is_in_flight(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1)
    ids = add_callbacks(local, 1, 10)
    service = watched_service(local, clock)
    slow = RecordingTelephony(delay_seconds=2.0, clock=clock)
    worker = dispatcher(
        service, slow, max_in_flight=4, shutdown_grace_seconds=0.2, heartbeat_seconds=0.05
    )
    timings: dict[str, float] = {}

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        await wait_until(lambda: len(slow.delivered) == 4, 5, "first deliveries")
        await asyncio.sleep(0.05)
        timings["stop"] = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        timings["stopped"] = time.monotonic()

    asyncio.run(scenario())
    assert timings["stopped"] - timings["stop"] < 1.0
    assert all(at < timings["stop"] for at in service.started("claim")), "claimed after stop"
    assert slow.in_flight == 0
    released = [i for i in ids if f"{i}:0" in slow.delivered]
    assert len(released) == 4
    for callback_id in ids:
        callback = current(local, callback_id)
        assert callback.state is State.WAITING, "left dispatching after the stop"
        assert (callback.slot, callback.attempts, callback.lease) == (0, 0, None)
        # The dispatcher claims ahead of its dial slots: what it claimed but never sent is
        # given back too.
        allowed = [["create", "claim", "release"]]
        if callback_id not in released:
            allowed.append(["create"])
        assert events(local, callback_id) in allowed
    claims = sum(events(local, i).count("claim") for i in ids)
    assert 4 <= claims <= len(ids)

    # the next dispatcher sends the released ones again with the same key
    fast = RecordingTelephony(clock=clock)
    again = dispatcher(dispatch_service(local, clock), fast)

    async def restart() -> None:
        async with running(again):
            await wait_until(lambda: all_in(local, ids, State.OFFERED))

    asyncio.run(restart())
    assert sorted(fast.delivered) == sorted(f"{i}:0" for i in ids)


async def _advance_clock(clock: FakeClock, stop: asyncio.Event, seconds: float) -> None:
    """Move the fake clock `seconds` forward every 0.2 s of real time until `stop`."""
    while not stop.is_set():
        await asyncio.sleep(0.2)
        clock.advance(seconds=seconds)


def test_heartbeats_keep_a_slow_delivery_from_being_rescued(local: Core, clock: FakeClock) -> None:
    add_queue(local, 1)
    ids = add_callbacks(local, 1, 3)
    slow = RecordingTelephony(delay_seconds=1.0, clock=clock)
    worker = dispatcher(
        dispatch_service(local, clock, lease_seconds=2),
        slow,
        heartbeat_seconds=0.1,
        dial_timeout_seconds=5,
    )
    leases: dict[UUID, list[datetime]] = {i: [] for i in ids}

    def watch() -> bool:
        for callback_id in ids:
            callback = current(local, callback_id)
            if callback.lease is not None:
                leases[callback_id].append(callback.lease.expires_at)
        return all_in(local, ids, State.OFFERED)

    async def scenario() -> None:
        async with running(worker):
            ticking = asyncio.Event()
            ticker = asyncio.create_task(_advance_clock(clock, ticking, 1.0))
            start = clock.now()
            await wait_until(watch, 5, "all offered")
            ticking.set()
            await ticker
            assert (clock.now() - start).total_seconds() >= 4  # two leases' worth

    asyncio.run(scenario())
    for callback_id in ids:
        assert events(local, callback_id) == ["create", "claim", "delivery:accepted"]
        seen = leases[callback_id]
        assert len(set(seen)) >= 3, "the lease was not renewed"
        assert seen == sorted(seen)
    assert sorted(slow.delivered) == sorted(f"{i}:0" for i in ids)


def test_without_heartbeats_an_expired_lease_is_rescued_and_resent_with_the_same_key(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1)
    [callback_id] = add_callbacks(local, 1, 1)
    slow = RecordingTelephony(delay_seconds=1.0, clock=clock)
    worker = dispatcher(
        dispatch_service(local, clock, lease_seconds=2),
        slow,
        heartbeat_seconds=60,  # never within the test
        dial_timeout_seconds=5,
    )

    async def scenario() -> None:
        async with running(worker):
            ticking = asyncio.Event()
            ticker = asyncio.create_task(_advance_clock(clock, ticking, 1.0))
            await wait_until(lambda: "rescue" in events(local, callback_id), 3, "a rescue")
            ticking.set()
            await ticker
            await wait_until(lambda: all_in(local, [callback_id], State.OFFERED), 5)

    asyncio.run(scenario())
    assert len(slow.delivered) >= 2
    assert set(slow.delivered) == {f"{callback_id}:0"}
    history = events(local, callback_id)
    assert history[-1] == "delivery:accepted"
    # the first holder's late answer changed nothing: one accepted delivery only
    assert history.count("delivery:accepted") == 1
    assert history.count("claim") == history.count("rescue") + 1


def test_a_claim_whose_result_cannot_be_written_is_rescued_later(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1)
    [callback_id] = add_callbacks(local, 1, 1)
    service = watched_service(local, clock, lease_seconds=30)
    service.fail_next["settle"] = (1, RuntimeError("driver bug"))
    telephony = RecordingTelephony(clock=clock)
    worker = dispatcher(service, telephony, heartbeat_seconds=0.02)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: None)  # the lost task's error
        async with running(worker, stop_within=3):
            await wait_until(lambda: len(telephony.delivered) == 1)
            ticking = asyncio.Event()
            ticker = asyncio.create_task(_advance_clock(clock, ticking, 10.0))
            try:
                await wait_until(lambda: all_in(local, [callback_id], State.OFFERED), 3)
            finally:
                ticking.set()
                await ticker

    asyncio.run(scenario())
    assert telephony.delivered == [f"{callback_id}:0"] * 2


def test_a_result_being_written_when_stop_comes_is_kept(local: Core, clock: FakeClock) -> None:
    add_queue(local, 1)
    [callback_id] = add_callbacks(local, 1, 1)
    service = watched_service(local, clock)
    service.stall["settle"] = 0.5  # a slow commit
    telephony = RecordingTelephony(clock=clock)
    worker = dispatcher(service, telephony, shutdown_grace_seconds=2)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        await wait_until(lambda: bool(service.started("settle")), 5, "a result being written")
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert telephony.delivered == [f"{callback_id}:0"]
    assert events(local, callback_id) == ["create", "claim", "delivery:accepted"]
    assert current(local, callback_id).state is State.OFFERED
