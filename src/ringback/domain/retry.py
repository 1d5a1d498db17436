"""Retry, time-to-live and missed-callback policy.

After a failed attempt the callback waits `delay ± jitter` and is tried again, until
`max_attempts` attempts have been made; an invalid number is never retried. A callback that is
still waiting `ttl_seconds` after its desired time expires. A scheduled callback that the
dispatcher reaches more than `missed_grace_seconds` late follows `missed_action`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ringback.domain import errors
from ringback.domain.states import Event, Reason

NEVER_RETRIED = frozenset({Reason.INVALID_NUMBER})
#: the longest delay, TTL or grace: one year
MAX_SECONDS = 366 * 86400


class MissedAction(StrEnum):
    """What to do with a scheduled callback reached too late."""

    RETRY = "retry"  # dial it anyway, now
    NEXT_DAY = "next_day"  # move it to the same local time on the next day
    CLOSE = "close"  # expire it


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how far apart a callback is attempted, and how long it lives."""

    max_attempts: int = 3
    delay_seconds: int = 300
    jitter: float = 0.1
    ttl_seconds: int = 86400
    missed_grace_seconds: int = 900
    missed_action: MissedAction = MissedAction.RETRY

    def __post_init__(self) -> None:
        _within("max_attempts", self.max_attempts, 1, 100)
        _within("retry_delay_seconds", self.delay_seconds, 0, MAX_SECONDS)
        _within("ttl_seconds", self.ttl_seconds, 1, MAX_SECONDS)
        _within("missed_grace_seconds", self.missed_grace_seconds, 0, MAX_SECONDS)
        if not 0 <= self.jitter < 1:
            raise errors.Invalid("retry_jitter must be in [0, 1)", field="retry_jitter")


def _within(field: str, value: int, floor: int, ceiling: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not floor <= value <= ceiling:
        raise errors.Invalid(
            f"{field} must be an integer between {floor} and {ceiling}", field=field
        )


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """The event to apply after a failed attempt, and when to try next (None: never)."""

    event: Event
    reason: Reason
    next_attempt_at: datetime | None


def after_failure(
    policy: RetryPolicy, *, attempts: int, reason: Reason, now: datetime, spread: float
) -> RetryDecision:
    """Decide what follows a failed attempt; `attempts` counts the one that just failed.

    `spread` is a number in [0, 1) chosen by the caller (randomly in production) that places
    the delay within its jitter band, so that the decision itself stays deterministic.
    """
    if reason in NEVER_RETRIED:
        return RetryDecision(Event.REJECT_NUMBER, reason, None)
    if attempts >= policy.max_attempts:
        return RetryDecision(Event.GIVE_UP, Reason.MAX_ATTEMPTS, None)
    factor = 1 + policy.jitter * (2 * spread - 1)
    delay = timedelta(seconds=policy.delay_seconds * factor)
    return RetryDecision(Event.RETRY, reason, now + delay)


def expires_at(policy: RetryPolicy, desired_time: datetime) -> datetime:
    """Return when a callback wanted at `desired_time` expires if still not done."""
    return desired_time + timedelta(seconds=policy.ttl_seconds)


def is_missed(policy: RetryPolicy, *, due_at: datetime, now: datetime) -> bool:
    """Tell whether a scheduled callback reached at `now` is later than the grace allows."""
    return now - due_at > timedelta(seconds=policy.missed_grace_seconds)
