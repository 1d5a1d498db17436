"""Admitting new callbacks: the rules every request passes, alone or in a batch, in any dialect.

A request is refused when its queue does not accept callbacks, its number breaks the queue's
number policy, its number already has the queue's dedup limit of open callbacks, its desired
time is closed or beyond the horizon, or its capacity bucket is full.

Capacity (ARCHITECTURE.md section 2): every callback with a dial time holds a place in the
bucket of its first action time (desired time, now, or the next opening), from its creation
until it is cancelled or expires; a reschedule moves the place. A callback that waits for an
agent to start it (a XiVO request) has no dial time, so it holds no place.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ringback.domain import capacity, errors, retry
from ringback.domain.callbacks import Callback, UccxFields, record
from ringback.domain.capacity import horizon_end
from ringback.domain.hours import zone
from ringback.domain.numbers import normalize_number
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.domain.states import State
from ringback.services.ports import Transaction


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCallback:
    """What a dialect asks for when it creates a callback."""

    queue_id: int
    phone_number: str
    alternate_number: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    description: str = ""
    customer_id: str = ""
    language: str = ""
    prompt: str = ""
    desired_time: datetime | None = None
    due_date: date | None = None
    list_id: UUID | None = None
    period_id: UUID | None = None
    external_id: str | None = None
    queue_start_time: datetime | None = None
    uccx: UccxFields = field(default_factory=UccxFields)
    properties: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    #: an agent starts it (XiVO's CCAgent): no dial time, no expiry, no capacity place, due
    #: on `due_date` (today in the queue's zone when not given)
    waits_for_agent: bool = False


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one request of a batch was refused; `index` is its place in the batch."""

    index: int
    reason: str
    field: str | None = None


