"""XiVO config-mgt use cases: callback lists, requests (one, CSV import, find) and periods.

A supervisor or teacher sees and changes only the lists and requests of the queues in their
rights; anything else answers not-found, so that its existence stays hidden.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.lists import (
    MAX_FILTERS,
    CallbackList,
    Condition,
    Ordering,
    Period,
    parse_filter,
)
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.services import access
from ringback.services.ports import Clock, Page
from ringback.services.xivo_ports import XivoStore, XivoTransaction
from ringback.services.xivo_requests import (
    Admission,
    LineError,
    RequestFields,
    check_open,
)

MAX_FIND_LIMIT = 1000
DEFAULT_FIND_LIMIT = 100


@dataclass(frozen=True, slots=True)
class ListView:
    """A callback list with its ongoing requests."""

    callback_list: CallbackList
    requests: list[Callback]


class ImportRefused(errors.Invalid):
    """An import was refused as a whole; `lines` says which lines were wrong and why."""

    error_id = "import_refused"

    def __init__(self, lines: Sequence[LineError]) -> None:
        first = lines[0]
        super().__init__(
            f"{len(lines)} line(s) refused, nothing imported; line {first.line}: {first.reason}",
            field="csv",
        )
        self.lines = list(lines)


class XivoConfigMgtService:
    """Lists, requests and periods as XiVO's configuration server offers them."""

    def __init__(self, store: XivoStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    # --- lists ---

    def create_list(self, actor: Principal, name: str, queue_id: int) -> ListView:
        """Create an empty callback list for a queue."""
        created = CallbackList(uuid.uuid4(), name, queue_id)
        with self._store.transaction() as tx:
            if not actor.may_see_queue(queue_id):
                raise errors.NotFound(f"queue {queue_id} does not exist", kind="Queue")
            _queue(tx, queue_id)
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
            target = _visible_list(tx, actor, list_id)
            view = ListView(target, tx.xivo.open_requests([list_id]))
            tx.xivo.delete_list(list_id)
        return view

    # --- requests ---

    def create_request(self, actor: Principal, list_id: UUID, fields: RequestFields) -> Callback:
        """Add one request to a list."""
        with self._store.transaction() as tx:
            target = _visible_list(tx, actor, list_id)
            queue = _queue(tx, target.queue_id)
            check_open(queue)
            admission = Admission(tx, queue, target)
            request = admission.build(fields, now=self._clock.now(), actor=actor)
            refused = admission.check_dedup([request])
            if refused:
                raise errors.Conflict(refused[0][1], field="phoneNumber")
            admission.store([request], actor)
        return request

    def import_requests(
        self,
        actor: Principal,
        list_id: UUID,
        lines: Sequence[tuple[int, RequestFields]],
        unreadable: Sequence[LineError] = (),
    ) -> int:
        """Add every line's request to a list, or none: each refused line is reported.

        `unreadable` are the lines the wire could not even split; they refuse the import too.
        """
        with self._store.transaction() as tx:
            target = _visible_list(tx, actor, list_id)
            queue = _queue(tx, target.queue_id)
            check_open(queue)
            admission = Admission(tx, queue, target)
            built, problems = _build_all(admission, lines, actor, self._clock.now())
            problems += unreadable
            numbered = [line for line, _ in built]
            requests = [request for _, request in built]
            problems += [LineError(numbered[i], why) for i, why in admission.check_dedup(requests)]
            if problems:
                raise ImportRefused(sorted(problems, key=lambda p: p.line))
            admission.store(requests, actor)
        return len(requests)

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
            tx.xivo.delete_period(period_id)
        return current

    def periods_by_id(self) -> dict[UUID, Period]:
        """Return every period by uuid, to show requests with their preferred period."""
        return {period.uuid: period for period in self.periods()}


def parse_filters(filters: Sequence[Any]) -> tuple[list[Condition], list[Ordering]]:
    """Check every wire filter; return the conditions and the sort keys in their order."""
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        raise errors.Invalid(f"filters must be a list of at most {MAX_FILTERS} filters",
                             field="filters")  # fmt: skip
    conditions: list[Condition] = []
    orderings: list[Ordering] = []
    for index, raw in enumerate(filters):
        condition, ordering = parse_filter(raw, index)
        if condition is not None:
            conditions.append(condition)
        if ordering is not None:
            orderings.append(ordering)
    return conditions, orderings


def _build_all(
    admission: Admission,
    lines: Sequence[tuple[int, RequestFields]],
    actor: Principal,
    now: datetime,
) -> tuple[list[tuple[int, Callback]], list[LineError]]:
    built: list[tuple[int, Callback]] = []
    problems: list[LineError] = []
    for line, fields in lines:
        try:
            built.append((line, admission.build(fields, now=now, actor=actor)))
        except errors.Invalid as exc:
            problems.append(LineError(line, exc.message))
    return built, problems


def _queue(tx: XivoTransaction, queue_id: int) -> Queue:
    queue = tx.queues.get(queue_id)
    if queue is None:
        raise errors.NotFound(f"queue {queue_id} does not exist", kind="Queue")
    return queue


def _visible_list(tx: XivoTransaction, actor: Principal, list_id: UUID) -> CallbackList:
    found = tx.xivo.get_list(list_id)
    if found is None or not actor.may_see_queue(found.queue_id):
        raise errors.NotFound(f"callback list {list_id} does not exist", kind="CallbackList")
    return found


def _period(tx: XivoTransaction, period_id: UUID) -> Period:
    found = tx.xivo.get_period(period_id)
    if found is None:
        raise errors.NotFound(f"period {period_id} does not exist", kind="Period")
    return found
