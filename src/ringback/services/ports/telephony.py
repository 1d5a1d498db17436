"""The telephony port: what the dispatcher asks of an ACD or dialer, and what it answers.

Adapters (ringback.telephony.*) implement `Telephony`; they translate their own failures
(HTTP errors, timeouts, resets) into a `Delivery` and never raise for a failed dial request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ringback.domain.callbacks import Callback
from ringback.domain.queues import Queue


class DeliveryStatus(StrEnum):
    """How the far side answered a dial request."""

    ACCEPTED = "accepted"  # it took the callback; the outcome comes later
    TRANSIENT = "transient"  # it may work later: timeout, reset, 5xx, 429
    PERMANENT = "permanent"  # it will never work: 4xx, invalid number
    #: nothing was sent: the far side says not yet (a caller still queued live); ask again after
    #: `retry_after_seconds` without using an attempt
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The answer to one dial request."""

    status: DeliveryStatus
    detail: str = ""
    #: the far side may have received the request (timeout after sending, reset): a retry
    #: must re-send the same dial key so that it can drop the repeat
    ambiguous: bool = False
    #: for DEFERRED: how long to wait before the callback is tried again
    retry_after_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueStats:
    """What the ACD says about a queue right now."""

    ready_agents: int
    talking_agents: int = 0
    calls_waiting: int = 0
    longest_wait_seconds: float = 0.0


class Telephony(Protocol):
    """An ACD or dialer that ringback hands due callbacks to."""

    async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
        """Hand a due callback over; `dial_key` lets the far side drop a repeated request."""
        ...

    async def queue_stats(self, queue: Queue) -> QueueStats | None:
        """Return the ACD's view of `queue`, or None when the adapter cannot tell."""
        ...

    async def aclose(self) -> None:
        """Release connections and background work."""
        ...
