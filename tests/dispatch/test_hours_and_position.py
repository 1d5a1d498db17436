"""When the loop may dial: only in business hours, and in position mode only for ready agents."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from ringback.core import Core
from ringback.domain.queues import DispatchMode
from ringback.domain.states import State
from ringback.services.callbacks import Outcome
from ringback.services.ports import QueueStats
from ringback.testing import FakeClock, RecordingTelephony
from tests.dispatch.support import (
    SERVICE,
    add_callbacks,
    add_queue,
    all_in,
    current,
    dispatch_service,
    dispatcher,
    hold,
    running,
    wait_until,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*parts: int) -> datetime:
    """Return a wall-clock instant in Paris."""
    return datetime(*parts, tzinfo=PARIS)


def test_nothing_is_dialled_while_the_queue_is_closed(local: Core, clock: FakeClock) -> None:
    queue = add_queue(
        local,
        1,
        timezone="Europe/Paris",
        business_hours=("Mon-Fri 09:00-17:00",),
        ttl_seconds=7 * 86400,
    )
    clock.set(paris(2026, 1, 9, 16, 50))  # Friday, open: due now
    friday = add_callbacks(local, 1, 3)
    telephony = RecordingTelephony(clock=clock)
    worker = dispatcher(dispatch_service(local, clock), telephony)
    clock.set(paris(2026, 1, 9, 17, 0))  # closed before the dispatcher gets to them
    ids: list[UUID] = []

    async def scenario() -> None:
        async with running(worker):
            await hold(0.3)
            clock.set(paris(2026, 1, 10, 12, 0))  # Saturday
            saturday = add_callbacks(local, 1, 2, first=10)  # deferred to Monday's opening
            for callback_id in saturday:
                callback = current(local, callback_id)
                assert callback.state is State.SCHEDULED
                assert callback.next_action_at == paris(2026, 1, 12, 9, 0)
            await hold(0.3)
            clock.set(paris(2026, 1, 12, 8, 59, 59))  # Monday, one second early
            await hold(0.3)
            assert telephony.delivered == []
            assert all_in(local, friday, State.WAITING)
            clock.set(paris(2026, 1, 12, 9, 0))
            await wait_until(lambda: all_in(local, friday + saturday, State.OFFERED))
            ids.extend(friday + saturday)

    asyncio.run(scenario())
    assert sorted(telephony.delivered) == sorted(f"{i}:0" for i in ids)
    assert telephony.delivered_at
    for instant in telephony.delivered_at:
        assert queue.hours.is_open(instant), f"dialled at {instant} while closed"


def test_position_mode_dials_the_head_of_the_line_for_ready_agents(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1, dispatch_mode=DispatchMode.POSITION)
    now = clock.now()
    # created out of order: the line is the queue start time, not the creation order
    waited = {"c": 100, "a": 300, "e": 10, "b": 200, "d": 30}
    ids = {
        name: add_callbacks(
            local, 1, 1, first=index, queue_start_time=now - timedelta(seconds=seconds)
        )[0]
        for index, (name, seconds) in enumerate(waited.items())
    }
    telephony = RecordingTelephony(
        clock=clock, stats=QueueStats(ready_agents=2, longest_wait_seconds=60)
    )
    worker = dispatcher(dispatch_service(local, clock), telephony)

    def offered() -> set[str]:
        return {n for n, i in ids.items() if current(local, i).state is State.OFFERED}

    def complete(name: str) -> None:
        callback = current(local, ids[name])
        local.callbacks.record_outcome(
            SERVICE, callback.id, dial_key=callback.dial_key, outcome=Outcome.COMPLETED
        )

    def sent() -> list[str]:
        by_key = {f"{i}:0": n for n, i in ids.items()}
        return [by_key[key] for key in telephony.delivered]

    async def scenario() -> None:
        async with running(worker):
            # two ready agents: the two oldest that waited longer than every live caller
            await wait_until(lambda: offered() == {"a", "b"})
            await hold(0.2)
            assert sent() == ["a", "b"]  # offered ones still cover both agents
            complete("a")
            await wait_until(lambda: offered() == {"b", "c"})
            await hold(0.2)
            assert sent() == ["a", "b", "c"]
            complete("b")
            complete("c")
            await hold(0.2)  # agents free, but d and e have not waited 60 s yet
            assert sent() == ["a", "b", "c"]
            clock.advance(seconds=40)  # d has now waited 70 s, e 50 s
            await wait_until(lambda: offered() == {"d"})
            await hold(0.2)

    asyncio.run(scenario())
    assert sent() == ["a", "b", "c", "d"]
    assert current(local, ids["e"]).state is State.WAITING
