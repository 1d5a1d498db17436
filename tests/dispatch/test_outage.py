"""Losing the database is survived: the loop backs off, reports unhealthy, then catches up (R10)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from ringback.core import Core
from ringback.domain import errors
from ringback.domain.states import State
from ringback.testing import FakeClock, RecordingTelephony
from tests.dispatch.support import (
    add_callbacks,
    add_queue,
    all_in,
    current,
    dispatcher,
    events,
    hold,
    running,
    wait_until,
    watched_service,
)

KNOWN = (State.DISPATCHING, State.OFFERED)


def test_the_loop_survives_an_outage_and_then_delivers_everything(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1)
    ids = add_callbacks(local, 1, 10)
    service = watched_service(local, clock)
    service.down = True
    telephony = RecordingTelephony(clock=clock)
    worker = dispatcher(service, telephony, max_backoff_seconds=0.05, heartbeat_seconds=0.05)
    health: list[bool] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        await hold(0.4)
        health.append(worker.healthy)
        assert not task.done(), "run() ended during the outage"
        assert telephony.delivered == []
        attempts = len(service.calls)
        assert attempts >= 4, "the loop did not keep trying"
        assert attempts < 40, "the loop did not back off"
        service.down = False
        await wait_until(lambda: all_in(local, ids, State.OFFERED), 5, "all offered")
        health.append(worker.healthy)
        stop.set()
        await asyncio.wait_for(task, timeout=5)  # re-raises anything run() raised

    asyncio.run(scenario())
    assert health == [False, True]
    assert sorted(telephony.delivered) == sorted(f"{i}:0" for i in ids)


def test_results_lost_to_an_outage_are_rescued_and_resent_with_the_same_key(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1)
    ids = add_callbacks(local, 1, 3)
    service = watched_service(local, clock, lease_seconds=30)
    reset = errors.Unavailable("connection reset")
    service.fail_next.update(settle=(1, reset), claim=(2, reset), open_queues=(2, reset))
    service.fail_next["renew"] = (2, reset)
    telephony = RecordingTelephony(clock=clock)
    worker = dispatcher(service, telephony, max_backoff_seconds=0.05, heartbeat_seconds=0.05)
    lost: list[UUID] = []

    def stuck() -> list[UUID]:
        return [i for i in ids if current(local, i).state is State.DISPATCHING]

    async def scenario() -> None:
        async with running(worker):
            await wait_until(lambda: len(telephony.delivered) == 3, 5, "three deliveries")
            await wait_until(lambda: all_in(local, ids, *KNOWN) and bool(stuck()), 5)
            await hold(0.3)
            lost.extend(stuck())
            assert len(telephony.delivered) == 3, "nobody may touch them while their lease runs"
            clock.advance(seconds=31)
            await wait_until(lambda: all_in(local, ids, State.OFFERED), 5, "all offered")

    asyncio.run(scenario())
    assert sorted(telephony.delivered) == sorted(f"{i}:0" for i in ids + lost), (
        "each lost result was sent again, with the same key, and only those"
    )
    for callback_id in ids:
        expected = ["create", "claim", "delivery:accepted"]
        if callback_id in lost:
            expected = ["create", "claim", "rescue", "claim", "delivery:accepted"]
        assert events(local, callback_id) == expected
