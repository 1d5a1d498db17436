"""The dispatch loop hands each due callback over once per dial key, within its caps (R7, R8)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from ringback.core import Core
from ringback.domain.callbacks import Callback
from ringback.domain.queues import Queue
from ringback.domain.states import Reason, State
from ringback.services.ports import Delivery, DeliveryStatus
from ringback.testing import FakeClock, RecordingTelephony
from tests.dispatch import scenarios
from tests.dispatch.support import (
    SERVICE,
    add_callbacks,
    add_queue,
    all_in,
    answer,
    current,
    dispatch_service,
    dispatcher,
    events,
    hold,
    running,
    wait_until,
)


def test_each_waiting_callback_is_delivered_exactly_once(local: Core, clock: FakeClock) -> None:
    scenarios.each_waiting_callback_is_delivered_once(local, clock)


def test_a_definite_failure_is_retried_after_the_delay_with_a_new_key_until_max_attempts(
    local: Core, clock: FakeClock
) -> None:
    scenarios.definite_failures_are_retried_with_new_keys(local, clock)


def test_a_permanent_failure_is_sent_once_and_fails(local: Core, clock: FakeClock) -> None:
    add_queue(local, 1, max_attempts=3, retry_delay_seconds=60)
    [callback_id] = add_callbacks(local, 1, 1)
    telephony = RecordingTelephony(answer(DeliveryStatus.PERMANENT, "HTTP 400"), clock=clock)
    worker = dispatcher(dispatch_service(local, clock), telephony)

    async def scenario() -> None:
        async with running(worker):
            await wait_until(lambda: all_in(local, [callback_id], State.FAILED))
            clock.advance(days=2)
            await hold(0.2)

    asyncio.run(scenario())
    assert telephony.delivered == [f"{callback_id}:0"]
    callback = current(local, callback_id)
    assert (callback.state, callback.reason, callback.attempts) == (State.FAILED, Reason.FAILED, 1)
    assert callback.completed_at == telephony.delivered_at[0]
    assert events(local, callback_id) == ["create", "claim", "delivery:permanent"]


def test_an_ambiguous_failure_is_retried_with_the_same_key(local: Core, clock: FakeClock) -> None:
    delay = 120
    add_queue(local, 1, max_attempts=3, retry_delay_seconds=delay)
    [callback_id] = add_callbacks(local, 1, 1)
    telephony = RecordingTelephony(
        answer(DeliveryStatus.TRANSIENT, "read timeout", ambiguous=True), clock=clock
    )
    worker = dispatcher(dispatch_service(local, clock), telephony)

    async def scenario() -> None:
        async with running(worker):
            for attempt in (1, 2):
                await wait_until(
                    lambda n=attempt: (
                        len(telephony.delivered) == n
                        and current(local, callback_id).state is State.WAITING
                    )
                )
                callback = current(local, callback_id)
                assert (callback.attempts, callback.slot, callback.reason) == (
                    attempt,
                    0,
                    Reason.TIMEOUT,
                )
                clock.advance(seconds=delay)
            await wait_until(lambda: all_in(local, [callback_id], State.FAILED))

    asyncio.run(scenario())
    assert telephony.delivered == [f"{callback_id}:0"] * 3
    callback = current(local, callback_id)
    assert (callback.state, callback.reason, callback.attempts) == (
        State.FAILED,
        Reason.MAX_ATTEMPTS,
        3,
    )


def test_a_hung_dial_request_times_out_without_holding_back_other_queues(
    local: Core, clock: FakeClock
) -> None:
    add_queue(local, 1, name="slow")
    add_queue(local, 2, name="fast")
    slow_ids = add_callbacks(local, 1, 2)
    fast_ids = add_callbacks(local, 2, 20, first=100)
    slow = RecordingTelephony(delay_seconds=10.0, clock=clock)
    fast = RecordingTelephony(clock=clock)
    worker = dispatcher(
        dispatch_service(local, clock),
        lambda queue: slow if queue.id == 1 else fast,
        dial_timeout_seconds=1.5,
        max_in_flight=5,
    )
    timings: dict[str, float] = {}
    slow_states_when_fast_done: set[State] = set()

    async def scenario() -> None:
        start = time.monotonic()
        async with running(worker):
            await wait_until(lambda: all_in(local, fast_ids, State.OFFERED), 5, "fast offered")
            timings["fast"] = time.monotonic() - start
            slow_states_when_fast_done.update(current(local, i).state for i in slow_ids)
            await wait_until(lambda: all_in(local, slow_ids, State.WAITING), 5, "slow settled")
            timings["slow"] = time.monotonic() - start

    asyncio.run(scenario())
    assert timings["fast"] < 1.5, "the fast queue waited for the hung one"
    assert slow_states_when_fast_done == {State.DISPATCHING}, "the slow ones were not hanging"
    assert timings["slow"] < 4.0, "the dial timeout did not cut the 10 s request"
    assert sorted(slow.delivered) == sorted(f"{i}:0" for i in slow_ids)
    for callback_id in slow_ids:
        callback = current(local, callback_id)
        # ambiguous: telephony may have received it, so the retry keeps the key
        assert (callback.state, callback.attempts, callback.slot, callback.reason) == (
            State.WAITING,
            1,
            0,
            Reason.TIMEOUT,
        )
        last = local.callbacks.get(SERVICE, callback_id).history[-1]
        assert last.event == "delivery:transient"
        assert "timed out" in last.detail["detail"]
        assert last.detail["dial_key"] == f"{callback_id}:0"


def test_in_flight_deliveries_never_exceed_the_cap(local: Core, clock: FakeClock) -> None:
    add_queue(local, 1)
    ids = add_callbacks(local, 1, 40)
    telephony = RecordingTelephony(delay_seconds=0.05, clock=clock)
    worker = dispatcher(dispatch_service(local, clock), telephony, max_in_flight=5)

    async def scenario() -> None:
        async with running(worker):
            await wait_until(lambda: all_in(local, ids, State.OFFERED), 10, "all offered")

    asyncio.run(scenario())
    assert telephony.max_in_flight == 5
    assert sorted(telephony.delivered) == sorted(f"{i}:0" for i in ids)


def test_the_dial_rate_cap_spaces_dial_requests(local: Core, clock: FakeClock) -> None:
    add_queue(local, 1)
    ids = add_callbacks(local, 1, 12)
    sent: list[float] = []

    class Timed(RecordingTelephony):
        async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
            sent.append(time.monotonic())
            return await super().deliver(callback, queue, dial_key)

    telephony = Timed(clock=clock)
    worker = dispatcher(dispatch_service(local, clock), telephony, max_dials_per_second=20)

    async def scenario() -> None:
        async with running(worker):
            await wait_until(lambda: all_in(local, ids, State.OFFERED), 10, "all offered")

    asyncio.run(scenario())
    # a burst of 2, then one every 50 ms: 10 more take at least 0.5 s
    assert sent[-1] - sent[0] >= 0.45
    assert len(telephony.delivered) == 12


def test_retry_spacing_honours_the_jitter_band(local: Core, clock: FakeClock) -> None:
    queue = add_queue(local, 1, max_attempts=5, retry_delay_seconds=1000)
    add_callbacks(local, 1, 2)
    for spread, expected in ((0.0, 900), (0.999, 1100)):
        service = dispatch_service(local, clock, spread=spread)
        [claim, *_] = service.claim(owner="w", queues=[queue], limit=1)
        settled = service.settle(claim, Delivery(DeliveryStatus.TRANSIENT, "HTTP 502"))
        assert settled is not None
        assert settled.next_action_at is not None
        waited = (settled.next_action_at - clock.now()).total_seconds()
        assert abs(waited - expected) < 1
        assert settled.slot == 1


def test_a_deferred_delivery_waits_without_using_an_attempt(local: Core, clock: FakeClock) -> None:
    add_queue(local, 1, max_attempts=1, retry_delay_seconds=600)
    [callback_id] = add_callbacks(local, 1, 1)
    answers = iter(
        [Delivery(DeliveryStatus.DEFERRED, "caller still queued", retry_after_seconds=30)] * 2
    )
    telephony = RecordingTelephony(
        lambda _c, _k: next(answers, Delivery(DeliveryStatus.ACCEPTED)), clock=clock
    )
    worker = dispatcher(dispatch_service(local, clock), telephony)

    async def scenario() -> None:
        async with running(worker):
            await wait_until(lambda: len(telephony.delivered) == 1)
            await hold(0.3)
            assert len(telephony.delivered) == 1  # not before its time
            deferred = current(local, callback_id)
            assert (deferred.state, deferred.attempts) == (State.WAITING, 0)
            assert deferred.next_action_at == telephony.delivered_at[0] + timedelta(seconds=30)
            for count in (2, 3):
                clock.advance(seconds=30)
                await wait_until(lambda n=count: len(telephony.delivered) == n)
                # The deferral must be written before the clock moves again.
                await wait_until(lambda n=count: len(events(local, callback_id)) == 2 * n + 1)
            await wait_until(lambda: all_in(local, [callback_id], State.OFFERED))

    asyncio.run(scenario())
    # One attempt allowed, two deferrals: neither used it, and the dial key never changed.
    assert telephony.delivered == [f"{callback_id}:0"] * 3
    assert current(local, callback_id).attempts == 0
    assert events(local, callback_id) == [
        "create",
        "claim",
        "delivery:deferred",
        "claim",
        "delivery:deferred",
        "claim",
        "delivery:accepted",
    ]