class BatchRefused(errors.Invalid):
    """A batch was refused as a whole: nothing of it was stored. `refusals` says why."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__(f"{len(refusals)} of the requests were refused; none was added")
        self.refusals = list(refusals)


class Admission:
    """Checks and stores the new callbacks of one queue inside one unit of work."""

    def __init__(self, tx: Transaction, queue: Queue, actor: Principal, now: datetime) -> None:
        if not queue.settings.accepting_callbacks:
            raise errors.Closed(f"queue {queue.name} does not accept callbacks", reason="disabled")
        self._tx = tx
        self._queue = queue
        self._actor = actor
        self._now = now

    def admit(self, request: NewCallback) -> Callback:
        """Check one request (dedup included), store it with its place and its first event."""
        callback = self.build(request)
        if request.external_id and self._tx.callbacks.get_by_external_id(request.external_id):
            raise errors.Conflict(f"id {request.external_id} exists already", field="id")
        self._check_dedup(callback.customer_number)
        bucket = self._place_of(callback)
        self._tx.callbacks.add(callback, idempotency_key=request.idempotency_key)
        if bucket is not None:
            self._tx.callbacks.book(callback.id, self._queue.id, bucket)
        self._tx.events.append(record(None, callback, event="create", actor=self._actor.name))
        return callback

    def admit_all(self, requests: Sequence[NewCallback]) -> list[Callback]:
        """Check every request of a batch and store them all, or raise BatchRefused."""
        callbacks, refusals = self.check_all(requests)
        if refusals:
            raise BatchRefused(refusals)
        self._store_all(callbacks)
        return callbacks

    def check_all(self, requests: Sequence[NewCallback]) -> tuple[list[Callback], list[Refusal]]:
        """Return the callbacks of a batch's admissible requests and why the others are refused.

        Nothing is stored; the dedup locks are held until the transaction ends.
        """
        built: list[tuple[int, Callback]] = []
        refusals: list[Refusal] = []
        for index, request in enumerate(requests):
            try:
                built.append((index, self.build(request)))
            except errors.Invalid as exc:
                refusals.append(Refusal(index, exc.message, exc.field))
        refusals += self._dedup_refusals(built)
        return [callback for _, callback in built], sorted(refusals, key=lambda r: r.index)

    def build(self, request: NewCallback) -> Callback:
        """Return the callback a request asks for, or raise why the queue refuses it."""
        queue, now = self._queue, self._now
        number = normalize_number(request.phone_number, queue.numbers, field="phone_number")
        alternate = _alternate(request.alternate_number, queue)
        next_action: datetime | None = None
        expires: datetime | None = None
        due: date | None = request.due_date
        if request.waits_for_agent:
            due = due or now.astimezone(zone(queue.timezone)).date()
        else:
            next_action = first_action_time(queue, request.desired_time, now)
            expires = expiry(queue, request.desired_time, next_action, now)
        return Callback(
            id=uuid.uuid4(), queue_id=queue.id, customer_number=number,
            state=State.SCHEDULED if next_action is None or next_action > now else State.WAITING,
            created_at=now, updated_at=now, external_id=request.external_id or None,
            list_id=request.list_id, period_id=request.period_id, alternate_number=alternate,
            first_name=request.first_name, last_name=request.last_name, company=request.company,
            description=request.description, customer_id=request.customer_id,
            language=request.language, prompt=request.prompt, uccx=request.uccx,
            properties=dict(request.properties), queue_start_time=request.queue_start_time or now,
            desired_time=request.desired_time, due_date=due, next_action_at=next_action,
            expires_at=expires, created_by=self._actor.name,
        )  # fmt: skip

    def _check_dedup(self, number: str) -> None:
        limit = self._queue.settings.dedup.limit
        if limit is None:
            return
        self._tx.callbacks.lock_number(self._queue.id, number)  # concurrent admissions queue up
        already = self._tx.callbacks.count_open_for_number(self._queue.id, number)
        if already >= limit:
            raise errors.Conflict(_dedup_reason(number, already, self._queue), field="phone_number")

    def _dedup_refusals(self, built: Sequence[tuple[int, Callback]]) -> list[Refusal]:
        """Refuse the callbacks of a batch that would pass the dedup limit, earlier ones first."""
        limit = self._queue.settings.dedup.limit
        if limit is None or not built:
            return []
        numbers = [callback.customer_number for _, callback in built]
        self._tx.callbacks.lock_numbers(self._queue.id, numbers)
        counts = self._tx.callbacks.open_counts(self._queue.id, numbers)
        refusals = []
        for index, callback in built:
            number = callback.customer_number
            already = counts.get(number, 0)
            if already >= limit:
                reason = _dedup_reason(number, already, self._queue)
                refusals.append(Refusal(index, reason, "phone_number"))
                continue
            counts[number] = already + 1
        return refusals

    def _store_all(self, built: Sequence[Callback]) -> None:
        self._tx.callbacks.add_many(built)
        for callback in built:  # one by one: each counts the places the ones before it took
            bucket = self._place_of(callback)
            if bucket is not None:
                self._tx.callbacks.book(callback.id, self._queue.id, bucket)
        self._tx.events.append_many(
            [record(None, c, event="create", actor=self._actor.name) for c in built]
        )

    def _place_of(self, callback: Callback) -> datetime | None:
        if callback.next_action_at is None:
            return None  # waits for an agent: no dial time, no place
        return take_place(self._tx, self._queue, callback.next_action_at, self._now)


def take_place(
    tx: Transaction, queue: Queue, at: datetime, now: datetime, *, moving: UUID | None = None
) -> datetime:
    """Return the start of the capacity bucket holding `at`, or raise CapacityFull.

    The bucket stays locked until the transaction ends, so the place counted free here is
    still free when the caller books it (`tx.callbacks.book`, once the callback is stored).
    A callback `moving` within its own bucket keeps its place.
    """
    policy = queue.capacity
    start = capacity.bucket_start(at, policy.bucket_minutes, queue.timezone)
    if moving is not None and tx.callbacks.booked_bucket(moving) == start:
        return start
    tx.callbacks.lock_bucket(queue.id, start)
    if tx.callbacks.bucket_use(queue.id, start) < policy.max_per_bucket:
        return start
    end = capacity.bucket_end(start, policy.bucket_minutes, queue.timezone)
    room = room_around(tx, queue, at, now)
    raise errors.CapacityFull(
        f"too many callbacks at desired time [{start.isoformat()}, {end.isoformat()}]",
        bucket_start=start, bucket_end=end, proposals=room,
    )  # fmt: skip


def room_around(tx: Transaction, queue: Queue, at: datetime, now: datetime) -> dict[datetime, int]:
    """Return the open, future, non-full buckets around `at` and the room each has left."""
    first, end = capacity.proposal_span(at, queue.capacity, queue.timezone)
    used = tx.callbacks.bucket_uses(queue.id, first, end)
    return capacity.proposals(
        desired=at, now=now, policy=queue.capacity, hours=queue.hours, used=used
    )


def replayed(earlier: Callback, request: NewCallback, queue: Queue) -> Callback:
    """Return the callback first created with this Idempotency-Key, if the request is the same."""
    number = normalize_number(request.phone_number, queue.numbers, field="phone_number")
    same = (
        earlier.queue_id == request.queue_id
        and earlier.customer_number == number
        and earlier.desired_time == request.desired_time
        and (earlier.first_name, earlier.last_name) == (request.first_name, request.last_name)
    )
    if not same:
        raise errors.Conflict(
            f"Idempotency-Key {request.idempotency_key} was used for another request",
            field="Idempotency-Key",
        )
    return earlier


def first_action_time(queue: Queue, desired: datetime | None, now: datetime) -> datetime:
    """Return when the dispatcher may first act: the desired time, now, or the next opening."""
    if desired is not None and desired > now:
        return _scheduled_time(queue, desired, now)
    if queue.hours.is_open(now):
        return now
    reason = queue.hours.closed_reason(now) or "closed"
    if queue.settings.reject_out_of_hours:
        raise errors.Closed(f"queue {queue.name} is closed now", reason=reason, at=now)
    opening = queue.hours.next_opening(now)
    if opening is None:
        raise errors.Closed(f"queue {queue.name} never opens", reason=reason, at=now)
    return opening


def _scheduled_time(queue: Queue, desired: datetime, now: datetime) -> datetime:
    if desired > horizon_end(queue.capacity, now, queue.timezone):
        raise errors.Invalid(
            f"desired_time is beyond the queue's horizon of {queue.capacity.horizon}",
            field="desired_time",
        )
    if not queue.hours.is_open(desired):
        reason = queue.hours.closed_reason(desired) or "closed"
        raise errors.Closed(
            f"queue {queue.name} is closed at {desired.isoformat()}", reason=reason, at=desired
        )
    return desired


def _alternate(raw: str, queue: Queue) -> str:
    if not raw:
        return ""
    return normalize_number(raw, queue.numbers, field="alternate_number")


def stored_form(number: str, queue: Queue) -> str:
    """Return `number` as `queue` would store it, or unchanged when that queue refuses it."""
    try:
        return normalize_number(number, queue.numbers, field="phone_number")
    except errors.Invalid:
        return number


def expiry(
    queue: Queue, desired_time: datetime | None, next_action: datetime, now: datetime
) -> datetime:
    """Count the TTL from the wanted time, but never from the past: a late request must not be
    expired by the next sweep before it was ever dialled."""
    return retry.expires_at(queue.retry, max(desired_time or next_action, now))


def _dedup_reason(number: str, already: int, queue: Queue) -> str:
    return f"number {number} already has {already} open callbacks in queue {queue.name}"
