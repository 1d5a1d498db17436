"""The agent's work on a callback: take, release, start, close, postpone, and what refuses them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert

from ringback.core import Core
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Agent, Membership, Principal
from ringback.domain.queues import QueueSettings
from ringback.domain.states import Event, Reason, State
from ringback.services.callbacks import agent_work, moves
from ringback.services.callbacks.agent_work import Obstacle
from ringback.store.tables import periods
from ringback.testing import FakeClock, memory_core
from tests.factories import NOW, SERVICE, claim, new_callback, principal

Step = Callable[..., Any]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def core(clock: FakeClock) -> Iterator[Core]:
    """Queues 1 and 2; agents 1 and 2 in queue 1, agent 3 in queue 2."""
    built = memory_core(clock)
    for queue_id in (1, 2):
        built.queues.create(SERVICE, QueueSettings(name=f"q{queue_id}"), queue_id)
    for agent_id, queue_id in ((1, 1), (2, 1), (3, 2)):
        agent = Agent(agent_id, "A", f"N{agent_id}", f"100{agent_id}",
                      queues=(Membership(queue_id),))  # fmt: skip
        built.agents.create(SERVICE, agent)
    yield built
    built.store.engine.dispose()


@pytest.fixture
def waiting(core: Core) -> UUID:
    """A callback of queue 1 that waits for an agent."""
    return core.callbacks.create(SERVICE, new_callback(1, waits_for_agent=True)).id


def work(
    core: Core, step: Step, callback_id: UUID, *args: Any,
    actor: Principal = SERVICE, **kwargs: Any,
) -> Any:  # fmt: skip
    """Run one agent_work step on a callback in its own unit of work, as a wing does."""
    with core.store.transaction() as tx:
        callback = moves.locked(tx, actor, callback_id)
        return step(tx, core.clock.now(), actor, callback, *args, **kwargs)


def history(core: Core, callback_id: UUID) -> list[tuple[str, Any, Any]]:
    return [(h.event, h.to_state, h.detail)
            for h in core.callbacks.get(SERVICE, callback_id).history]  # fmt: skip


def stored(core: Core, callback_id: UUID) -> Callback:
    return core.callbacks.get(SERVICE, callback_id).callback


def add_period(core: Core) -> UUID:
    """Store a preferred period (a XiVO table the callbacks refer to) and return its uuid."""
    period = uuid.uuid4()
    with core.store.transaction() as tx:
        tx.connection.execute(insert(periods).values(
            uuid=str(period), name="Afternoon", period_start="14:00:00", period_end="18:00:00",
            is_default=False,
        ))  # fmt: skip
    return period


def refusal(exc: pytest.ExceptionInfo[errors.Conflict]) -> Obstacle:
    return Obstacle(exc.value.details["obstacle"])


def test_take_reserves_the_callback_for_an_agent_of_its_queue(core: Core, waiting: UUID) -> None:
    taken = work(core, agent_work.take, waiting, 1, log_prefix="xivo:")
    assert (taken.state, taken.owner_agent_id) == (State.RESERVED, 1)
    again = work(core, agent_work.take, waiting, 1)  # harmless, and not logged again
    assert again == stored(core, waiting)
    assert history(core, waiting)[1:] == [("xivo:take", State.RESERVED, {"agent_id": 1})]


def test_take_refuses_another_agent_a_stranger_and_a_ghost(core: Core, waiting: UUID) -> None:
    work(core, agent_work.take, waiting, 1)
    with pytest.raises(errors.Conflict) as other:
        work(core, agent_work.take, waiting, 2)
    assert refusal(other) is Obstacle.TAKEN
    assert other.value.details["owner_agent_id"] == 1
    with pytest.raises(errors.Forbidden):  # agent 3 is not a member of queue 1
        work(core, agent_work.take, waiting, 3)
    with pytest.raises(errors.NotFound) as ghost:
        work(core, agent_work.take, waiting, 99)
    assert ghost.value.details["field"] == "agent_id"


def test_an_agent_of_another_team_is_not_found_by_a_supervisor(
    core: Core,
) -> None:
    foreign = core.callbacks.create(SERVICE, new_callback(2, waits_for_agent=True)).id
    supervisor = principal(queue_ids=(1,))
    with core.store.transaction() as tx:
        with pytest.raises(errors.NotFound):
            agent_work.agent_of_queue(tx, supervisor, 3, 2)  # agent 3 is of queue 2 only
        callback = moves.locked(tx, SERVICE, foreign)
        with pytest.raises(errors.NotFound):
            agent_work.take(tx, NOW, supervisor, callback, 3)


def test_take_refuses_a_started_or_ended_callback(core: Core, waiting: UUID) -> None:
    with pytest.raises(errors.Conflict) as started:
        work(core, agent_work.take, waiting, 1, started=True)
    assert refusal(started) is Obstacle.STARTED
    core.callbacks.cancel(SERVICE, waiting)
    with pytest.raises(errors.Conflict) as ended:
        work(core, agent_work.take, waiting, 1)
    assert refusal(ended) is Obstacle.ENDED
    assert [event for event, _, _ in history(core, waiting)] == ["create", "cancel"]


def test_release_gives_a_held_callback_back_to_everyone(core: Core, waiting: UUID) -> None:
    with pytest.raises(errors.Conflict) as not_held:
        work(core, agent_work.release, waiting, 1)
    assert (refusal(not_held), not_held.value.details["agent_id"]) == (Obstacle.NOT_HELD, 1)
    work(core, agent_work.take, waiting, 1)
    with pytest.raises(errors.Conflict):
        work(core, agent_work.release, waiting, 2)
    released = work(core, agent_work.release, waiting, 1)
    assert (released.state, released.owner_agent_id, released.next_action_at) == (
        State.WAITING, None, None,
    )  # fmt: skip
    assert work(core, agent_work.take, waiting, 2).owner_agent_id == 2


def test_start_hands_the_callback_to_the_dispatcher_reserved_for_its_agent(
    core: Core, waiting: UUID, clock: FakeClock
) -> None:
    with pytest.raises(errors.Conflict):  # take it first
        work(core, agent_work.start, waiting, 1)
    work(core, agent_work.take, waiting, 1)
    later = clock.advance(minutes=1)
    started, agent = work(core, agent_work.start, waiting, 1, ticket="t-1")
    assert agent.number == "1001"
    assert (started.state, started.owner_agent_id, started.next_action_at) == (
        State.WAITING, 1, later,
    )  # fmt: skip
    detail = {"agent_id": 1, "ticket": "t-1"}
    assert history(core, waiting)[-1] == ("start", State.WAITING, detail)
    assert [c.id for c in claim(core.store, later)] == [waiting]


def test_close_completes_a_reached_callback_and_counts_the_attempt(
    core: Core, waiting: UUID
) -> None:
    work(core, agent_work.take, waiting, 1)
    work(core, agent_work.start, waiting, 1)
    claim(core.store, NOW)  # dispatching: the attempt is under way
    closed = work(core, agent_work.close, waiting, 1, reached=True, status="Answered")
    assert (closed.state, closed.reason, closed.attempts, closed.completed_at) == (
        State.COMPLETED, Reason.COMPLETED, 1, NOW,
    )  # fmt: skip
    assert history(core, waiting)[-1] == ("close", State.COMPLETED,
                                              {"agent_id": 1, "status": "Answered"})  # fmt: skip


def test_close_fails_an_unreached_callback_with_the_reason(core: Core, waiting: UUID) -> None:
    work(core, agent_work.take, waiting, 1)
    work(core, agent_work.start, waiting, 1)
    closed = work(core, agent_work.close, waiting, 1, reached=False,
                  reason=Reason.INVALID_NUMBER)  # fmt: skip
    assert (closed.state, closed.reason, closed.attempts) == (
        State.FAILED, Reason.INVALID_NUMBER, 0,
    )  # fmt: skip


def test_close_leaves_a_callback_that_ended_meanwhile_as_it_is(core: Core, waiting: UUID) -> None:
    work(core, agent_work.take, waiting, 1)
    work(core, agent_work.start, waiting, 1)
    cancelled = core.callbacks.cancel(SERVICE, waiting)
    assert work(core, agent_work.close, waiting, 1, reached=True) == cancelled
    assert [event for event, _, _ in history(core, waiting)][-1] == "cancel"


def test_postpone_walks_a_held_callback_back_to_scheduled(core: Core, waiting: UUID) -> None:
    period = add_period(core)
    work(core, agent_work.take, waiting, 1)
    moved = work(core, agent_work.postpone, waiting, 1, due_date=date(2026, 1, 12),
                 period_id=period, log_prefix="xivo:")  # fmt: skip
    assert (moved.state, moved.owner_agent_id, moved.next_action_at) == (
        State.SCHEDULED, None, None,
    )  # fmt: skip
    assert (moved.due_date, moved.period_id) == (date(2026, 1, 12), period)
    assert [(e, s) for e, s, _ in history(core, waiting)][-2:] == [
        ("xivo:release", State.WAITING), ("xivo:reschedule", State.SCHEDULED),
    ]  # fmt: skip
    kept = work(core, agent_work.postpone, waiting, None, due_date=None, period_id=None)
    assert (kept.due_date, kept.period_id) == (date(2026, 1, 12), period)


def test_postpone_ends_an_attempt_under_way_with_a_new_dial_key(core: Core, waiting: UUID) -> None:
    work(core, agent_work.take, waiting, 1)
    work(core, agent_work.start, waiting, 1)
    claim(core.store, NOW)
    with pytest.raises(errors.Conflict) as dialling:
        work(core, agent_work.postpone, waiting, 1, due_date=date(2026, 2, 1), period_id=None)
    assert refusal(dialling) is Obstacle.DIALLING
    core.callbacks.report_progress(SERVICE, waiting, Event.OFFER, telephony_status="QUEUED",
                                       log_as="offer")  # fmt: skip
    moved = work(core, agent_work.postpone, waiting, 1, due_date=date(2026, 2, 1),
                 period_id=None)  # fmt: skip
    assert (moved.state, moved.attempts, moved.slot, moved.lease) == (State.SCHEDULED, 1, 1, None)
    assert [e for e, _, _ in history(core, waiting)][-2:] == ["retry", "reschedule"]


def test_postpone_refuses_another_agents_callback_and_an_ended_one(
    core: Core, waiting: UUID, clock: FakeClock
) -> None:
    work(core, agent_work.take, waiting, 1)
    for agent_id in (None, 2):
        with pytest.raises(errors.Conflict) as taken:
            work(core, agent_work.postpone, waiting, agent_id, due_date=date(2026, 2, 1),
                 period_id=None)  # fmt: skip
        assert refusal(taken) is Obstacle.TAKEN
    clock.advance(seconds=1)
    core.callbacks.cancel(SERVICE, waiting)
    with pytest.raises(errors.Conflict) as ended:
        work(core, agent_work.postpone, waiting, 1, due_date=None, period_id=None)
    assert refusal(ended) is Obstacle.ENDED
    assert stored(core, waiting).updated_at == NOW + timedelta(seconds=1)
