"""Domain errors: they carry meaning, never a transport status.

    RingbackError
     ├── Invalid          the input breaks a rule (names the field)
     ├── NotFound         the thing does not exist, or is not visible to the caller
     ├── Conflict         it exists already, or its state forbids the change
     │    └── IllegalTransition
     ├── Forbidden        the caller may not do this
     ├── Unauthenticated  no valid credentials
     ├── Closed           the queue is closed at that time
     ├── CapacityFull     the bucket is full; carries proposals
     └── Unavailable      a dependency (the database) is down; try again

Each dialect maps these to its own wire shape in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class RingbackError(Exception):
    """Base of every error the domain and services raise on purpose."""

    error_id = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details)


class Invalid(RingbackError):
    """The input breaks a rule; `field` names the offending input."""

    error_id = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.field = field


class NotFound(RingbackError):
    """The thing does not exist, or the caller may not see it."""

    error_id = "not_found"


class Conflict(RingbackError):
    """The thing exists already, or its current state forbids the change."""

    error_id = "conflict"


class IllegalTransition(Conflict):
    """The state machine has no edge for this event from the current state."""

    error_id = "illegal_transition"


class Forbidden(RingbackError):
    """The caller is known but lacks the right."""

    error_id = "forbidden"


class Unauthenticated(RingbackError):
    """No valid credentials were given."""

    error_id = "unauthenticated"


class Closed(RingbackError):
    """The queue is closed at the asked time; `reason` says why."""

    error_id = "closed"

    def __init__(self, message: str, *, reason: str, at: datetime | None = None) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason
        self.at = at


class CapacityFull(RingbackError):
    """The asked bucket is full; `proposals` maps open bucket starts to the room left."""

    error_id = "capacity_full"

    def __init__(
        self,
        message: str,
        *,
        bucket_start: datetime,
        bucket_end: datetime,
        proposals: Mapping[datetime, int],
    ) -> None:
        super().__init__(message)
        self.bucket_start = bucket_start
        self.bucket_end = bucket_end
        self.proposals = dict(proposals)


class Unavailable(RingbackError):
    """A dependency such as the database cannot be reached now."""

    error_id = "unavailable"
