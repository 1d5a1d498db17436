"""Webhook subscriptions: where state changes are POSTed, signed, at least once."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

from ringback.domain import errors

MIN_SECRET_LENGTH = 16


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """A receiver of events: its URL, signing secret and the event types it wants."""

    id: UUID
    url: str
    secret: str
    #: patterns over event types such as "callback.completed" or "callback.*"; empty = all
    event_types: tuple[str, ...] = ()
    active: bool = True
    #: the id of the last event delivered
    cursor: int = 0
    failures: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise errors.Invalid("url must be an http or https URL", field="url")
        if len(self.secret) < MIN_SECRET_LENGTH:
            raise errors.Invalid(
                f"secret must have at least {MIN_SECRET_LENGTH} characters", field="secret"
            )

    def wants(self, event_type: str) -> bool:
        """Tell whether this subscription receives events of `event_type`."""
        return not self.event_types or any(
            fnmatch.fnmatchcase(event_type, pattern) for pattern in self.event_types
        )
