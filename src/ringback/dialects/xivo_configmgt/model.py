"""XiVO's own values: callback lists, preferred periods, tickets and queue dissuasions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from uuid import UUID

from ringback.domain import errors

MAX_NAME = 128


def check_name(name: object) -> None:
    """Refuse a list or period name that is blank, too long or holds NUL (PostgreSQL refuses it)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise errors.Invalid(f"name must be 1 to {MAX_NAME} characters, without NUL",
                             field="name")  # fmt: skip


@dataclass(frozen=True, slots=True)
class CallbackList:
    """A named set of callback requests bound to a queue."""

    uuid: UUID
    name: str
    queue_id: int

    def __post_init__(self) -> None:
        check_name(self.name)


@dataclass(frozen=True, slots=True)
class Period:
    """A preferred time of day for a callback (for example "Morning", 09:00 to 12:00)."""

    uuid: UUID
    name: str
    start: time
    end: time
    default: bool = False

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.end <= self.start:
            raise errors.Invalid("periodEnd must be after periodStart", field="periodEnd")


class TicketStatus(StrEnum):
    """How an agent sums up a callback attempt (XiVO CCAgent's statuses)."""

    ANSWERED = "Answered"
    NO_ANSWER = "NoAnswer"
    FAX = "Fax"
    EMAIL = "Email"
    CALLBACK = "Callback"  # the customer asked to be called again: the request is rescheduled


#: the statuses that close a request (make it clotured); Callback reschedules instead
CLOSING_STATUSES = (TicketStatus.ANSWERED, TicketStatus.NO_ANSWER, TicketStatus.FAX,
                    TicketStatus.EMAIL)  # fmt: skip
#: the statuses whose request counts as reached (completed); the others count as failed
REACHED_STATUSES = frozenset({TicketStatus.ANSWERED, TicketStatus.EMAIL})
MAX_COMMENT = 2000


def ticket_status(raw: object, *, allowed: tuple[TicketStatus, ...]) -> TicketStatus:
    """Return the ticket status named by `raw`, refusing one outside `allowed`."""
    names = ", ".join(s.value for s in allowed)
    if not isinstance(raw, str) or raw not in {s.value for s in allowed}:
        raise errors.Invalid(f"status must be one of {names} (got {raw!r})", field="status")
    return TicketStatus(raw)


def check_comment(comment: object) -> str:
    """Return a ticket comment, refusing a non-string or one over MAX_COMMENT characters."""
    if comment is None:
        return ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT or "\x00" in comment:
        raise errors.Invalid(f"comment must be text of at most {MAX_COMMENT} characters, "
                             "without NUL", field="comment")  # fmt: skip
    return comment


@dataclass(frozen=True, slots=True)
class Ticket:
    """One agent's attempt on a XiVO callback request, and how it ended."""

    uuid: UUID
    callback_id: UUID
    list_id: UUID | None
    agent_id: int
    agent: str  # the agent's number, as XiVO shows it
    started_at: datetime
    updated_at: datetime
    status: TicketStatus | None = None
    comment: str = ""
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the agent has not yet summed the attempt up."""
        return self.closed_at is None


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def parse_date(raw: str, *, field: str = "dueDate") -> date:
    """Return the date of a `YYYY-MM-DD` text."""
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise errors.Invalid(f"{field} must be a date YYYY-MM-DD (got {raw!r})",
                             field=field) from None  # fmt: skip


def parse_time(raw: object, *, field: str) -> time:
    """Return the time of an `HH:MM:SS` (or `HH:MM`) text."""
    try:
        if not isinstance(raw, str) or not _TIME.match(raw):
            raise ValueError(raw)
        return time.fromisoformat(raw)
    except ValueError:
        raise errors.Invalid(f"{field} must be a time HH:MM:SS (got {raw!r})",
                             field=field) from None  # fmt: skip


# --- Queue dissuasion ---


class DissuasionKind(StrEnum):
    """Where a queue sends callers it turns away."""

    SOUND_FILE = "soundFile"
    QUEUE = "queue"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Dissuasion:
    """A queue's dissuasion: a sound file name (without extension), another queue, or neither."""

    queue_id: int
    kind: DissuasionKind
    value: str = ""
