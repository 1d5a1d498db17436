"""A dialect's own event stream, delivered by the engine's outbox worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

Batch = TypeVar("Batch")


class EventFeed(Protocol[Batch]):
    """Messages a dialect owes a receiver of its own (xuc's eventUrl), one per POST, in order.

    The outbox worker leases the feed with `take`, POSTs each message of the batch to `url`
    (signed with `secret` when there is one), and reports how many were sent with `settle`. The
    feed renders its messages in its vendor's shape; the worker only carries them.
    """

    @property
    def url(self) -> str:
        """Return where the messages go."""
        ...

    @property
    def secret(self) -> str | None:
        """Return the secret that signs each POST, None to send them unsigned."""
        ...

    def take(self, owner: str) -> Batch | None:
        """Lease the feed if it is due and return what it owes, None when nothing is due."""
        ...

    def messages(self, batch: Batch) -> Sequence[dict[str, Any]]:
        """Return the messages of a batch, oldest first."""
        ...

    def settle(self, owner: str, batch: Batch, sent: int, error: str | None) -> None:
        """Forget the first `sent` messages; after an error keep the rest and back off."""
        ...
