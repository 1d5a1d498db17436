"""A supervisor or teacher sees and touches only its queues; foreign things answer not-found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

import pytest

from ringback.core import Core
from ringback.domain import errors
from ringback.domain.people import Agent, Membership, Principal, Profile, Rights, User
from ringback.domain.queues import QueueSettings
from ringback.domain.states import State
from ringback.services.callbacks import Outcome
from ringback.services.ports import CallbackQuery
from ringback.testing import FakeClock, memory_core
from tests.factories import NOW, SERVICE, new_callback, principal


@dataclass
class World:
    """Two queues, one callback and one agent in each, one agent in both."""

    core: Core
    mine: UUID
    foreign: UUID


@pytest.fixture
def world() -> Iterator[World]:
    core = memory_core(FakeClock(NOW))
    for queue_id in (1, 2):
        core.queues.create(SERVICE, QueueSettings(name=f"q{queue_id}"), queue_id)
    mine = core.callbacks.create(SERVICE, new_callback(1)).id
    foreign = core.callbacks.create(SERVICE, new_callback(2)).id
    core.agents.create(SERVICE, Agent(11, "Ann", "One", "1011", queues=(Membership(1),)))
    core.agents.create(SERVICE, Agent(12, "Bob", "Two", "1012", queues=(Membership(2),)))
    both = (Membership(1), Membership(2, 3))
    core.agents.create(SERVICE, Agent(13, "Cy", "Both", "1013", queues=both))
    core.agents.create(SERVICE, Agent(14, "Di", "None", "1014"))
    yield World(core, mine, foreign)
    core.store.engine.dispose()


@pytest.fixture(params=[Profile.SUPERVISOR, Profile.TEACHER], ids=str)
def limited(request: pytest.FixtureRequest) -> Principal:
    return principal("limited", profile=request.param, queue_ids=(1,))


def test_the_service_and_an_admin_see_everything(world: World) -> None:
    admin = Principal.of(User("boss", Profile.ADMIN))
    for actor in (SERVICE, admin):
        assert [q.id for q in world.core.queues.list(actor)] == [1, 2]
        assert world.core.callbacks.find(actor, CallbackQuery()).total == 2
        assert [a.id for a in world.core.agents.list(actor)] == [11, 12, 13, 14]


def test_a_limited_user_lists_only_its_queues(world: World, limited: Principal) -> None:
    assert [q.id for q in world.core.queues.list(limited)] == [1]
    assert world.core.queues.get(limited, 1).name == "q1"
    assert world.core.queues.find_by_name(limited, "q1").id == 1


def test_a_limited_user_finds_only_its_callbacks(world: World, limited: Principal) -> None:
    find = world.core.callbacks.find
    page = find(limited, CallbackQuery())
    assert (page.total, [c.id for c in page.items]) == (1, [world.mine])
    assert find(limited, CallbackQuery(queue_ids=[2])).total == 0
    assert [c.id for c in find(limited, CallbackQuery(queue_ids=[1, 2])).items] == [world.mine]
    assert find(limited, CallbackQuery(states=[State.WAITING])).total == 1


def test_a_limited_user_lists_only_agents_of_its_queues(world: World, limited: Principal) -> None:
    assert [a.id for a in world.core.agents.list(limited)] == [11, 13]
    assert world.core.agents.get(limited, 13).id == 13


def test_a_user_without_queues_sees_nothing(world: World) -> None:
    nobody = principal("nobody", queue_ids=())
    assert world.core.queues.list(nobody) == []
    assert world.core.callbacks.find(nobody, CallbackQuery()).total == 0
    assert world.core.agents.list(nobody) == []


def test_foreign_things_are_not_found(world: World, limited: Principal) -> None:
    s = world.core
    attempts: list[Callable[[], object]] = [
        lambda: s.queues.get(limited, 2),
        lambda: s.queues.find_by_name(limited, "q2"),
        lambda: s.callbacks.get(limited, world.foreign),
        lambda: s.callbacks.cancel(limited, world.foreign),
        lambda: s.callbacks.record_outcome(
            limited, world.foreign, dial_key=f"{world.foreign}:0", outcome=Outcome.COMPLETED
        ),
        lambda: s.callbacks.create(limited, new_callback(2)),
        lambda: s.agents.get(limited, 12),
        lambda: s.agents.get(limited, 14),
    ]
    for attempt in attempts:
        with pytest.raises(errors.NotFound):
            attempt()
    assert s.callbacks.get(SERVICE, world.foreign).callback.state is State.WAITING
    assert s.callbacks.find(SERVICE, CallbackQuery(queue_ids=[2])).total == 1


def test_a_limited_user_works_the_callbacks_of_its_queue(world: World, limited: Principal) -> None:
    created = world.core.callbacks.create(limited, new_callback(1, phone_number="5115"))
    assert created.created_by == "limited"
    assert world.core.callbacks.get(limited, world.mine).callback.id == world.mine
    cancelled = world.core.callbacks.cancel(limited, world.mine)
    assert cancelled.state is State.CANCELLED
    assert world.core.callbacks.get(SERVICE, world.mine).history[-1].actor == "limited"


def test_changes_to_queues_agents_and_users_are_forbidden(world: World, limited: Principal) -> None:
    s = world.core
    agent = Agent(15, "Ed", "New", "1015", queues=(Membership(1),))
    user = User("newcomer", Profile.SUPERVISOR, rights=Rights(queue_ids=(1,)))
    attempts: list[Callable[[], object]] = [
        lambda: s.queues.create(limited, QueueSettings(name="q3")),
        lambda: s.queues.replace(limited, 1, QueueSettings(name="q1")),
        lambda: s.queues.patch(limited, 1, {"max_attempts": 5}),
        lambda: s.queues.delete(limited, 1),
        lambda: s.agents.create(limited, agent),
        lambda: s.agents.update(limited, Agent(11, "Ann", "Changed", "1011")),
        lambda: s.agents.delete(limited, 11),
        lambda: s.users.create(limited, user, "password-1"),
        lambda: s.users.update(limited, user, None),
        lambda: s.users.set_rights(limited, "limited", Profile.ADMIN, Rights()),
        lambda: s.users.delete(limited, "admin"),
    ]
    for attempt in attempts:
        with pytest.raises(errors.Forbidden):
            attempt()
    assert [q.id for q in s.queues.list(SERVICE)] == [1, 2]
    assert s.queues.get(SERVICE, 1).settings.max_attempts == 3
    assert [a.id for a in s.agents.list(SERVICE)] == [11, 12, 13, 14]
    assert s.agents.get(SERVICE, 11).lastname == "One"
    assert s.users.list(SERVICE) == []
