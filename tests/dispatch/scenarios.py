"""Dispatch scenarios run on more than one database (SQLite file here, PostgreSQL in make test)."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta

from ringback.core import Core
from ringback.domain.states import Reason, State
from ringback.services.ports import Delivery, DeliveryStatus
from ringback.testing import FakeClock, RecordingTelephony
from tests.dispatch.support import (
    SERVICE,
    add_callbacks,
    add_queue,
    all_in,
    current,
    dispatch_service,
    dispatcher,
    events,
    hold,
    running,
    wait_until,
)


def each_waiting_callback_is_delivered_once(core: Core, clock: FakeClock) -> None:
    """50 waiting callbacks of an immediate queue: one dial key each, sent once, offered."""
    add_queue(core, 1)
    ids = add_callbacks(core, 1, 50)
    telephony = RecordingTelephony(clock=clock)
    worker = dispatcher(dispatch_service(core, clock), telephony, max_in_flight=10)

    async def scenario() -> None:
        async with running(worker):
            await wait_until(lambda: all_in(core, ids, State.OFFERED), 20, "all offered")
            await hold(0.1)  # nothing more may be sent once everything is offered

    asyncio.run(scenario())
    assert Counter(telephony.delivered) == Counter(f"{callback_id}:0" for callback_id in ids)
    for callback_id in ids:
        callback = current(core, callback_id)
        assert (callback.state, callback.slot, callback.attempts) == (State.OFFERED, 0, 0)
        assert callback.lease is None
        assert events(core, callback_id) == ["create", "claim", "delivery:accepted"]
        history = core.callbacks.get(SERVICE, callback_id).history
        assert history[-1].detail["dial_key"] == f"{callback_id}:0"
        assert [change.to_state for change in history] == [
            State.WAITING,
            State.DISPATCHING,
            State.OFFERED,
        ]


def definite_failures_are_retried_with_new_keys(core: Core, clock: FakeClock) -> None:
    """A 503 each time: max_attempts dial requests, new key each, spaced by the retry delay."""
    delay = 300
    add_queue(core, 1, max_attempts=3, retry_delay_seconds=delay)
    [callback_id] = add_callbacks(core, 1, 1)
    telephony = RecordingTelephony(
        lambda callback, key: Delivery(DeliveryStatus.TRANSIENT, "HTTP 503"), clock=clock
    )
    # spread 0: the earliest retry the ±10 % jitter allows
    worker = dispatcher(dispatch_service(core, clock, spread=0.0), telephony)

    async def scenario() -> None:
        async with running(worker):
            for attempt in range(1, 4):
                await wait_until(
                    lambda n=attempt: (
                        len(telephony.delivered) == n
                        and current(core, callback_id).state is not State.DISPATCHING
                    ),
                    5,
                    f"attempt {attempt} settled",
                )
                callback = current(core, callback_id)
                assert callback.attempts == attempt
                if attempt < 3:
                    assert callback.state is State.WAITING
                    assert callback.reason is Reason.FAILED
                    assert callback.next_action_at is not None
                    assert callback.next_action_at >= clock.now() + timedelta(seconds=0.9 * delay)
                    await hold(0.1)  # not due yet: nothing is sent
                    assert len(telephony.delivered) == attempt
                    clock.set(callback.next_action_at)
            clock.advance(days=30)
            await hold(0.2)

    asyncio.run(scenario())
    assert telephony.delivered == [f"{callback_id}:{slot}" for slot in range(3)]
    instants = telephony.delivered_at
    for before, after in itertools.pairwise(instants):
        assert after - before >= timedelta(seconds=0.9 * delay)
    callback = current(core, callback_id)
    assert (callback.state, callback.reason, callback.attempts) == (
        State.FAILED,
        Reason.MAX_ATTEMPTS,
        3,
    )
    assert events(core, callback_id) == [
        "create",
        *["claim", "delivery:transient"] * 3,
    ]


def a_stale_claim_changes_nothing(core: Core, clock: FakeClock) -> None:
    """Fencing: once a lease is rescued and re-claimed, the old holder's result is ignored."""
    queue = add_queue(core, 1)
    [callback_id] = add_callbacks(core, 1, 1)
    service = dispatch_service(core, clock, lease_seconds=30)
    [claim_a] = service.claim(owner="a", queues=[queue], limit=10)
    assert claim_a.dial_key == f"{callback_id}:0"
    clock.advance(seconds=31)
    report = service.sweep()
    assert report.rescued == 1
    assert report.rescued_ids == [f"{callback_id}:0"]
    rescued = current(core, callback_id)
    assert (rescued.state, rescued.slot, rescued.lease) == (State.WAITING, 0, None)
    assert events(core, callback_id) == ["create", "claim", "rescue"]

    [claim_b] = service.claim(owner="b", queues=[queue], limit=10)
    assert claim_b.dial_key == claim_a.dial_key  # a rescue re-sends the same key
    assert claim_b.token != claim_a.token
    before = current(core, callback_id)

    assert service.settle(claim_a, Delivery(DeliveryStatus.ACCEPTED)) is None
    assert service.settle(claim_a, Delivery(DeliveryStatus.PERMANENT, "HTTP 400")) is None
    assert service.release(claim_a) is False
    assert current(core, callback_id) == before
    assert before.state is State.DISPATCHING
    assert before.lease is not None
    assert (before.lease.owner, before.lease.token) == ("b", claim_b.token)
    assert events(core, callback_id) == ["create", "claim", "rescue", "claim"]

    settled = service.settle(claim_b, Delivery(DeliveryStatus.ACCEPTED))
    assert settled is not None
    assert settled.state is State.OFFERED
    assert current(core, callback_id).state is State.OFFERED
    assert events(core, callback_id)[-1] == "delivery:accepted"
