"""What the XiVO config-mgt use cases need from the store, beyond the shared Transaction."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol
from uuid import UUID

from ringback.domain.callbacks import Callback
from ringback.domain.lists import CallbackList, Condition, Dissuasion, Ordering, Period, Ticket
from ringback.services.ports import Page, Transaction


class XivoRepository(Protocol):
    """Callback lists, periods, tickets, dissuasions, and the XiVO views of callbacks."""

    def add_list(self, callback_list: CallbackList) -> None:
        """Store a new callback list."""
        ...

    def get_list(self, list_id: UUID) -> CallbackList | None:
        """Return the list with this uuid."""
        ...

    def lists(self, queue_ids: Sequence[int] | None) -> list[CallbackList]:
        """Return the lists of these queues (all when None), by name."""
        ...

    def delete_list(self, list_id: UUID) -> None:
        """Remove a list; its requests and tickets go with it."""
        ...

    def open_requests(self, list_ids: Sequence[UUID]) -> list[Callback]:
        """Return the open requests of these lists, earliest due date first."""
        ...

    def periods(self) -> list[Period]:
        """Return every period, by start time."""
        ...

    def get_period(self, period_id: UUID) -> Period | None:
        """Return the period with this uuid."""
        ...

    def period_named(self, name: str) -> Period | None:
        """Return the period with this name."""
        ...

    def add_period(self, period: Period) -> None:
        """Store a new period."""
        ...

    def update_period(self, period: Period) -> None:
        """Replace a stored period."""
        ...

    def delete_period(self, period_id: UUID) -> None:
        """Remove a period; requests that preferred it keep no period."""
        ...

    def clear_default_period(self) -> None:
        """Make no period the default."""
        ...

    def add_ticket(self, ticket: Ticket) -> None:
        """Store a new ticket."""
        ...

    def update_ticket(self, ticket: Ticket) -> None:
        """Replace a stored ticket."""
        ...

    def open_ticket(self, callback_id: UUID) -> Ticket | None:
        """Return the request's ticket that is not closed yet."""
        ...

    def tickets_of_list(self, list_id: UUID) -> list[tuple[Ticket, Callback]]:
        """Return a list's tickets with their requests, oldest first."""
        ...

    def get_dissuasion(self, queue_id: int) -> Dissuasion | None:
        """Return the stored dissuasion of a queue."""
        ...

    def put_dissuasion(self, dissuasion: Dissuasion) -> None:
        """Store (or replace) a queue's dissuasion."""
        ...

    def find_requests(
        self,
        conditions: Sequence[Condition],
        orderings: Sequence[Ordering],
        *,
        queue_ids: Sequence[int] | None,
        offset: int,
        limit: int,
    ) -> Page:
        """Return the requests (callbacks with a list) matching every condition."""
        ...

    def add_requests(self, requests: Sequence[Callback]) -> None:
        """Store many new requests in one statement."""
        ...

    def lock_numbers(self, queue_id: int, numbers: Sequence[str]) -> None:
        """Hold the admission right of these numbers of a queue until the transaction ends."""
        ...

    def open_counts(self, queue_id: int, numbers: Sequence[str]) -> dict[str, int]:
        """Count the open callbacks of each of these numbers in a queue."""
        ...


class XivoTransaction(Transaction, Protocol):
    """A unit of work that also holds the XiVO repository."""

    @property
    def xivo(self) -> XivoRepository:
        """Return the XiVO repository of this unit of work."""
        ...


class XivoStore(Protocol):
    """Opens units of work that hold the XiVO repository."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[XivoTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...
