"""Use cases on callbacks: create, read, list, cancel, reschedule, record an attempt's outcome.

Capacity (ARCHITECTURE.md section 2): every callback holds a place in the bucket of its first
action time (desired time, now, or the next opening), from its creation until it is cancelled
or expires; a reschedule moves the place. Retries and the dispatcher's own moves do not.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from ringback.domain import capacity, errors, retry
from ringback.domain.callbacks import Callback, StateChange, UccxFields, fail_attempt, record
from ringback.domain.capacity import horizon_end
from ringback.domain.numbers import normalize_number
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.domain.states import NOT_STARTED, Event, Reason, State
from ringback.services import access
from ringback.services.ports import CallbackQuery, Clock, Page, Store, Transaction

MAX_PAGE = 500


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


class Outcome(StrEnum):
    """How an attempt ended, as telephony reports it."""

    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    AGENT_ABANDONED = "agent_abandoned"
    INVALID_NUMBER = "invalid_number"
    IVR_FAILURE = "ivr_failure"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class CallbackView:
    """A callback with its history, as the native API shows it."""

    callback: Callback
    history: list[StateChange]


class CallbackService:
    """The life of callbacks, as every dialect drives it."""

    def __init__(
        self, store: Store, clock: Clock, spread: Callable[[], float] = random.random
    ) -> None:
        self._store = store
        self._clock = clock
        self._spread = spread

    def create(self, actor: Principal, request: NewCallback) -> Callback:
        """Check a request against its queue's rules and store it as a new callback."""
        access.require_queue(actor, request.queue_id)
        with self._store.transaction() as tx:
            queue = _queue(tx, request.queue_id)
            if request.idempotency_key:
                earlier = tx.callbacks.get_by_idempotency_key(request.idempotency_key)
                if earlier is not None:
                    return _replayed(earlier, request, queue)
            callback = self._admit(tx, queue, request, actor)
            at, now = callback.next_action_at or callback.created_at, callback.created_at
            bucket = take_place(tx, queue, at, now)
            tx.callbacks.add(callback, idempotency_key=request.idempotency_key)
            tx.callbacks.book(callback.id, queue.id, bucket)
            tx.events.append(record(None, callback, event="create", actor=actor.name))
            return callback

    def reschedule(
        self, actor: Principal, callback_id: UUID, desired_time: datetime | None
    ) -> Callback:
        """Move a callback not yet started to a new desired time (None: now), with its place."""
        with self._store.transaction() as tx:
            before = _locked(tx, actor, callback_id)
            if before.state not in NOT_STARTED:
                raise errors.IllegalTransition(
                    f"cannot reschedule a callback that is {before.state.value}",
                    state=before.state.value, event="reschedule",
                )  # fmt: skip
            queue = _queue(tx, before.queue_id)
            now = self._clock.now()
            next_action = _first_action_time(queue, desired_time, now)
            bucket = take_place(tx, queue, next_action, now, moving=before.id)
            event = Event.RESCHEDULE_LATER if next_action > now else Event.RESCHEDULE_NOW
            after = before.apply(
                event, now=now, desired_time=desired_time, next_action_at=next_action,
                expires_at=_expiry(queue, desired_time, next_action, now),
            )  # fmt: skip
            saved = _save(tx, before, after, event="reschedule", actor=actor.name)
            tx.callbacks.book(before.id, queue.id, bucket)
            return saved

    def has_room(self, queue_id: int, at: datetime) -> bool:
        """Tell whether the capacity bucket holding `at` has room for one more callback."""
        with self._store.transaction(read_only=True) as tx:
            queue = _queue(tx, queue_id)
            policy = queue.capacity
            start = capacity.bucket_start(at, policy.bucket_minutes, queue.timezone)
            return tx.callbacks.bucket_use(queue.id, start) < policy.max_per_bucket

    def availability(self, actor: Principal, queue_id: int, at: datetime) -> dict[datetime, int]:
        """Return the open, future, non-full buckets around `at` with their room left.

        Raises Closed when the queue is closed at `at` (nothing is proposed then).
        """
        access.require_queue(actor, queue_id)
        with self._store.transaction(read_only=True) as tx:
            queue = _queue(tx, queue_id)
            if not queue.hours.is_open(at):
                reason = queue.hours.closed_reason(at) or "closed"
                message = f"queue {queue.name} is closed at {at.isoformat()}"
                raise errors.Closed(message, reason=reason, at=at)
            return _room_around(tx, queue, at, self._clock.now())

    def get(self, actor: Principal, callback_id: UUID) -> CallbackView:
        """Return a callback the actor may see, with its event history."""
        with self._store.transaction() as tx:
            callback = _visible(tx, actor, callback_id)
            return CallbackView(callback, tx.events.for_callback(callback_id))

    def find(self, actor: Principal, query: CallbackQuery) -> Page:
        """Return a page of the callbacks the actor may see that match `query`."""
        if not 1 <= query.limit <= MAX_PAGE:
            raise errors.Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if query.offset < 0:
            raise errors.Invalid("offset must be >= 0", field="offset")
        visible = actor.visible_queue_ids()
        if visible is not None:
            wanted = visible if query.queue_ids is None else query.queue_ids
            query = _with_queues(query, [q for q in wanted if q in visible])
        with self._store.transaction() as tx:
            return tx.callbacks.find(query)

    def counts_by_state(self) -> dict[tuple[int, str], int]:
        """Return how many callbacks each queue has in each state (for metrics)."""
        with self._store.transaction() as tx:
            return tx.callbacks.counts_by_state()

    def cancel(self, actor: Principal, callback_id: UUID) -> Callback:
        """Cancel a callback that no dial is in flight for."""
        with self._store.transaction() as tx:
            before = _locked(tx, actor, callback_id)
            now = self._clock.now()
            after = before.apply(
                Event.CANCEL, now=now, reason=Reason.CANCELLED, completed_at=now, lease=None
            )
            return _save(tx, before, after, event="cancel", actor=actor.name)

    def record_outcome(
        self,
        actor: Principal,
        callback_id: UUID,
        *,
        dial_key: str,
        outcome: Outcome,
        detail: str = "",
    ) -> Callback:
        """Apply the outcome of the attempt named by `dial_key`: done, retry later, or give up."""
        with self._store.transaction() as tx:
            before = _locked(tx, actor, callback_id)
            if dial_key != before.dial_key:
                raise errors.Conflict(
                    f"dial key {dial_key} is not the current attempt ({before.dial_key})",
                    field="dial_key",
                )
            _require_attempt(tx, before)
            after = self._after_outcome(tx, before, outcome)
            return _save(
                tx, before, after, event=f"outcome:{outcome.value}", actor=actor.name, detail=detail
            )

    def _after_outcome(self, tx: Transaction, before: Callback, outcome: Outcome) -> Callback:
        now = self._clock.now()
        attempts = before.attempts + 1
        if outcome is Outcome.COMPLETED:
            return before.apply(
                Event.COMPLETE, now=now, attempts=attempts, reason=Reason.COMPLETED,
                completed_at=now, lease=None,
            )  # fmt: skip
        queue = _queue(tx, before.queue_id)
        return fail_attempt(
            before, queue.retry, reason=Reason(outcome.value), now=now, spread=self._spread()
        )

    def _admit(
        self, tx: Transaction, queue: Queue, request: NewCallback, actor: Principal
    ) -> Callback:
        if not queue.settings.accepting_callbacks:
            raise errors.Closed(f"queue {queue.name} does not accept callbacks", reason="disabled")
        number = normalize_number(request.phone_number, queue.numbers, field="phone_number")
        alternate = _alternate(request.alternate_number, queue)
        if request.external_id and tx.callbacks.get_by_external_id(request.external_id):
            raise errors.Conflict(f"id {request.external_id} exists already", field="id")
        _check_dedup(tx, queue, number)
        now = self._clock.now()
        next_action = _first_action_time(queue, request.desired_time, now)
        return Callback(
            id=uuid.uuid4(),
            queue_id=queue.id,
            customer_number=number,
            state=State.SCHEDULED if next_action > now else State.WAITING,
            created_at=now,
            updated_at=now,
            external_id=request.external_id or None,
            list_id=request.list_id,
            period_id=request.period_id,
            alternate_number=alternate,
            first_name=request.first_name,
            last_name=request.last_name,
            company=request.company,
            description=request.description,
            customer_id=request.customer_id,
            language=request.language,
            prompt=request.prompt,
            uccx=request.uccx,
            properties=dict(request.properties),
            queue_start_time=request.queue_start_time or now,
            desired_time=request.desired_time,
            due_date=request.due_date,
            next_action_at=next_action,
            expires_at=_expiry(queue, request.desired_time, next_action, now),
            created_by=actor.name,
        )


