"""Batches of new callbacks: all or nothing, each refusal by its index; and the dry run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ringback.core import Core
from ringback.domain.queues import Dedup, QueueSettings
from ringback.domain.states import State
from ringback.services.callbacks import BatchRefused, Refusal
from ringback.services.ports import CallbackQuery
from ringback.testing import FakeClock, memory_core
from tests.factories import NOW, NUMBER, OTHER_NUMBER, SERVICE, new_callback


@pytest.fixture
def core() -> Iterator[Core]:
    """Queue 1, whose dedup allows one open callback per number."""
    built = memory_core(FakeClock(NOW))
    built.queues.create(SERVICE, QueueSettings(name="q1", dedup=Dedup.STRICT), 1)
    yield built
    built.store.engine.dispose()


def stored_count(core: Core) -> int:
    return core.callbacks.find(SERVICE, CallbackQuery(limit=10)).total


def test_a_batch_of_requests_waiting_for_agents_is_stored_without_dial_times(
    core: Core,
) -> None:
    batch = [new_callback(1, waits_for_agent=True), new_callback(1, phone_number=OTHER_NUMBER,
                                                                 waits_for_agent=True)]  # fmt: skip
    created = core.callbacks.create_many(SERVICE, 1, batch)
    assert [(c.state, c.next_action_at, c.expires_at) for c in created] == [
        (State.SCHEDULED, None, None), (State.SCHEDULED, None, None),
    ]  # fmt: skip
    assert {c.due_date for c in created} == {NOW.date()}
    assert core.callbacks.has_room(1, NOW)  # no capacity place was taken
    assert stored_count(core) == 2


def test_a_refused_batch_names_each_refused_request_and_stores_none(
    core: Core,
) -> None:
    batch = [new_callback(1), new_callback(1, phone_number="abc"), new_callback(1),
             new_callback(1, phone_number=OTHER_NUMBER)]  # fmt: skip
    with pytest.raises(BatchRefused) as refused:
        core.callbacks.create_many(SERVICE, 1, batch)
    assert [(r.index, r.field) for r in refused.value.refusals] == [
        (1, "phone_number"), (2, "phone_number"),  # a bad number; the second of one number
    ]  # fmt: skip
    assert NUMBER in refused.value.refusals[1].reason
    assert stored_count(core) == 0


def test_check_many_tells_the_same_refusals_and_stores_nothing(
    core: Core,
) -> None:
    batch = [new_callback(1), new_callback(1, phone_number="abc"), new_callback(1)]
    refusals = core.callbacks.check_many(SERVICE, 1, batch)
    assert [r.index for r in refusals] == [1, 2]
    assert all(isinstance(r, Refusal) for r in refusals)
    assert core.callbacks.check_many(SERVICE, 1, batch[:1]) == []
    assert stored_count(core) == 0
