from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ringback.core import Core
from ringback.dialects.uccx.wire import uccx_status
from ringback.domain import errors
from ringback.domain.hours import CLOSED_DAY_OF_WEEK
from ringback.domain.queues import Dedup, QueueSettings
from ringback.domain.states import Reason, State
from ringback.services.callbacks import CallbackService, Outcome
from ringback.services.ports import CallbackQuery
from ringback.testing import FakeClock, memory_core
from tests.factories import NOW, NUMBER, OTHER_NUMBER, SERVICE, claim, new_callback

#: Saturday 2026-01-10 12:00 UTC (13:00 in Paris).
SATURDAY = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
#: Monday 2026-01-12 09:00 in Paris.
MONDAY_OPENING = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
PARIS_OFFICE = {"timezone": "Europe/Paris", "business_hours": ("Mon-Fri 09:00-17:00",)}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def core(clock: FakeClock) -> Iterator[Core]:
    built = memory_core(clock)
    yield built
    built.store.engine.dispose()


@pytest.fixture
def callbacks(core: Core, clock: FakeClock) -> CallbackService:
    """The callback service with the retry jitter pinned to the middle of its band."""
    return CallbackService(core.store, clock, spread=lambda: 0.5)


def add_queue(core: Core, queue_id: int = 1, **settings: object) -> None:
    core.queues.create(SERVICE, QueueSettings(name=f"q{queue_id}", **settings), queue_id)


@pytest.fixture
def queue(core: Core) -> int:
    add_queue(core)
    return 1


def test_create_stores_a_waiting_callback_and_logs_it(
    callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue, phone_number="(415) 555-0123"))
    assert created.state is State.WAITING
    assert created.customer_number == NUMBER
    assert created.next_action_at == NOW
    assert created.queue_start_time == NOW
    assert created.expires_at == NOW + timedelta(days=1)
    assert (created.attempts, created.slot, created.created_by) == (0, 0, "service")
    view = callbacks.get(SERVICE, created.id)
    assert view.callback == created
    assert [(h.event, h.from_state, h.to_state, h.actor) for h in view.history] == [
        ("create", None, State.WAITING, "service")
    ]


def test_create_with_a_future_desired_time_is_scheduled(
    callbacks: CallbackService, queue: int
) -> None:
    desired = NOW + timedelta(hours=2)
    created = callbacks.create(SERVICE, new_callback(queue, desired_time=desired))
    assert created.state is State.SCHEDULED
    assert created.next_action_at == desired
    assert created.expires_at == desired + timedelta(days=1)
    assert callbacks.get(SERVICE, created.id).history[0].to_state is State.SCHEDULED


def test_create_in_an_unknown_queue_is_not_found(callbacks: CallbackService) -> None:
    with pytest.raises(errors.NotFound):
        callbacks.create(SERVICE, new_callback(42))


