"""Cancelling a callback and recording the outcome of its attempts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.testing import FakeClock
from tests.api.helpers import (
    JSON,
    V1,
    assert_error,
    at,
    claim_due,
    create_callback,
    create_queue,
    get_callback,
    ok,
    post_outcome,
)

RETRIED = ["no_answer", "busy", "failed", "agent_abandoned"]


@pytest.fixture
def dialled(api: TestClient, core: Core, clock: FakeClock) -> JSON:
    """A callback of a default queue, claimed by the dispatcher (its first attempt)."""
    create_queue(api)
    callback = create_callback(api, 1)
    assert claim_due(core, clock) == [callback["id"]]
    return get_callback(api, callback["id"])


def redial(api: TestClient, core: Core, clock: FakeClock, callback: JSON) -> JSON:
    """Wait until the callback is due again and let the dispatcher claim it."""
    clock.set(at(callback["next_action_at"]) + timedelta(seconds=1))
    assert claim_due(core, clock) == [callback["id"]]
    return get_callback(api, callback["id"])


def unchanged(api: TestClient, before: JSON) -> None:
    after = get_callback(api, before["id"])
    assert {k: after[k] for k in ("state", "attempts", "dial_key", "reason")} == {
        k: before[k] for k in ("state", "attempts", "dial_key", "reason")
    }


def test_a_claimed_callback_is_dispatching_on_its_first_slot(dialled: JSON) -> None:
    assert dialled["state"] == "dispatching"
    assert dialled["dial_key"] == f"{dialled['id']}:0"


def test_completed_ends_the_callback(api: TestClient, dialled: JSON, clock: FakeClock) -> None:
    clock.advance(seconds=40)
    done = ok(post_outcome(api, dialled, "completed"))
    assert done["state"] == "completed"
    assert done["reason"] == "completed"
    assert done["attempts"] == 1
    assert at(done["completed_at"]) == clock.now()
    stored = get_callback(api, dialled["id"])
    assert stored["state"] == "completed"
    assert stored["history"][-1]["event"] == "outcome:completed"
    assert stored["history"][-1]["to_state"] == "completed"


@pytest.mark.parametrize("result", RETRIED)
def test_a_failed_attempt_waits_for_the_retry_delay_on_a_new_slot(
    api: TestClient, dialled: JSON, clock: FakeClock, result: str
) -> None:
    retried = ok(post_outcome(api, dialled, result))
    assert retried["state"] == "waiting"
    assert retried["reason"] == result
    assert retried["attempts"] == 1
    assert retried["dial_key"] == f"{dialled['id']}:1"
    assert retried["completed_at"] is None
    delay = (at(retried["next_action_at"]) - clock.now()).total_seconds()
    assert 270 <= delay <= 330
    assert get_callback(api, dialled["id"])["dial_key"] == f"{dialled['id']}:1"


def test_the_retry_delay_follows_the_queue(api: TestClient, core: Core, clock: FakeClock) -> None:
    create_queue(api, retry_delay_seconds=1000)
    callback = create_callback(api, 1)
    claim_due(core, clock)
    retried = ok(post_outcome(api, callback, "no_answer"))
    assert 900 <= (at(retried["next_action_at"]) - clock.now()).total_seconds() <= 1100


def test_the_callback_fails_after_max_attempts(
    api: TestClient, core: Core, clock: FakeClock, dialled: JSON
) -> None:
    current = dialled
    for slot, result in enumerate(["no_answer", "busy"], start=1):
        current = ok(post_outcome(api, current, result))
        assert (current["state"], current["attempts"]) == ("waiting", slot)
        current = redial(api, core, clock, current)
        assert current["dial_key"] == f"{dialled['id']}:{slot}"
    failed = ok(post_outcome(api, current, "no_answer"))
    assert failed["state"] == "failed"
    assert failed["reason"] == "max_attempts"
    assert failed["attempts"] == 3
    assert failed["completed_at"] is not None
    events = [e["event"] for e in get_callback(api, dialled["id"])["history"]]
    assert events == ["create", "outcome:no_answer", "outcome:busy", "outcome:no_answer"]


def test_max_attempts_follows_the_queue(api: TestClient, core: Core, clock: FakeClock) -> None:
    create_queue(api, max_attempts=1)
    callback = create_callback(api, 1)
    claim_due(core, clock)
    failed = ok(post_outcome(api, callback, "busy"))
    assert (failed["state"], failed["reason"], failed["attempts"]) == ("failed", "max_attempts", 1)


def test_an_invalid_number_fails_at_once(api: TestClient, dialled: JSON) -> None:
    failed = ok(post_outcome(api, dialled, "invalid_number"))
    assert failed["state"] == "failed"
    assert failed["reason"] == "invalid_number"
    assert failed["attempts"] == 1
    assert get_callback(api, dialled["id"])["state"] == "failed"


def test_the_detail_is_kept_in_the_history(api: TestClient, dialled: JSON) -> None:
    body = {"dial_key": dialled["dial_key"], "result": "busy", "detail": "line engaged"}
    ok(api.post(f"{V1}/callbacks/{dialled['id']}/outcome", json=body))
    last = get_callback(api, dialled["id"])["history"][-1]
    assert last["event"] == "outcome:busy"
    assert (last["from_state"], last["to_state"], last["reason"]) == (
        "dispatching",
        "waiting",
        "busy",
    )
    assert "line engaged" in str(last["detail"])


def test_a_stale_dial_key_is_a_conflict(
    api: TestClient, core: Core, clock: FakeClock, dialled: JSON
) -> None:
    first_key = dialled["dial_key"]
    retried = ok(post_outcome(api, dialled, "no_answer"))
    current = redial(api, core, clock, retried)
    assert_error(post_outcome(api, current, "completed", dial_key=first_key), 409, field="dial_key")
    unchanged(api, current)


def test_an_unknown_dial_key_is_a_conflict(api: TestClient, dialled: JSON) -> None:
    response = post_outcome(api, dialled, "completed", dial_key=f"{dialled['id']}:7")
    assert_error(response, 409, field="dial_key")
    unchanged(api, dialled)


def test_the_same_outcome_twice_is_refused_the_second_time(api: TestClient, dialled: JSON) -> None:
    ok(post_outcome(api, dialled, "completed"))
    assert_error(post_outcome(api, dialled, "completed"), 409)
    assert len(get_callback(api, dialled["id"])["history"]) == 2


def test_an_outcome_for_a_callback_not_in_an_attempt_is_a_conflict(api: TestClient) -> None:
    create_queue(api)
    waiting = create_callback(api, 1)
    assert_error(post_outcome(api, waiting, "completed"), 409)
    unchanged(api, waiting)


def test_an_outcome_for_an_unknown_callback_is_not_found(api: TestClient) -> None:
    ghost = {"id": "00000000-0000-4000-8000-000000000000", "dial_key": "x:0"}
    assert_error(post_outcome(api, ghost, "completed"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"result": "completed"}, "dial_key"),
        ({"dial_key": "", "result": "completed"}, "dial_key"),
        ({"dial_key": "k"}, "result"),
        ({"dial_key": "k", "result": "answered"}, "result"),
        ({"dial_key": "k", "result": "completed", "extra": 1}, "extra"),
        ({"dial_key": 0, "result": "completed"}, "dial_key"),
    ],
)
def test_a_bad_outcome_body_changes_nothing(
    api: TestClient, dialled: JSON, body: dict[str, Any], field: str
) -> None:
    response = api.post(f"{V1}/callbacks/{dialled['id']}/outcome", json=body)
    assert_error(response, 400, "invalid", field)
    unchanged(api, dialled)


# --- cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize("desired", [None, "2026-01-05T15:00:00Z"])
def test_a_waiting_or_scheduled_callback_can_be_cancelled(
    api: TestClient, clock: FakeClock, desired: str | None
) -> None:
    create_queue(api)
    callback = create_callback(api, 1, desired_time=desired)
    clock.advance(minutes=1)
    cancelled = ok(api.post(f"{V1}/callbacks/{callback['id']}/cancel"))
    assert cancelled["state"] == "cancelled"
    assert cancelled["reason"] == "cancelled"
    assert at(cancelled["completed_at"]) == clock.now()
    assert get_callback(api, callback["id"])["state"] == "cancelled"


def test_a_cancelled_callback_cannot_be_cancelled_again(api: TestClient) -> None:
    create_queue(api)
    callback = create_callback(api, 1)
    ok(api.post(f"{V1}/callbacks/{callback['id']}/cancel"))
    assert_error(api.post(f"{V1}/callbacks/{callback['id']}/cancel"), 409)
    assert len(get_callback(api, callback["id"])["history"]) == 2


def test_a_callback_being_dispatched_cannot_be_cancelled(api: TestClient, dialled: JSON) -> None:
    assert_error(api.post(f"{V1}/callbacks/{dialled['id']}/cancel"), 409)
    unchanged(api, dialled)


def test_a_completed_callback_cannot_be_cancelled(api: TestClient, dialled: JSON) -> None:
    done = ok(post_outcome(api, dialled, "completed"))
    assert_error(api.post(f"{V1}/callbacks/{dialled['id']}/cancel"), 409)
    unchanged(api, done)


def test_cancelling_an_unknown_callback_is_not_found(api: TestClient) -> None:
    response = api.post(f"{V1}/callbacks/00000000-0000-4000-8000-000000000000/cancel")
    assert_error(response, 404, "not_found")
