"""Use cases on callbacks: create, read, list, cancel, reschedule, report progress and outcomes.

Every dialect and telephony adapter drives callbacks through these, so the number policy,
dedup, capacity, business hours and the event log apply whichever API a request came from.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from ringback.domain import capacity, errors
from ringback.domain.callbacks import Callback, StateChange, fail_attempt
from ringback.domain.people import Principal
from ringback.domain.states import NOT_STARTED, OPEN_STATES, Event, Reason, State
from ringback.services import access
from ringback.services.callbacks.admission import (
    Admission,
    NewCallback,
    Refusal,
    expiry,
    first_action_time,
    replayed,
    room_around,
    stored_form,
    take_place,
)
from ringback.services.callbacks.moves import locked, queue_of, save, visible
from ringback.services.ports import CallbackQuery, Clock, Page, Store, Transaction

MAX_PAGE = 500
#: what telephony may report of an attempt before its outcome
PROGRESS_EVENTS = frozenset({Event.OFFER, Event.RESERVE, Event.DIAL})
OPEN = tuple(OPEN_STATES)


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
        self,
        store: Store,
        clock: Clock,
        spread: Callable[[], float] = random.random,
        *,
        offer_timeout: timedelta = timedelta(hours=1),
    ) -> None:
        self._store = store
        self._clock = clock
        self._spread = spread
        self._offer_timeout = offer_timeout

    def create(self, actor: Principal, request: NewCallback) -> Callback:
        """Check a request against its queue's rules and store it as a new callback."""
        access.require_queue(actor, request.queue_id)
        with self._store.transaction() as tx:
            queue = queue_of(tx, request.queue_id)
            if request.idempotency_key:
                earlier = tx.callbacks.get_by_idempotency_key(request.idempotency_key)
                if earlier is not None:
                    return replayed(earlier, request, queue)
            return Admission(tx, queue, actor, self._clock.now()).admit(request)

    def create_many(
        self, actor: Principal, queue_id: int, requests: Sequence[NewCallback]
    ) -> list[Callback]:
        """Store every request of a batch into one queue, or none (BatchRefused says why)."""
        access.require_queue(actor, queue_id)
        if any(request.queue_id != queue_id for request in requests):
            raise errors.Invalid("every request of a batch must be for its queue", field="queue_id")
        with self._store.transaction() as tx:
            queue = queue_of(tx, queue_id)
            return Admission(tx, queue, actor, self._clock.now()).admit_all(requests)

    def check_many(
        self, actor: Principal, queue_id: int, requests: Sequence[NewCallback]
    ) -> list[Refusal]:
        """Return why create_many would refuse each request of a batch; store nothing.

        A dialect whose own checks refused part of a batch asks this of the rest, so that its
        answer names every refused request at once while the batch stays unstored.
        """
        access.require_queue(actor, queue_id)
        if any(request.queue_id != queue_id for request in requests):
            raise errors.Invalid("every request of a batch must be for its queue", field="queue_id")
        with self._store.transaction() as tx:
            queue = queue_of(tx, queue_id)
            return Admission(tx, queue, actor, self._clock.now()).check_all(requests)[1]

    def reschedule(
        self, actor: Principal, callback_id: UUID, desired_time: datetime | None
    ) -> Callback:
        """Move a callback not yet started to a new desired time (None: now), with its place."""
        with self._store.transaction() as tx:
            before = locked(tx, actor, callback_id)
            if before.state not in NOT_STARTED:
                raise errors.IllegalTransition(
                    f"cannot reschedule a callback that is {before.state.value}",
                    state=before.state.value, event="reschedule",
                )  # fmt: skip
            queue = queue_of(tx, before.queue_id)
            now = self._clock.now()
            next_action = first_action_time(queue, desired_time, now)
            bucket = take_place(tx, queue, next_action, now, moving=before.id)
            event = Event.RESCHEDULE_LATER if next_action > now else Event.RESCHEDULE_NOW
            after = before.apply(
                event, now=now, desired_time=desired_time, next_action_at=next_action,
                expires_at=expiry(queue, desired_time, next_action, now),
            )  # fmt: skip
            saved = save(tx, before, after, event="reschedule", actor=actor.name)
            tx.callbacks.book(before.id, queue.id, bucket)
            return saved

    def has_room(self, queue_id: int, at: datetime) -> bool:
        """Tell whether the capacity bucket holding `at` has room for one more callback."""
        with self._store.transaction(read_only=True) as tx:
            queue = queue_of(tx, queue_id)
            policy = queue.capacity
            start = capacity.bucket_start(at, policy.bucket_minutes, queue.timezone)
            return tx.callbacks.bucket_use(queue.id, start) < policy.max_per_bucket

    def availability(self, actor: Principal, queue_id: int, at: datetime) -> dict[datetime, int]:
        """Return the open, future, non-full buckets around `at` with their room left.

        Raises Closed when the queue is closed at `at` (nothing is proposed then).
        """
        access.require_queue(actor, queue_id)
        with self._store.transaction(read_only=True) as tx:
            queue = queue_of(tx, queue_id)
            if not queue.hours.is_open(at):
                reason = queue.hours.closed_reason(at) or "closed"
                message = f"queue {queue.name} is closed at {at.isoformat()}"
                raise errors.Closed(message, reason=reason, at=at)
            return room_around(tx, queue, at, self._clock.now())

    def get(self, actor: Principal, callback_id: UUID) -> CallbackView:
        """Return a callback the actor may see, with its event history."""
        with self._store.transaction() as tx:
            callback = visible(tx, actor, callback_id)
            return CallbackView(callback, tx.events.for_callback(callback_id))

    def get_by_external_id(self, actor: Principal, external_id: str) -> Callback:
        """Return the callback with this client-chosen id, if the actor may see it."""
        with self._store.transaction(read_only=True) as tx:
            callback = tx.callbacks.get_by_external_id(external_id)
        if callback is None or not actor.may_see_queue(callback.queue_id):
            raise errors.NotFound(f"callback with id {external_id} does not exist")
        return callback

    def find(self, actor: Principal, query: CallbackQuery) -> Page:
        """Return a page of the callbacks the actor may see that match `query`."""
        if not 1 <= query.limit <= MAX_PAGE:
            raise errors.Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if query.offset < 0:
            raise errors.Invalid("offset must be >= 0", field="offset")
        allowed = actor.visible_queue_ids()
        if allowed is not None:
            wanted = allowed if query.queue_ids is None else query.queue_ids
            query = dataclasses.replace(query, queue_ids=[q for q in wanted if q in allowed])
        with self._store.transaction() as tx:
            return tx.callbacks.find(query)

    def has_open_for_number(self, actor: Principal, number: str) -> bool:
        """Tell whether an open callback for `number` waits in a queue the actor may see.

        The number is looked for as given and as each visible queue would store it.
        """
        with self._store.transaction(read_only=True) as tx:
            queues = [q for q in tx.queues.all() if actor.may_see_queue(q.id)]
            candidates = sorted({number, *(stored_form(number, q) for q in queues)})
            if actor.visible_queue_ids() is None:
                return tx.callbacks.count_open_with_numbers(candidates) > 0
        # A supervisor must not learn that a number waits in another team's queue.
        return any(
            self.find(actor, CallbackQuery(states=OPEN, customer_number=n, limit=1)).total > 0
            for n in candidates
        )

    def accepts_now(self, queue_id: int) -> bool:
        """Tell whether a queue takes a callback now: enabled, open, its bucket not full."""
        with self._store.transaction(read_only=True) as tx:
            queue = queue_of(tx, queue_id)
        now = self._clock.now()
        return (
            queue.settings.accepting_callbacks
            and queue.hours.is_open(now)
            and self.has_room(queue.id, now)
        )

    def open_in_queue(self, actor: Principal, queue_id: int) -> list[Callback]:
        """Return the open callbacks of a queue, earliest queue start time first."""
        access.require_queue(actor, queue_id)
        with self._store.transaction(read_only=True) as tx:
            return tx.callbacks.open_in_queue(queue_id)

    def open_due_before(
        self, actor: Principal, queue_id: int, end: datetime, limit: int
    ) -> list[Callback]:
        """Return a queue's open callbacks whose next action comes before `end`, soonest first."""
        access.require_queue(actor, queue_id)
        with self._store.transaction(read_only=True) as tx:
            return tx.callbacks.open_due_before(queue_id, end, limit)

    def counts_by_state(self) -> dict[tuple[int, str], int]:
        """Return how many callbacks each queue has in each state (for metrics)."""
        with self._store.transaction() as tx:
            return tx.callbacks.counts_by_state()

    def cancel(self, actor: Principal, callback_id: UUID) -> Callback:
        """Cancel a callback that no dial is in flight for."""
        with self._store.transaction() as tx:
            before = locked(tx, actor, callback_id)
            now = self._clock.now()
            after = before.apply(
                Event.CANCEL, now=now, reason=Reason.CANCELLED, completed_at=now, lease=None
            )
            return save(tx, before, after, event="cancel", actor=actor.name)

    def report_progress(
        self, actor: Principal, callback_id: UUID, event: Event, *, telephony_status: str,
        log_as: str, **detail: Any,
    ) -> Callback:  # fmt: skip
        """Apply what telephony reports of an attempt: offered, taken by an agent, dialing.

        `telephony_status` is the far side's own word for it, kept to be shown back; an offer
        starts the offer timeout again (telephony holds the callback from then on).
        """
        if event not in PROGRESS_EVENTS:
            raise ValueError(f"{event} is not progress of an attempt")
        with self._store.transaction() as tx:
            before = locked(tx, actor, callback_id)
            now = self._clock.now()
            changes: dict[str, Any] = {"lease": None, "telephony_status": telephony_status}
            if event is Event.OFFER:
                changes["next_action_at"] = now + self._offer_timeout
            after = before.apply(event, now=now, **changes)
            return save(tx, before, after, event=log_as, actor=actor.name, **detail)

    def record_outcome(
        self,
        actor: Principal,
        callback_id: UUID,
        *,
        dial_key: str,
        outcome: Outcome,
        detail: str = "",
        telephony_status: str | None = None,
    ) -> Callback:
        """Apply the outcome of the attempt named by `dial_key`: done, retry later, or give up.

        `telephony_status`, when given, is the far side's own word for the outcome.
        """
        with self._store.transaction() as tx:
            before = locked(tx, actor, callback_id)
            if dial_key != before.dial_key:
                raise errors.Conflict(
                    f"dial key {dial_key} is not the current attempt ({before.dial_key})",
                    field="dial_key",
                )
            _require_attempt(tx, before)
            after = self._after_outcome(tx, before, outcome)
            if telephony_status is not None:
                after = after.evolve(telephony_status=telephony_status)
            return save(
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
        queue = queue_of(tx, before.queue_id)
        return fail_attempt(
            before, queue.retry, reason=Reason(outcome.value), now=now, spread=self._spread()
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