def test_cancel_closes_with_a_reason_and_keeps_the_history(
    callbacks: CallbackService, queue: int, clock: FakeClock
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    later = clock.advance(minutes=5)
    cancelled = callbacks.cancel(SERVICE, created.id)
    assert cancelled.state is State.CANCELLED
    assert cancelled.reason is Reason.CANCELLED
    assert cancelled.completed_at == later
    view = callbacks.get(SERVICE, created.id)
    assert view.callback == cancelled
    assert [(h.event, h.from_state, h.to_state, h.reason) for h in view.history] == [
        ("create", None, State.WAITING, None),
        ("cancel", State.WAITING, State.CANCELLED, "cancelled"),
    ]


def test_a_dispatching_callback_cannot_be_cancelled(
    core: Core, callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    claim(core.store, NOW)
    with pytest.raises(errors.IllegalTransition):
        callbacks.cancel(SERVICE, created.id)
    view = callbacks.get(SERVICE, created.id)
    assert view.callback.state is State.DISPATCHING
    assert [h.event for h in view.history] == ["create"]


def test_a_cancelled_callback_cannot_be_cancelled_again(
    callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    callbacks.cancel(SERVICE, created.id)
    with pytest.raises(errors.IllegalTransition):
        callbacks.cancel(SERVICE, created.id)


def test_a_completed_attempt_completes_the_callback(
    core: Core, callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    [claimed] = claim(core.store, NOW)
    assert claimed.lease is not None
    done = callbacks.record_outcome(
        SERVICE, created.id, dial_key=f"{created.id}:0", outcome=Outcome.COMPLETED
    )
    assert done.state is State.COMPLETED
    assert (done.attempts, done.reason, done.completed_at, done.lease) == (
        1,
        Reason.COMPLETED,
        NOW,
        None,
    )
    history = callbacks.get(SERVICE, created.id).history
    assert [(h.event, h.from_state, h.to_state) for h in history] == [
        ("create", None, State.WAITING),
        ("outcome:completed", State.DISPATCHING, State.COMPLETED),
    ]


def test_failures_are_retried_with_a_new_dial_key_until_max_attempts(
    core: Core, callbacks: CallbackService, queue: int, clock: FakeClock
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    claim(core.store, clock.now())
    first = callbacks.record_outcome(
        SERVICE, created.id, dial_key=f"{created.id}:0", outcome=Outcome.NO_ANSWER
    )
    assert first.state is State.WAITING
    assert (first.attempts, first.slot, first.reason) == (1, 1, Reason.NO_ANSWER)
    assert first.dial_key == f"{created.id}:1"
    assert first.next_action_at == NOW + timedelta(seconds=300)
    assert first.lease is None
    assert uccx_status(first.state, first.reason, first.attempts) == "RETRY"
    assert claim(core.store, clock.now()) == []  # not due before the retry delay

    clock.advance(seconds=300)
    [again] = claim(core.store, clock.now())
    assert again.dial_key == f"{created.id}:1"
    second = callbacks.record_outcome(
        SERVICE, created.id, dial_key=f"{created.id}:1", outcome=Outcome.BUSY
    )
    assert (second.state, second.attempts, second.slot) == (State.WAITING, 2, 2)

    clock.advance(seconds=300)
    claim(core.store, clock.now())
    third = callbacks.record_outcome(
        SERVICE, created.id, dial_key=f"{created.id}:2", outcome=Outcome.NO_ANSWER
    )
    assert third.state is State.FAILED
    assert (third.attempts, third.reason, third.completed_at) == (
        3,
        Reason.MAX_ATTEMPTS,
        clock.now(),
    )
    assert uccx_status(third.state, third.reason, third.attempts) == "EXCEEDEDNUMBEROFATTEMPTS"
    events = [h.event for h in callbacks.get(SERVICE, created.id).history]
    assert events == ["create", "outcome:no_answer", "outcome:busy", "outcome:no_answer"]


def test_an_invalid_number_fails_at_once(
    core: Core, callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    claim(core.store, NOW)
    failed = callbacks.record_outcome(
        SERVICE, created.id, dial_key=created.dial_key, outcome=Outcome.INVALID_NUMBER
    )
    assert failed.state is State.FAILED
    assert (failed.attempts, failed.reason) == (1, Reason.INVALID_NUMBER)
    assert uccx_status(failed.state, failed.reason, failed.attempts) == "INVALID"


def test_a_stale_dial_key_is_a_conflict_and_changes_nothing(
    core: Core, callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    claim(core.store, NOW)
    retried = callbacks.record_outcome(
        SERVICE, created.id, dial_key=f"{created.id}:0", outcome=Outcome.NO_ANSWER
    )
    with pytest.raises(errors.Conflict) as raised:
        callbacks.record_outcome(
            SERVICE, created.id, dial_key=f"{created.id}:0", outcome=Outcome.COMPLETED
        )
    assert raised.value.details == {"field": "dial_key"}
    view = callbacks.get(SERVICE, created.id)
    assert view.callback == retried
    assert len(view.history) == 2


def test_an_outcome_for_a_callback_not_in_an_attempt_is_illegal(
    callbacks: CallbackService, queue: int
) -> None:
    created = callbacks.create(SERVICE, new_callback(queue))
    with pytest.raises(errors.IllegalTransition):
        callbacks.record_outcome(
            SERVICE, created.id, dial_key=created.dial_key, outcome=Outcome.COMPLETED
        )


@pytest.mark.parametrize(("dedup", "allowed"), [(Dedup.ON, 2), (Dedup.STRICT, 1)], ids=str)
def test_dedup_limits_open_callbacks_per_number(
    core: Core, callbacks: CallbackService, dedup: Dedup, allowed: int
) -> None:
    add_queue(core, 1, dedup=dedup)
    add_queue(core, 2, dedup=dedup)
    made = [callbacks.create(SERVICE, new_callback(1)) for _ in range(allowed)]
    with pytest.raises(errors.Conflict) as raised:
        callbacks.create(SERVICE, new_callback(1))
    assert raised.value.details == {"field": "phone_number"}
    callbacks.create(SERVICE, new_callback(1, phone_number=OTHER_NUMBER))  # another number
    callbacks.create(SERVICE, new_callback(2))  # another queue
    callbacks.cancel(SERVICE, made[0].id)  # a closed callback no longer counts
    callbacks.create(SERVICE, new_callback(1))
    page = callbacks.find(SERVICE, CallbackQuery(queue_ids=[1], customer_number=NUMBER))
    assert page.total == allowed + 1


def test_dedup_off_has_no_limit(core: Core, callbacks: CallbackService) -> None:
    add_queue(core, 1, dedup=Dedup.OFF)
    for _ in range(5):
        callbacks.create(SERVICE, new_callback(1))
    assert callbacks.find(SERVICE, CallbackQuery(queue_ids=[1])).total == 5


def test_a_duplicate_external_id_is_a_conflict(callbacks: CallbackService, queue: int) -> None:
    callbacks.create(SERVICE, new_callback(queue, external_id="uccx-1"))
    with pytest.raises(errors.Conflict) as raised:
        callbacks.create(SERVICE, new_callback(queue, external_id="uccx-1", phone_number="5115"))
    assert raised.value.details == {"field": "id"}
    assert callbacks.find(SERVICE, CallbackQuery()).total == 1


def test_an_idempotency_key_returns_the_first_callback(
    callbacks: CallbackService, queue: int, clock: FakeClock
) -> None:
    first = callbacks.create(SERVICE, new_callback(queue, idempotency_key="key-1"))
    clock.advance(minutes=1)
    again = callbacks.create(SERVICE, new_callback(queue, idempotency_key="key-1"))
    assert again == first
    other = callbacks.create(SERVICE, new_callback(queue, idempotency_key="key-2"))
    assert other.id != first.id
    assert callbacks.find(SERVICE, CallbackQuery()).total == 2
    assert len(callbacks.get(SERVICE, first.id).history) == 1


def test_an_idempotency_key_reused_for_another_request_is_a_conflict(
    callbacks: CallbackService, queue: int
) -> None:
    first = callbacks.create(SERVICE, new_callback(queue, idempotency_key="key-1"))
    with pytest.raises(errors.Conflict):
        callbacks.create(
            SERVICE, new_callback(queue, idempotency_key="key-1", phone_number=OTHER_NUMBER)
        )
    page = callbacks.find(SERVICE, CallbackQuery())
    assert [c.id for c in page.items] == [first.id]


def test_a_closed_queue_defers_to_its_next_opening(
    core: Core, callbacks: CallbackService, clock: FakeClock
) -> None:
    add_queue(core, 1, **PARIS_OFFICE)
    clock.set(SATURDAY)
    created = callbacks.create(SERVICE, new_callback(1))
    assert created.state is State.SCHEDULED
    assert created.next_action_at == MONDAY_OPENING
    assert created.queue_start_time == SATURDAY
    assert created.expires_at == MONDAY_OPENING + timedelta(days=1)
    assert claim(core.store, SATURDAY + timedelta(days=1)) == []


def test_an_open_queue_takes_the_callback_now(
    core: Core, callbacks: CallbackService, clock: FakeClock
) -> None:
    add_queue(core, 1, **PARIS_OFFICE)
    clock.set(datetime(2026, 1, 12, 15, 59, tzinfo=UTC))  # Monday 16:59 in Paris
    created = callbacks.create(SERVICE, new_callback(1))
    assert (created.state, created.next_action_at) == (State.WAITING, clock.now())


def test_a_closed_queue_rejects_when_told_to(
    core: Core, callbacks: CallbackService, clock: FakeClock
) -> None:
    add_queue(core, 1, reject_out_of_hours=True, **PARIS_OFFICE)
    clock.set(SATURDAY)
    with pytest.raises(errors.Closed) as raised:
        callbacks.create(SERVICE, new_callback(1))
    assert (raised.value.reason, raised.value.at) == (CLOSED_DAY_OF_WEEK, SATURDAY)
    assert callbacks.find(SERVICE, CallbackQuery()).total == 0


def test_a_desired_time_outside_hours_is_closed(core: Core, callbacks: CallbackService) -> None:
    add_queue(core, 1, **PARIS_OFFICE)
    with pytest.raises(errors.Closed) as raised:
        callbacks.create(SERVICE, new_callback(1, desired_time=SATURDAY))
    assert raised.value.at == SATURDAY


def test_a_queue_not_accepting_callbacks_is_closed(core: Core, callbacks: CallbackService) -> None:
    add_queue(core, 1, accepting_callbacks=False)
    with pytest.raises(errors.Closed) as raised:
        callbacks.create(SERVICE, new_callback(1))
    assert raised.value.reason == "disabled"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (CallbackQuery(limit=0), "limit"),
        (CallbackQuery(limit=501), "limit"),
        (CallbackQuery(offset=-1), "offset"),
    ],
)
def test_find_refuses_bad_paging(
    callbacks: CallbackService, query: CallbackQuery, field: str
) -> None:
    with pytest.raises(errors.Invalid) as raised:
        callbacks.find(SERVICE, query)
    assert raised.value.field == field