def take_place(
    tx: Transaction, queue: Queue, at: datetime, now: datetime, *, moving: UUID | None = None
) -> datetime:
    """Return the start of the capacity bucket holding `at`, or raise CapacityFull.

    The bucket stays locked until the transaction ends, so the place counted free here is
    still free when the caller books it (`tx.callbacks.book`, once the callback is stored).
    A callback `moving` within its own bucket keeps its place. Every use case that stores a
    new callback outside `create` must call this too, or its callbacks escape capacity.
    """
    policy = queue.capacity
    start = capacity.bucket_start(at, policy.bucket_minutes, queue.timezone)
    if moving is not None and tx.callbacks.booked_bucket(moving) == start:
        return start
    tx.callbacks.lock_bucket(queue.id, start)
    if tx.callbacks.bucket_use(queue.id, start) < policy.max_per_bucket:
        return start
    end = capacity.bucket_end(start, policy.bucket_minutes, queue.timezone)
    room = _room_around(tx, queue, at, now)
    raise errors.CapacityFull(
        f"too many callbacks at desired time [{start.isoformat()}, {end.isoformat()}]",
        bucket_start=start, bucket_end=end, proposals=room,
    )  # fmt: skip


def _room_around(tx: Transaction, queue: Queue, at: datetime, now: datetime) -> dict[datetime, int]:
    """Return the open, future, non-full buckets around `at` and the room each has left."""
    first, end = capacity.proposal_span(at, queue.capacity, queue.timezone)
    used = tx.callbacks.bucket_uses(queue.id, first, end)
    return capacity.proposals(
        desired=at, now=now, policy=queue.capacity, hours=queue.hours, used=used
    )


