"""XiVO config-mgt use cases: callback lists, the find of requests, preferred periods.

service.py also declares what the wing needs from its store (XivoRepository, XivoTransaction,
XivoStore), so that no use case of the wing imports SQL. A supervisor or teacher sees and
changes only the lists and requests of the queues in their rights; anything else answers
not-found, so that its existence stays hidden.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from ringback.dialects.xivo_configmgt.filters import Condition, Ordering, parse_filters
from ringback.dialects.xivo_configmgt.model import CallbackList, Dissuasion, Period, Ticket
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.services import access
from ringback.services.callbacks import moves
from ringback.services.ports import Page, Transaction

MAX_FIND_LIMIT = 1000
DEFAULT_FIND_LIMIT = 100


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
        """Remove a list and its tickets (its requests are the engine's to remove, first)."""
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
        """Remove a period (the engine unlinks the requests that preferred it, first)."""
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


@dataclass(frozen=True, slots=True)
class ListView:
    """A callback list with its ongoing requests."""

    callback_list: CallbackList
    requests: list[Callback]


class ListService:
    """Callback lists, the find of their requests, and preferred periods."""

    def __init__(self, store: XivoStore) -> None:
        self._store = store

    # --- lists ---

    def create_list(self, actor: Principal, name: str, queue_id: int) -> ListView:
        """Create an empty callback list for a queue."""
        created = CallbackList(uuid.uuid4(), name, queue_id)
        with self._store.transaction() as tx:
            if not actor.may_see_queue(queue_id):
                raise errors.NotFound(f"queue {queue_id} does not exist", kind="Queue")
            queue_of(tx, queue_id)
            if any(existing.name == name for existing in tx.xivo.lists([queue_id])):
                raise errors.Conflict(f"queue {queue_id} has a list named {name!r} already",
                                      field="name")  # fmt: skip
            tx.xivo.add_list(created)
        return ListView(created, [])

    def lists(self, actor: Principal, *, with_request: bool = False) -> list[ListView]:
        """Return the visible lists with their ongoing requests (only non-empty ones if asked)."""
        with self._store.transaction(read_only=True) as tx:
            found = tx.xivo.lists(actor.visible_queue_ids())
            requests = tx.xivo.open_requests([lst.uuid for lst in found])
        by_list: dict[UUID, list[Callback]] = {lst.uuid: [] for lst in found}
        for request in requests:
            if request.list_id is not None:
                by_list[request.list_id].append(request)
        views = [ListView(lst, by_list[lst.uuid]) for lst in found]
        return [v for v in views if v.requests] if with_request else views

    def delete_list(self, actor: Principal, list_id: UUID) -> ListView:
        """Remove a list with its requests and tickets; return it as it was."""
        with self._store.transaction() as tx:
            target = visible_list(tx, actor, list_id)
            view = ListView(target, tx.xivo.open_requests([list_id]))
            moves.remove_list(tx, list_id)
            tx.xivo.delete_list(list_id)
        return view

    def find(
        self, actor: Principal, filters: Sequence[Any], *, offset: int = 0, limit: int | None = None
    ) -> Page:
        """Return the visible requests matching the dynamic filters, with their total."""
        limit = DEFAULT_FIND_LIMIT if limit is None else limit
        if not offset >= 0:
            raise errors.Invalid("offset must be >= 0", field="offset")
        if not 1 <= limit <= MAX_FIND_LIMIT:
            raise errors.Invalid(f"limit must be between 1 and {MAX_FIND_LIMIT}", field="limit")
        conditions, orderings = parse_filters(filters)
        with self._store.transaction(read_only=True) as tx:
            return tx.xivo.find_requests(
                conditions, orderings, queue_ids=actor.visible_queue_ids(),
                offset=offset, limit=limit,
            )  # fmt: skip

    def request(self, actor: Principal, request_id: UUID) -> Callback:
        """Return one visible request (a callback of a list)."""
        page = self.find(actor, [{"field": "uuid", "operator": "=", "value": str(request_id)}])
        if not page.items:
            raise errors.NotFound(f"callback request {request_id} does not exist",
                                  kind="CallbackRequest")  # fmt: skip
        return page.items[0]

    # --- periods ---

    def periods(self) -> list[Period]:
        """Return every preferred period."""
        with self._store.transaction(read_only=True) as tx:
            return tx.xivo.periods()

    def create_period(self, actor: Principal, period: Period) -> Period:
        """Add a period; a new default takes the default from the previous one."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            if tx.xivo.period_named(period.name) is not None:
                raise errors.Conflict(f"period {period.name!r} exists already", field="name")
            first = not tx.xivo.periods()
            period = dataclasses.replace(period, default=period.default or first)
            if period.default:
                tx.xivo.clear_default_period()
            tx.xivo.add_period(period)
        return period

    def update_period(self, actor: Principal, period: Period) -> Period:
        """Replace a period; the default cannot be taken away, only given to another."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            current = _period(tx, period.uuid)
            same_name = tx.xivo.period_named(period.name)
            if same_name is not None and same_name.uuid != period.uuid:
                raise errors.Conflict(f"period {period.name!r} exists already", field="name")
            if current.default and not period.default:
                raise errors.Conflict("exactly one period is the default: make another one the "
                                      "default instead", field="default")  # fmt: skip
            if period.default:
                tx.xivo.clear_default_period()
            tx.xivo.update_period(period)
        return period

    def delete_period(self, actor: Principal, period_id: UUID) -> Period:
        """Remove a period other than the default (unless it is the last one)."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            current = _period(tx, period_id)
            if current.default and len(tx.xivo.periods()) > 1:
                raise errors.Conflict(
                    "the default period cannot be removed while others exist: "
                    "make another one the default first",
                    field="default",
                )
            moves.forget_period(tx, period_id)
            tx.xivo.delete_period(period_id)
        return current

    def periods_by_id(self) -> dict[UUID, Period]:
        """Return every period by uuid, to show requests with their preferred period."""
        return {period.uuid: period for period in self.periods()}


def queue_of(tx: XivoTransaction, queue_id: int) -> Queue:
    """Return a stored queue, or raise NotFound in XiVO's words."""
    queue = tx.queues.get(queue_id)
    if queue is None:
        raise errors.NotFound(f"queue {queue_id} does not exist", kind="Queue")
    return queue


def visible_list(tx: XivoTransaction, actor: Principal, list_id: UUID) -> CallbackList:
    """Return a list of one of the actor's queues; any other list does not exist."""
    found = tx.xivo.get_list(list_id)
    if found is None or not actor.may_see_queue(found.queue_id):
        raise errors.NotFound(f"callback list {list_id} does not exist", kind="CallbackList")
    return found


def _period(tx: XivoTransaction, period_id: UUID) -> Period:
    found = tx.xivo.get_period(period_id)
    if found is None:
        raise errors.NotFound(f"period {period_id} does not exist", kind="Period")
    return found
