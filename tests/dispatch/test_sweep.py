"""The sweep: rescue, time to live, scheduled callbacks coming due, misses, stale offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringback.core import Core
from ringback.domain.retry import MissedAction
from ringback.domain.states import Reason, State
from ringback.services.ports import Delivery, DeliveryStatus
from ringback.testing import FakeClock, memory_core
from tests.dispatch import scenarios
from tests.dispatch.support import (
    SERVICE,
    add_callbacks,
    add_queue,
    current,
    dispatch_service,
    events,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def core(clock: FakeClock) -> Core:
    """A core on an in-memory database: the sweep tests use no threads."""
    return memory_core(clock)


def test_a_stale_claim_changes_nothing(core: Core, clock: FakeClock) -> None:
    scenarios.a_stale_claim_changes_nothing(core, clock)


def test_an_unexpired_lease_is_not_rescued(core: Core, clock: FakeClock) -> None:
    queue = add_queue(core, 1)
    [callback_id] = add_callbacks(core, 1, 1)
    service = dispatch_service(core, clock, lease_seconds=30)
    [claim] = service.claim(owner="a", queues=[queue], limit=1)
    clock.advance(seconds=30)  # expires *at* this instant: not yet past it
    assert service.sweep().rescued == 0
    assert current(core, callback_id).state is State.DISPATCHING
    clock.advance(seconds=-25)
    assert service.renew(claim.token) == 1
    clock.advance(seconds=30)  # 35 s after the claim, 30 s after the renewal
    assert service.sweep().rescued == 0
    clock.advance(seconds=1)
    assert service.sweep().rescued == 1
    assert service.renew(claim.token) == 0  # nothing left to renew under a rescued lease


def test_a_waiting_callback_past_its_time_to_live_expires(core: Core, clock: FakeClock) -> None:
    add_queue(core, 1, ttl_seconds=3600)
    [callback_id] = add_callbacks(core, 1, 1)
    service = dispatch_service(core, clock)
    clock.advance(seconds=3600)
    assert service.sweep().expired == 0
    clock.advance(seconds=1)
    assert service.sweep().expired == 1
    callback = current(core, callback_id)
    assert (callback.state, callback.reason) == (State.EXPIRED, Reason.TTL)
    assert callback.completed_at == clock.now()
    assert events(core, callback_id) == ["create", "expire"]
    assert service.sweep().expired == 0


def test_a_scheduled_callback_becomes_waiting_at_its_time(core: Core, clock: FakeClock) -> None:
    queue = add_queue(core, 1)
    desired = clock.now() + timedelta(hours=1)
    [callback_id] = add_callbacks(core, 1, 1, desired_time=desired)
    assert current(core, callback_id).state is State.SCHEDULED
    service = dispatch_service(core, clock)
    clock.set(desired - timedelta(seconds=1))
    assert service.sweep().promoted == 0
    assert service.claim(owner="w", queues=[queue], limit=5) == []
    clock.set(desired)
    assert service.sweep().promoted == 1
    assert current(core, callback_id).state is State.WAITING
    assert events(core, callback_id) == ["create", "due"]
    [claim] = service.claim(owner="w", queues=[queue], limit=5)
    assert claim.dial_key == f"{callback_id}:0"


def test_a_scheduled_callback_late_within_the_grace_is_dialled(
    core: Core, clock: FakeClock
) -> None:
    add_queue(core, 1, missed_grace_seconds=900, missed_action=MissedAction.CLOSE)
    desired = clock.now() + timedelta(hours=1)
    [callback_id] = add_callbacks(core, 1, 1, desired_time=desired)
    clock.set(desired + timedelta(seconds=900))
    report = dispatch_service(core, clock).sweep()
    assert (report.promoted, report.missed) == (1, 0)
    assert current(core, callback_id).state is State.WAITING


@pytest.mark.parametrize(
    ("action", "state", "event"),
    [
        (MissedAction.RETRY, State.WAITING, "missed:retry"),
        (MissedAction.CLOSE, State.EXPIRED, "missed:close"),
    ],
)
def test_a_scheduled_callback_reached_too_late_follows_the_missed_policy(
    core: Core,
    clock: FakeClock,
    action: MissedAction,
    state: State,
    event: str,
) -> None:
    add_queue(core, 1, missed_grace_seconds=900, missed_action=action)
    desired = clock.now() + timedelta(hours=1)
    [callback_id] = add_callbacks(core, 1, 1, desired_time=desired)
    clock.set(desired + timedelta(seconds=901))
    report = dispatch_service(core, clock).sweep()
    assert (report.promoted, report.missed) == (0, 1)
    callback = current(core, callback_id)
    assert callback.state is state
    assert events(core, callback_id) == ["create", event]
    if action is MissedAction.CLOSE:
        assert callback.reason is Reason.MISSED
        assert callback.completed_at == clock.now()


def test_next_day_moves_a_missed_callback_to_the_same_local_time_across_dst(
    core: Core, clock: FakeClock
) -> None:
    add_queue(
        core,
        1,
        timezone="Europe/Paris",
        missed_action=MissedAction.NEXT_DAY,
        ttl_seconds=7 * 86400,
    )
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=PARIS))
    due = datetime(2026, 3, 28, 10, 0, tzinfo=PARIS)  # Saturday, UTC+1
    [callback_id] = add_callbacks(core, 1, 1, desired_time=due)
    clock.set(datetime(2026, 3, 29, 11, 0, tzinfo=PARIS))  # Sunday, UTC+2 since 02:00
    service = dispatch_service(core, clock)
    report = service.sweep()
    assert report.missed == 1
    callback = current(core, callback_id)
    assert callback.state is State.SCHEDULED
    # Sunday 10:00 local has passed (09:00 local = 08:00 UTC < now): Monday 10:00 local
    assert callback.next_action_at == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert callback.next_action_at.astimezone(PARIS).hour == 10
    assert events(core, callback_id) == ["create", "missed:next_day"]
    clock.set(datetime(2026, 3, 30, 10, 0, tzinfo=PARIS))
    assert service.sweep().promoted == 1
    assert current(core, callback_id).state is State.WAITING


def test_a_callback_moved_to_the_next_day_lives_until_then(core: Core, clock: FakeClock) -> None:
    add_queue(core, 1, missed_action=MissedAction.NEXT_DAY)  # default TTL: one day
    desired = clock.now() + timedelta(hours=1)
    [callback_id] = add_callbacks(core, 1, 1, desired_time=desired)
    clock.set(desired + timedelta(hours=2))
    service = dispatch_service(core, clock)
    service.sweep()
    moved = current(core, callback_id)
    assert moved.state is State.SCHEDULED
    assert moved.next_action_at == desired + timedelta(days=1)
    clock.set(desired + timedelta(days=1, seconds=5))  # the first sweep after its new time
    service.sweep()
    callback = current(core, callback_id)
    assert (callback.state, callback.reason) == (State.WAITING, None)


def test_an_offer_telephony_never_reports_on_counts_as_a_failed_attempt(
    core: Core, clock: FakeClock
) -> None:
    queue = add_queue(core, 1, max_attempts=2, retry_delay_seconds=60)
    [callback_id] = add_callbacks(core, 1, 1)
    service = dispatch_service(core, clock, offer_timeout_seconds=600)
    [claim] = service.claim(owner="w", queues=[queue], limit=1)
    offered = service.settle(claim, Delivery(DeliveryStatus.ACCEPTED))
    assert offered is not None
    assert offered.next_action_at == clock.now() + timedelta(seconds=600)
    clock.advance(seconds=599)
    assert service.sweep().offers_timed_out == 0
    clock.advance(seconds=2)
    assert service.sweep().offers_timed_out == 1
    callback = current(core, callback_id)
    assert (callback.state, callback.attempts, callback.slot, callback.reason) == (
        State.WAITING,
        1,
        1,
        Reason.TIMEOUT,
    )
    assert callback.next_action_at == clock.now() + timedelta(seconds=60)
    assert events(core, callback_id) == [
        "create",
        "claim",
        "delivery:accepted",
        "offer_timeout",
    ]

    # the second and last attempt: offered again, and again never reported on
    clock.advance(seconds=60)
    [claim] = service.claim(owner="w", queues=[queue], limit=1)
    assert claim.dial_key == f"{callback_id}:1"
    service.settle(claim, Delivery(DeliveryStatus.ACCEPTED))
    clock.advance(seconds=601)
    assert service.sweep().offers_timed_out == 1
    callback = current(core, callback_id)
    assert (callback.state, callback.attempts, callback.reason) == (
        State.FAILED,
        2,
        Reason.MAX_ATTEMPTS,
    )


def test_a_cancelled_callback_is_never_claimed(core: Core, clock: FakeClock) -> None:
    queue = add_queue(core, 1)
    [kept, cancelled] = add_callbacks(core, 1, 2)
    core.callbacks.cancel(SERVICE, cancelled)
    service = dispatch_service(core, clock)
    claims = service.claim(owner="w", queues=[queue], limit=10)
    assert [claim.callback.id for claim in claims] == [kept]
    clock.advance(days=3)
    service.sweep()
    assert current(core, cancelled).state is State.CANCELLED
    assert events(core, cancelled) == ["create", "cancel"]
