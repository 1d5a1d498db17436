from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ringback.domain import errors
from ringback.domain.retry import (
    MissedAction,
    RetryPolicy,
    after_failure,
    expires_at,
    is_missed,
)
from ringback.domain.states import Event, Reason

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy()


def test_defaults_follow_the_architecture() -> None:
    assert (
        RetryPolicy(
            max_attempts=3,
            delay_seconds=300,
            jitter=0.1,
            ttl_seconds=86400,
            missed_grace_seconds=900,
            missed_action=MissedAction.RETRY,
        )
        == POLICY
    )
    assert [a.value for a in MissedAction] == ["retry", "next_day", "close"]


@pytest.mark.parametrize(
    ("spread", "seconds"),
    [(0.0, 270.0), (0.25, 285.0), (0.5, 300.0), (0.75, 315.0), (0.999999, 329.99994)],
)
def test_a_failure_with_attempts_left_is_retried_within_the_jitter_band(
    spread: float, seconds: float
) -> None:
    decision = after_failure(POLICY, attempts=1, reason=Reason.NO_ANSWER, now=NOW, spread=spread)
    assert decision.event is Event.RETRY
    assert decision.reason is Reason.NO_ANSWER
    assert decision.next_attempt_at is not None
    delay = (decision.next_attempt_at - NOW).total_seconds()
    assert delay == pytest.approx(seconds, abs=1e-3)
    assert 0.9 * 300 <= delay <= 1.1 * 300


def test_without_jitter_the_delay_is_exact() -> None:
    policy = RetryPolicy(delay_seconds=60, jitter=0.0)
    for spread in (0.0, 0.5, 0.99):
        decision = after_failure(policy, attempts=1, reason=Reason.BUSY, now=NOW, spread=spread)
        assert decision.next_attempt_at == NOW + timedelta(seconds=60)


def test_a_zero_delay_retries_at_once() -> None:
    policy = RetryPolicy(delay_seconds=0)
    decision = after_failure(policy, attempts=1, reason=Reason.TIMEOUT, now=NOW, spread=0.7)
    assert decision.next_attempt_at == NOW


@pytest.mark.parametrize(
    "reason",
    [
        Reason.NO_ANSWER,
        Reason.BUSY,
        Reason.FAILED,
        Reason.AGENT_ABANDONED,
        Reason.IVR_FAILURE,
        Reason.TIMEOUT,
    ],
    ids=str,
)
def test_every_retryable_reason_is_kept_on_retry(reason: Reason) -> None:
    decision = after_failure(POLICY, attempts=2, reason=reason, now=NOW, spread=0.5)
    assert (decision.event, decision.reason) == (Event.RETRY, reason)
    assert decision.next_attempt_at == NOW + timedelta(seconds=300)


@pytest.mark.parametrize("attempts", [3, 4, 10])
def test_no_attempt_left_gives_up_with_max_attempts(attempts: int) -> None:
    decision = after_failure(POLICY, attempts=attempts, reason=Reason.BUSY, now=NOW, spread=0.5)
    assert decision.event is Event.GIVE_UP
    assert decision.reason is Reason.MAX_ATTEMPTS
    assert decision.next_attempt_at is None


def test_max_attempts_of_one_gives_up_after_the_first_failure() -> None:
    policy = RetryPolicy(max_attempts=1)
    decision = after_failure(policy, attempts=1, reason=Reason.NO_ANSWER, now=NOW, spread=0.5)
    assert decision.event is Event.GIVE_UP


@pytest.mark.parametrize("attempts", [0, 1, 2, 3, 10])
def test_an_invalid_number_is_rejected_whatever_the_attempts(attempts: int) -> None:
    decision = after_failure(
        POLICY, attempts=attempts, reason=Reason.INVALID_NUMBER, now=NOW, spread=0.5
    )
    assert decision.event is Event.REJECT_NUMBER
    assert decision.reason is Reason.INVALID_NUMBER
    assert decision.next_attempt_at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": -1}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"max_attempts": "3"}, "max_attempts"),
        ({"delay_seconds": -1}, "retry_delay_seconds"),
        ({"delay_seconds": 1.5}, "retry_delay_seconds"),
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"ttl_seconds": False}, "ttl_seconds"),
        ({"missed_grace_seconds": -1}, "missed_grace_seconds"),
        ({"jitter": 1.0}, "retry_jitter"),
        ({"jitter": -0.01}, "retry_jitter"),
    ],
    ids=str,
)
def test_bad_values_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(errors.Invalid) as raised:
        RetryPolicy(**changes)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert field.removeprefix("retry_") in raised.value.message


def test_edge_values_are_accepted() -> None:
    policy = RetryPolicy(
        max_attempts=1, delay_seconds=0, jitter=0.0, ttl_seconds=1, missed_grace_seconds=0
    )
    assert policy.max_attempts == 1
    assert RetryPolicy(jitter=0.999).jitter == 0.999


def test_expires_ttl_after_the_desired_time() -> None:
    assert expires_at(POLICY, NOW) == NOW + timedelta(days=1)
    assert expires_at(RetryPolicy(ttl_seconds=60), NOW) == datetime(2026, 1, 5, 9, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("late", "missed"),
    [
        (timedelta(seconds=-60), False),
        (timedelta(0), False),
        (timedelta(seconds=899), False),
        (timedelta(seconds=900), False),
        (timedelta(seconds=900, microseconds=1), True),
        (timedelta(hours=2), True),
    ],
    ids=str,
)
def test_missed_only_beyond_the_grace(late: timedelta, missed: bool) -> None:
    assert is_missed(POLICY, due_at=NOW, now=NOW + late) is missed


def test_zero_grace_misses_anything_late() -> None:
    policy = RetryPolicy(missed_grace_seconds=0)
    assert not is_missed(policy, due_at=NOW, now=NOW)
    assert is_missed(policy, due_at=NOW, now=NOW + timedelta(microseconds=1))
