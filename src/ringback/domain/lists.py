"""XiVO callback lists, preferred periods and tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from uuid import UUID

from ringback.domain import errors


@dataclass(frozen=True, slots=True)
class CallbackList:
    """A named set of callback requests bound to a queue."""

    uuid: UUID
    name: str
    queue_id: int

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 128:
            raise errors.Invalid("name must be 1 to 128 characters", field="name")


@dataclass(frozen=True, slots=True)
class Period:
    """A preferred time of day for a callback (for example "Morning", 09:00 to 12:00)."""

    uuid: UUID
    name: str
    start: time
    end: time
    default: bool = False

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 128:
            raise errors.Invalid("name must be 1 to 128 characters", field="name")
        if self.end <= self.start:
            raise errors.Invalid("periodEnd must be after periodStart", field="periodEnd")


@dataclass(frozen=True, slots=True)
class Ticket:
    """One agent's attempt on a XiVO callback request, and how it ended."""

    uuid: UUID
    callback_id: UUID
    list_id: UUID | None
    agent: str
    started_at: datetime
    status: str | None = None
    comment: str = ""
    closed_at: datetime | None = None
