"""Queues: one queue is at once a UCCX CSQ, a XiVO queue, a GMS service and an Ameyo campaign."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from ringback.domain import errors
from ringback.domain.capacity import CapacityPolicy
from ringback.domain.hours import BusinessHours
from ringback.domain.numbers import NumberPolicy
from ringback.domain.retry import MissedAction, RetryPolicy

QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,127}$")


class DispatchMode(StrEnum):
    """When a waiting callback is handed to telephony."""

    POSITION = "position"  # keep the place in line: dial when an agent is ready and it is the head
    SCHEDULED = "scheduled"  # dial at the desired time
    IMMEDIATE = "immediate"  # dial as soon as a slot allows


class Dedup(StrEnum):
    """How many open callbacks one number may have in one queue."""

    ON = "true"  # at most 2, the GMS default
    STRICT = "strict"  # at most 1
    OFF = "false"  # no limit

    @property
    def limit(self) -> int | None:
        """Return the most open callbacks allowed per number, None for no limit."""
        return {Dedup.ON: 2, Dedup.STRICT: 1, Dedup.OFF: None}[self]


class TelephonyKind(StrEnum):
    """Which telephony adapter carries a queue's dial requests."""

    SIMULATOR = "simulator"
    UCCX = "uccx"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSettings:
    """A queue's settings as plain values, with the defaults of ARCHITECTURE.md §2."""

    name: str
    aliases: tuple[str, ...] = ()
    timezone: str = "UTC"
    accepting_callbacks: bool = True
    business_hours: tuple[str, ...] = ()
    open_dates: tuple[str, ...] = ()
    closed_dates: tuple[str, ...] = ()
    holiday_country: str | None = None
    reject_out_of_hours: bool = False
    bucket_minutes: int = 5
    max_per_bucket: int = 100
    horizon: str = "1M"
    max_attempts: int = 3
    retry_delay_seconds: int = 300
    ttl_seconds: int = 86400
    missed_grace_seconds: int = 900
    missed_action: MissedAction = MissedAction.RETRY
    dedup: Dedup = Dedup.ON
    default_country: str = "US"
    reject_premium_numbers: bool = True
    reject_impossible_numbers: bool = False
    number_exceptions: tuple[str, ...] = ()
    dispatch_mode: DispatchMode = DispatchMode.IMMEDIATE
    telephony: TelephonyKind = TelephonyKind.SIMULATOR

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON values (lists, strings, numbers, booleans)."""
        out: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Enum):
                value = value.value
            out[item.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, slots=True)
class Queue:
    """A callback queue and every rule that applies to its callbacks.

    Built from its settings, which it keeps so that they read back exactly as written; building
    validates every setting and raises errors.Invalid naming the first bad one.
    """

    id: int
    settings: QueueSettings
    hours: BusinessHours = field(init=False)
    capacity: CapacityPolicy = field(init=False)
    retry: RetryPolicy = field(init=False)
    numbers: NumberPolicy = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise errors.Invalid("id must be a positive integer", field="id")
        s = self.settings
        check_queue_name(s.name, field_name="name")
        for alias in s.aliases:
            check_queue_name(alias, field_name="aliases")
        if s.name in s.aliases or len(set(s.aliases)) != len(s.aliases):
            raise errors.Invalid("aliases repeat a name", field="aliases")
        _derive(self, "hours", _hours(s))
        _derive(self, "capacity", _capacity(s))
        _derive(self, "retry", _retry(s))
        _derive(self, "numbers", _numbers(s))

    @property
    def name(self) -> str:
        """Return the queue's name (UCCX CSQ name, GMS service name)."""
        return self.settings.name

    @property
    def timezone(self) -> str:
        """Return the queue's IANA time zone."""
        return self.settings.timezone

    def answers_to(self, name: str) -> bool:
        """Tell whether `name` is this queue's name or one of its aliases."""
        return name == self.settings.name or name in self.settings.aliases


def _derive(queue: Queue, name: str, value: object) -> None:
    object.__setattr__(queue, name, value)  # frozen: derived once, at construction


def _hours(s: QueueSettings) -> BusinessHours:
    return BusinessHours.parse(
        timezone=s.timezone,
        business_hours=s.business_hours,
        open_dates=s.open_dates,
        closed_dates=s.closed_dates,
        holiday_country=s.holiday_country,
    )


def _capacity(s: QueueSettings) -> CapacityPolicy:
    return CapacityPolicy(
        bucket_minutes=s.bucket_minutes, max_per_bucket=s.max_per_bucket, horizon=s.horizon
    )


def _retry(s: QueueSettings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=s.max_attempts,
        delay_seconds=s.retry_delay_seconds,
        ttl_seconds=s.ttl_seconds,
        missed_grace_seconds=s.missed_grace_seconds,
        missed_action=s.missed_action,
    )


def _numbers(s: QueueSettings) -> NumberPolicy:
    return NumberPolicy(
        default_country=s.default_country,
        reject_premium_numbers=s.reject_premium_numbers,
        reject_impossible_numbers=s.reject_impossible_numbers,
        exceptions=s.number_exceptions,
    )


def check_queue_name(name: str, *, field_name: str) -> None:
    """Refuse a queue name or alias that is empty, too long or full of odd characters."""
    if not isinstance(name, str) or not QUEUE_NAME.match(name):
        raise errors.Invalid(
            f"{field_name} must be 1 to 128 letters, digits, spaces or _ . - (got {name!r})",
            field=field_name,
        )
