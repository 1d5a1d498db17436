"""Use cases of the dispatcher: claim due work, settle deliveries, keep leases, sweep.

Every write of a claimed callback is fenced by its lease token: a stale worker (paused past its
lease, then resumed) changes nothing. The dial key `<id>:<slot>` changes only after a definite
failure; a rescue or an ambiguous failure re-sends the same key.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ringback.domain import hours, retry
from ringback.domain.callbacks import Callback, StateChange, fail_attempt, record
from ringback.domain.queues import Queue
from ringback.domain.retry import MissedAction
from ringback.domain.states import Event, Reason, State
from ringback.services.ports import Clock, Delivery, DeliveryStatus, Store, Transaction

log = logging.getLogger("ringback.dispatch")
ACTOR = "dispatcher"


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    """Timing of the dispatcher's work."""

    lease_seconds: float = 30.0
    #: how long telephony may hold an accepted callback without reporting before it counts
    #: as a failed attempt
    offer_timeout_seconds: float = 3600.0
    sweep_limit: int = 500


@dataclass(frozen=True, slots=True)
class Claim:
    """A callback the dispatcher holds under a lease, with its queue."""

    callback: Callback
    queue: Queue
    token: str

    @property
    def dial_key(self) -> str:
        """Return the key of this attempt."""
        return self.callback.dial_key


@dataclass(slots=True)
class SweepReport:
    """What one sweep changed."""

    rescued: int = 0
    expired: int = 0
    promoted: int = 0
    missed: int = 0
    offers_timed_out: int = 0
    rescued_ids: list[str] = field(default_factory=list)