def _require_attempt(tx: Transaction, callback: Callback) -> None:
    """Refuse an outcome for a waiting callback unless its attempt was handed back unsettled.

    A rescued or released attempt keeps its dial key, so the far side may still report it;
    a waiting callback that was never handed over has no attempt to report on.
    """
    if callback.state is not State.WAITING:
        return
    history = tx.events.for_callback(callback.id)
    if not history or history[-1].event not in ("rescue", "release"):
        raise errors.IllegalTransition(
            f"no attempt of callback {callback.id} is in progress", state=callback.state.value
        )


def _replayed(earlier: Callback, request: NewCallback, queue: Queue) -> Callback:
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


def _first_action_time(queue: Queue, desired: datetime | None, now: datetime) -> datetime:
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


def _check_dedup(tx: Transaction, queue: Queue, number: str) -> None:
    limit = queue.settings.dedup.limit
    if limit is None:
        return
    tx.callbacks.lock_number(queue.id, number)  # concurrent admissions of one number queue up
    already = tx.callbacks.count_open_for_number(queue.id, number)
    if already >= limit:
        raise errors.Conflict(
            f"number {number} already has {already} open callbacks in queue {queue.name}",
            field="phone_number",
        )


def _expiry(
    queue: Queue, desired_time: datetime | None, next_action: datetime, now: datetime
) -> datetime:
    """Count the TTL from the wanted time, but never from the past: a late request must not be
    expired by the next sweep before it was ever dialled."""
    return retry.expires_at(queue.retry, max(desired_time or next_action, now))


def _queue(tx: Transaction, queue_id: int) -> Queue:
    queue = tx.queues.get(queue_id)
    if queue is None:
        raise errors.NotFound(f"queue {queue_id} does not exist", field="queue_id")
    return queue


def _visible(
    tx: Transaction, actor: Principal, callback_id: UUID, *, for_update: bool = False
) -> Callback:
    callback = tx.callbacks.get(callback_id, for_update=for_update)
    if callback is None or not actor.may_see_queue(callback.queue_id):
        raise errors.NotFound(f"callback {callback_id} does not exist")
    return callback


def _locked(tx: Transaction, actor: Principal, callback_id: UUID) -> Callback:
    """Read a callback about to be changed, holding its row so that a concurrent writer (the
    dispatcher settling a fast attempt) waits instead of making this change fail."""
    return _visible(tx, actor, callback_id, for_update=True)


def _save(
    tx: Transaction, before: Callback, after: Callback, *, event: str, actor: str, **detail: Any
) -> Callback:
    """Store `after` if nobody changed `before` meanwhile; return it as stored."""
    if not tx.callbacks.update(after, expected_version=before.version):
        raise errors.Conflict(f"callback {after.id} changed meanwhile; try again")
    tx.events.append(record(before, after, event=event, actor=actor, **detail))
    return after.evolve(version=before.version + 1)


def _with_queues(query: CallbackQuery, queue_ids: list[int]) -> CallbackQuery:
    return dataclasses.replace(query, queue_ids=queue_ids)
