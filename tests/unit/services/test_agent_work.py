"""The agent's work on a callback: take, release, start, close, postpone, and what refuses them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert

from ringback import bootstrap
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Agent, Membership, Principal
from ringback.domain.queues import QueueSettings
from ringback.domain.states import Event, Reason, State
from ringback.services.callbacks import agent_work, moves
from ringback.services.callbacks.agent_work import Obstacle
from ringback.store.tables import periods
from ringback.testing import FakeClock, memory_services
from tests.factories import NOW, SERVICE, claim, new_callback, principal

Step = Callable[..., Any]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def services(clock: FakeClock) -> Iterator[bootstrap.Services]:
    """Queues 1 and 2; agents 1 and 2 in queue 1, agent 3 in queue 2."""
    built = memory_services(clock)
    for queue_id in (1, 2):
        built.queues.create(SERVICE, QueueSettings(name=f"q{queue_id}"), queue_id)
    for agent_id, queue_id in ((1, 1), (2, 1), (3, 2)):
        agent = Agent(agent_id, "A", f"N{agent_id}", f"100{agent_id}",
                      queues=(Membership(queue_id),))  # fmt: skip
        built.agents.create(SERVICE, agent)
    yield built
    built.store.engine.dispose()


@pytest.fixture
def waiting(services: bootstrap.Services) -> UUID:
    """A callback of queue 1 that waits for an agent."""
    return services.callbacks.create(SERVICE, new_callback(1, waits_for_agent=True)).id


def work(
    services: bootstrap.Services, step: Step, callback_id: UUID, *args: Any,
    actor: Principal = SERVICE, **kwargs: Any,
) -> Any:  # fmt: skip
    """Run one agent_work step on a callback in its own unit of work, as a wing does."""
    with services.store.transaction() as tx:
        callback = moves.locked(tx, actor, callback_id)
        return step(tx, services.clock.now(), actor, callback, *args, **kwargs)


def history(services: bootstrap.Services, callback_id: UUID) -> list[tuple[str, Any, Any]]:
    return [(h.event, h.to_state, h.detail)
            for h in services.callbacks.get(SERVICE, callback_id).history]  # fmt: skip


def stored(services: bootstrap.Services, callback_id: UUID) -> Callback:
    return services.callbacks.get(SERVICE, callback_id).callback


def add_period(services: bootstrap.Services) -> UUID:
    """Store a preferred period (a XiVO table the callbacks refer to) and return its uuid."""
    period = uuid.uuid4()
    with services.store.transaction() as tx:
        tx.connection.execute(insert(periods).values(
            uuid=str(period), name="Afternoon", period_start="14:00:00", period_end="18:00:00",
            is_default=False,
        ))  # fmt: skip
    return period


def refusal(exc: pytest.ExceptionInfo[errors.Conflict]) -> Obstacle:
    return Obstacle(exc.value.details["obstacle"])


def test_take_reserves_the_callback_for_an_agent_of_its_queue(
    services: bootstrap.Services, waiting: UUID
) -> None:
    taken = work(services, agent_work.take, waiting, 1, log_prefix="xivo:")
    assert (taken.state, taken.owner_agent_id) == (State.RESERVED, 1)
    again = work(services, agent_work.take, waiting, 1)  # harmless, and not logged again
    assert again == stored(services, waiting)
    assert history(services, waiting)[1:] == [("xivo:take", State.RESERVED, {"agent_id": 1})]


def test_take_refuses_another_agent_a_stranger_and_a_ghost(
    services: bootstrap.Services, waiting: UUID
) -> None:
    work(services, agent_work.take, waiting, 1)
    with pytest.raises(errors.Conflict) as other:
        work(services, agent_work.take, waiting, 2)
    assert refusal(other) is Obstacle.TAKEN
    assert other.value.details["owner_agent_id"] == 1
    with pytest.raises(errors.Forbidden):  # agent 3 is not a member of queue 1
        work(services, agent_work.take, waiting, 3)
    with pytest.raises(errors.NotFound) as ghost:
        work(services, agent_work.take, waiting, 99)
    assert ghost.value.details["field"] == "agent_id"


def test_an_agent_of_another_team_is_not_found_by_a_supervisor(
    services: bootstrap.Services,
) -> None:
    foreign = services.callbacks.create(SERVICE, new_callback(2, waits_for_agent=True)).id
    supervisor = principal(queue_ids=(1,))
    with services.store.transaction() as tx:
        with pytest.raises(errors.NotFound):
            agent_work.agent_of_queue(tx, supervisor, 3, 2)  # agent 3 is of queue 2 only
        callback = moves.locked(tx, SERVICE, foreign)
        with pytest.raises(errors.NotFound):
            agent_work.take(tx, NOW, supervisor, callback, 3)


def test_take_refuses_a_started_or_ended_callback(
    services: bootstrap.Services, waiting: UUID
) -> None:
    with pytest.raises(errors.Conflict) as started:
        work(services, agent_work.take, waiting, 1, started=True)
    assert refusal(started) is Obstacle.STARTED
    services.callbacks.cancel(SERVICE, waiting)
    with pytest.raises(errors.Conflict) as ended:
        work(services, agent_work.take, waiting, 1)
    assert refusal(ended) is Obstacle.ENDED
    assert [event for event, _, _ in history(services, waiting)] == ["create", "cancel"]


def test_release_gives_a_held_callback_back_to_everyone(
    services: bootstrap.Services, waiting: UUID
) -> None:
    with pytest.raises(errors.Conflict) as not_held:
        work(services, agent_work.release, waiting, 1)
    assert (refusal(not_held), not_held.value.details["agent_id"]) == (Obstacle.NOT_HELD, 1)
    work(services, agent_work.take, waiting, 1)
    with pytest.raises(errors.Conflict):
        work(services, agent_work.release, waiting, 2)
    released = work(services, agent_work.release, waiting, 1)
    assert (released.state, released.owner_agent_id, released.next_action_at) == (
        State.WAITING, None, None,
    )  # fmt: skip
    assert work(services, agent_work.take, waiting, 2).owner_agent_id == 2


def test_start_hands_the_callback_to_the_dispatcher_reserved_for_its_agent(
    services: bootstrap.Services, waiting: UUID, clock: FakeClock
) -> None:
    with pytest.raises(errors.Conflict):  # take it first
        work(services, agent_work.start, waiting, 1)
    work(services, agent_work.take, waiting, 1)
    later = clock.advance(minutes=1)
    started, agent = work(services, agent_work.start, waiting, 1, ticket="t-1")
    assert agent.number == "1001"
    assert (started.state, started.owner_agent_id, started.next_action_at) == (
        State.WAITING, 1, later,
    )  # fmt: skip
    detail = {"agent_id": 1, "ticket": "t-1"}
    assert history(services, waiting)[-1] == ("start", State.WAITING, detail)
    assert [c.id for c in claim(services.store, later)] == [waiting]


def test_close_completes_a_reached_callback_and_counts_the_attempt(
    services: bootstrap.Services, waiting: UUID
) -> None:
    work(services, agent_work.take, waiting, 1)
    work(services, agent_work.start, waiting, 1)
    claim(services.store, NOW)  # dispatching: the attempt is under way
    closed = work(services, agent_work.close, waiting, 1, reached=True, status="Answered")
    assert (closed.state, closed.reason, closed.attempts, closed.completed_at) == (
        State.COMPLETED, Reason.COMPLETED, 1, NOW,
    )  # fmt: skip
    assert history(services, waiting)[-1] == ("close", State.COMPLETED,
                                              {"agent_id": 1, "status": "Answered"})  # fmt: skip


def test_close_fails_an_unreached_callback_with_the_reason(
    services: bootstrap.Services, waiting: UUID
) -> None:
    work(services, agent_work.take, waiting, 1)
    work(services, agent_work.start, waiting, 1)
    closed = work(services, agent_work.close, waiting, 1, reached=False,
                  reason=Reason.INVALID_NUMBER)  # fmt: skip
    assert (closed.state, closed.reason, closed.attempts) == (
        State.FAILED, Reason.INVALID_NUMBER, 0,
    )  # fmt: skip


def test_close_leaves_a_callback_that_ended_meanwhile_as_it_is(
    services: bootstrap.Services, waiting: UUID
) -> None:
    work(services, agent_work.take, waiting, 1)
    work(services, agent_work.start, waiting, 1)
    cancelled = services.callbacks.cancel(SERVICE, waiting)
    assert work(services, agent_work.close, waiting, 1, reached=True) == cancelled
    assert [event for event, _, _ in history(services, waiting)][-1] == "cancel"


def test_postpone_walks_a_held_callback_back_to_scheduled(
    services: bootstrap.Services, waiting: UUID
) -> None:
    period = add_period(services)
    work(services, agent_work.take, waiting, 1)
    moved = work(services, agent_work.postpone, waiting, 1, due_date=date(2026, 1, 12),
                 period_id=period, log_prefix="xivo:")  # fmt: skip
    assert (moved.state, moved.owner_agent_id, moved.next_action_at) == (
        State.SCHEDULED, None, None,
    )  # fmt: skip
    assert (moved.due_date, moved.period_id) == (date(2026, 1, 12), period)
    assert [(e, s) for e, s, _ in history(services, waiting)][-2:] == [
        ("xivo:release", State.WAITING), ("xivo:reschedule", State.SCHEDULED),
    ]  # fmt: skip
    kept = work(services, agent_work.postpone, waiting, None, due_date=None, period_id=None)
    assert (kept.due_date, kept.period_id) == (date(2026, 1, 12), period)


def test_postpone_ends_an_attempt_under_way_with_a_new_dial_key(
    services: bootstrap.Services, waiting: UUID
) -> None:
    work(services, agent_work.take, waiting, 1)
    work(services, agent_work.start, waiting, 1)
    claim(services.store, NOW)
    with pytest.raises(errors.Conflict) as dialling:
        work(services, agent_work.postpone, waiting, 1, due_date=date(2026, 2, 1), period_id=None)
    assert refusal(dialling) is Obstacle.DIALLING
    services.callbacks.report_progress(SERVICE, waiting, Event.OFFER, telephony_status="QUEUED",
                                       log_as="offer")  # fmt: skip
    moved = work(services, agent_work.postpone, waiting, 1, due_date=date(2026, 2, 1),
                 period_id=None)  # fmt: skip
    assert (moved.state, moved.attempts, moved.slot, moved.lease) == (State.SCHEDULED, 1, 1, None)
    assert [e for e, _, _ in history(services, waiting)][-2:] == ["retry", "reschedule"]


def test_postpone_refuses_another_agents_callback_and_an_ended_one(
    services: bootstrap.Services, waiting: UUID, clock: FakeClock
) -> None:
    work(services, agent_work.take, waiting, 1)
    for agent_id in (None, 2):
        with pytest.raises(errors.Conflict) as taken:
            work(services, agent_work.postpone, waiting, agent_id, due_date=date(2026, 2, 1),
                 period_id=None)  # fmt: skip
        assert refusal(taken) is Obstacle.TAKEN
    clock.advance(seconds=1)
    services.callbacks.cancel(SERVICE, waiting)
    with pytest.raises(errors.Conflict) as ended:
        work(services, agent_work.postpone, waiting, 1, due_date=None, period_id=None)
    assert refusal(ended) is Obstacle.ENDED
    assert stored(services, waiting).updated_at == NOW + timedelta(seconds=1)