class DispatchService:
    """The dispatcher's side of the callback's life."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: DispatchConfig | None = None,
        spread: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._clock = clock
        self._config = config or DispatchConfig()
        self._spread = spread

    def now(self) -> datetime:
        """Return the service clock's current instant."""
        return self._clock.now()

    def queues(self) -> list[Queue]:
        """Return every queue (the dispatcher keeps them a few seconds)."""
        with self._store.transaction(read_only=True) as tx:
            return tx.queues.all()

    def open_among(self, queues: list[Queue]) -> list[Queue]:
        """Return those of `queues` whose business hours are open now: only they may dial."""
        now = self._clock.now()
        return [queue for queue in queues if queue.hours.is_open(now)]

    def open_queues(self) -> list[Queue]:
        """Return the queues whose business hours are open now."""
        return self.open_among(self.queues())

    def in_flight(self, queue_id: int) -> int:
        """Count a queue's callbacks handed to telephony and not yet taken by an agent."""
        with self._store.transaction() as tx:
            return tx.callbacks.count_in_flight(queue_id)

    def claim(
        self,
        *,
        owner: str,
        queues: list[Queue],
        limit: int,
        started_before: datetime | None = None,
    ) -> list[Claim]:
        """Take up to `limit` due callbacks of `queues` under a new lease."""
        if limit <= 0 or not queues:
            return []
        now = self._clock.now()
        token = uuid.uuid4().hex
        by_id = {queue.id: queue for queue in queues}
        lease_until = now + timedelta(seconds=self._config.lease_seconds)
        with self._store.transaction() as tx:
            claimed = tx.callbacks.claim_due(
                now=now, owner=owner, token=token, lease_until=lease_until, limit=limit,
                queue_ids=list(by_id), started_before=started_before,
            )  # fmt: skip
            tx.events.append_many(
                [record(c.evolve(state=State.WAITING, lease=None), c, event="claim", actor=owner)
                 for c in claimed]
            )  # fmt: skip
        return [Claim(callback, by_id[callback.queue_id], token) for callback in claimed]

    def renew(self, token: str) -> int:
        """Extend the lease of every callback still held under `token`."""
        until = self._clock.now() + timedelta(seconds=self._config.lease_seconds)
        with self._store.transaction() as tx:
            return tx.callbacks.renew_leases(token=token, until=until)

    def settle(self, claim: Claim, delivery: Delivery) -> Callback | None:
        """Record telephony's answer to one dial request; None when the lease was lost."""
        return self.settle_many([(claim, delivery)])[0]

    def settle_many(self, results: list[tuple[Claim, Delivery]]) -> list[Callback | None]:
        """Record telephony's answers in one transaction; None for each lease lost."""
        with self._store.transaction() as tx:
            current = tx.callbacks.get_many([claim.callback.id for claim, _ in results])
            settled = [self._settle_one(tx, current.get(c.callback.id), c, d) for c, d in results]
            tx.events.append_many([change for _, change in filter(None, settled)])
            return [pair[0] if pair else None for pair in settled]

    def _settle_one(
        self, tx: Transaction, current: Callback | None, claim: Claim, delivery: Delivery
    ) -> tuple[Callback, StateChange] | None:
        """Store one result; return the callback as stored and its event-log line."""
        if current is None or current.lease is None or current.lease.token != claim.token:
            log.warning("stale result for %s ignored: lease lost", claim.dial_key)
            return None
        after = self._after_delivery(current, claim.queue, delivery)
        if not tx.callbacks.update_progress(after, lease_token=claim.token):
            log.warning("stale result for %s ignored: lease lost", claim.dial_key)
            return None
        change = record(current, after, event=f"delivery:{delivery.status.value}", actor=ACTOR,
                        dial_key=claim.dial_key, detail=delivery.detail)  # fmt: skip
        return after.evolve(version=current.version + 1), change

    def release(self, claim: Claim) -> bool:
        """Give a claimed callback back (shutdown): waiting again, same dial key."""
        with self._store.transaction() as tx:
            current = tx.callbacks.get(claim.callback.id)
            if current is None or current.state is not State.DISPATCHING:
                return False
            now = self._clock.now()
            after = current.apply(Event.RESCUE, now=now, lease=None, next_action_at=now)
            if not tx.callbacks.update(after, lease_token=claim.token):
                return False
            tx.events.append(record(current, after, event="release", actor=ACTOR))
            return True

    def _after_delivery(self, current: Callback, queue: Queue, delivery: Delivery) -> Callback:
        now = self._clock.now()
        if delivery.status is DeliveryStatus.ACCEPTED:
            offer_ends = now + timedelta(seconds=self._config.offer_timeout_seconds)
            return current.apply(Event.OFFER, now=now, lease=None, next_action_at=offer_ends)
        if delivery.status is DeliveryStatus.DEFERRED:
            later = now + timedelta(seconds=delivery.retry_after_seconds)
            return current.apply(Event.RESCUE, now=now, lease=None, next_action_at=later)
        attempts = current.attempts + 1
        if delivery.status is DeliveryStatus.PERMANENT:
            return current.apply(
                Event.GIVE_UP, now=now, attempts=attempts, reason=Reason.FAILED,
                completed_at=now, lease=None,
            )  # fmt: skip
        reason = Reason.TIMEOUT if delivery.ambiguous else Reason.FAILED
        return fail_attempt(
            current, queue.retry, reason=reason, now=now, spread=self._spread(),
            same_key=delivery.ambiguous,
        )  # fmt: skip

    def sweep(self) -> SweepReport:
        """Rescue expired leases, expire callbacks past their TTL, time out silent offers."""
        report = SweepReport()
        limit = self._config.sweep_limit
        with self._store.transaction() as tx:
            now = self._clock.now()
            for callback in tx.callbacks.expired_leases(now=now, limit=limit):
                if self._rescue(tx, callback, now):
                    report.rescued += 1
                    report.rescued_ids.append(callback.dial_key)
            for callback in tx.callbacks.past_expiry(now=now, limit=limit):
                after = callback.apply(Event.EXPIRE, now=now, reason=Reason.TTL, completed_at=now)
                report.expired += _store_change(tx, callback, after, "expire")
            queues = {queue.id: queue for queue in tx.queues.all()}
            for callback in tx.callbacks.due_in_state(State.OFFERED, now=now, limit=limit):
                report.offers_timed_out += self._offer_timed_out(tx, callback, queues, now)
        self._promote_due(report)
        return report

    def promote_due(self) -> SweepReport:
        """Make scheduled callbacks whose time has come waiting (or apply the missed policy)."""
        report = SweepReport()
        self._promote_due(report)
        return report

    def _promote_due(self, report: SweepReport) -> None:
        with self._store.transaction(read_only=True) as tx:
            if not tx.callbacks.due_in_state(State.SCHEDULED, now=self._clock.now(), limit=1):
                return  # the usual case: look without queueing for the write lock
        with self._store.transaction() as tx:
            now = self._clock.now()
            due = tx.callbacks.due_in_state(
                State.SCHEDULED, now=now, limit=self._config.sweep_limit
            )
            if not due:
                return
            queues = {queue.id: queue for queue in tx.queues.all()}
            for callback in due:
                self._promote(tx, callback, queues[callback.queue_id], now, report)

    def _rescue(self, tx: Transaction, callback: Callback, now: datetime) -> bool:
        after = callback.apply(Event.RESCUE, now=now, lease=None, next_action_at=now)
        token = callback.lease.token if callback.lease else None
        if not tx.callbacks.update(after, lease_token=token):
            return False
        tx.events.append(record(callback, after, event="rescue", actor=ACTOR))
        return True

    def _promote(
        self, tx: Transaction, callback: Callback, queue: Queue, now: datetime, report: SweepReport
    ) -> None:
        due_at = callback.next_action_at or now
        if not retry.is_missed(queue.retry, due_at=due_at, now=now):
            report.promoted += _store_change(
                tx, callback, callback.apply(Event.DUE, now=now), "due"
            )
            return
        report.missed += 1
        action = queue.retry.missed_action
        if action is MissedAction.CLOSE:
            after = callback.apply(Event.EXPIRE, now=now, reason=Reason.MISSED, completed_at=now)
        elif action is MissedAction.NEXT_DAY:
            next_at = _next_day(queue, due_at, now)
            after = callback.apply(
                Event.RESCHEDULE_LATER, now=now, next_action_at=next_at,
                expires_at=retry.expires_at(queue.retry, next_at),
            )  # fmt: skip
        else:
            after = callback.apply(Event.DUE, now=now)
        _store_change(tx, callback, after, f"missed:{action.value}")

    def _offer_timed_out(
        self, tx: Transaction, callback: Callback, queues: dict[int, Queue], now: datetime
    ) -> int:
        policy = queues[callback.queue_id].retry
        after = fail_attempt(
            callback, policy, reason=Reason.TIMEOUT, now=now, spread=self._spread()
        )
        return _store_change(tx, callback, after, "offer_timeout")


def _store_change(tx: Transaction, before: Callback, after: Callback, event: str) -> int:
    if not tx.callbacks.update(after, expected_version=before.version):
        return 0  # another dispatcher got there first
    tx.events.append(record(before, after, event=event, actor=ACTOR))
    return 1


def _next_day(queue: Queue, due_at: datetime, now: datetime) -> datetime:
    """Return the same local time one day later (or later still), at an opening of the queue."""
    candidate = due_at
    while candidate <= now:
        candidate = _plus_local_day(candidate, queue.timezone)
    opening = queue.hours.next_opening(candidate)
    return opening or candidate


def _plus_local_day(moment: datetime, timezone: str) -> datetime:
    tz = hours.zone(timezone)
    wall = moment.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    return hours.local_to_utc(wall, tz)
