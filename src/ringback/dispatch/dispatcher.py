"""The dispatch loop: sweep, claim, deliver, settle; heartbeats; graceful stop; outages.

The store is synchronous, so every service call runs in a worker thread; deliveries run as
asyncio tasks, at most `max_in_flight` at once and at most `max_dials_per_second`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ringback.dispatch.ratelimit import TokenBucket
from ringback.domain import errors
from ringback.domain.queues import DispatchMode, Queue
from ringback.services.dispatching import Claim, DispatchService
from ringback.services.ports import Delivery, DeliveryStatus, Telephony

log = logging.getLogger("ringback.dispatch")
SETTLE_BATCH = 500
#: how long a change of a queue's settings may take to reach a running dispatcher
QUEUES_MAX_AGE = 2.0


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    """Caps and timings of one dispatcher process."""

    poll_seconds: float = 0.2
    sweep_seconds: float = 5.0
    heartbeat_seconds: float = 10.0
    dial_timeout_seconds: float = 10.0
    batch_size: int = 200
    max_in_flight: int = 100
    max_dials_per_second: float = 0.0  # 0: no cap
    shutdown_grace_seconds: float = 8.0
    max_backoff_seconds: float = 10.0


def default_owner() -> str:
    """Return a name for this dispatcher: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Dispatcher:
    """Hands due callbacks to telephony, once per dial key, until told to stop."""

    def __init__(
        self,
        service: DispatchService,
        telephony_for: Callable[[Queue], Telephony],
        config: DispatcherConfig | None = None,
        owner: str | None = None,
    ) -> None:
        self._service = service
        self._telephony_for = telephony_for
        self.config = config or DispatcherConfig()
        self.owner = owner or default_owner()
        self._slots = asyncio.Semaphore(self.config.max_in_flight)
        self._rate = TokenBucket(self.config.max_dials_per_second)
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: dict[str, list[Claim]] = {}
        #: results waiting to be written, in batches, by the settler task
        self._results: asyncio.Queue[tuple[Claim, Delivery] | None] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._known_queues: list[Queue] = []
        self._queues_read_at: float | None = None
        self._stop: asyncio.Event | None = None
        #: counters since start, exposed on /metrics
        self.counts: dict[str, int] = {
            "claimed": 0, "accepted": 0, "transient": 0, "permanent": 0, "deferred": 0,
            "unwritten": 0,
        }  # fmt: skip
        self.healthy = True

    @property
    def in_flight(self) -> int:
        """Return how many claimed callbacks are not settled yet."""
        return len(self._tasks) + self._results.qsize()

    def stats(self) -> dict[str, float]:
        """Return the counters and gauges of this dispatcher, for /metrics."""
        return {**self.counts, "in_flight": self.in_flight, "healthy": float(self.healthy)}

    def wake(self) -> None:
        """Look for due work now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then finish or release what is in flight."""
        self._stop = stop
        heartbeat = asyncio.create_task(self._heartbeat(stop), name="dispatch-heartbeat")
        settler = asyncio.create_task(self._settle_results(), name="dispatch-settler")
        backoff = 0.0
        next_sweep = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                if loop.time() >= next_sweep:
                    await asyncio.to_thread(self._service.sweep)
                    next_sweep = loop.time() + self.config.sweep_seconds
                else:
                    await asyncio.to_thread(self._service.promote_due)
                claimed = await self._claim_round()
                backoff, self.healthy = 0.0, True
            except errors.Unavailable as exc:
                backoff = min(self.config.max_backoff_seconds, max(0.5, backoff * 2))
                self.healthy = False
                log.warning("database unavailable (%s); retrying in %.1f s", exc.message, backoff)
                await _sleep_or_stop(stop, backoff)
                continue
            if not claimed:
                await self._idle(stop)
        await self._shutdown(settler)
        heartbeat.cancel()

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())]
        await asyncio.wait(waiters, timeout=self.config.poll_seconds,
                           return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        for waiter in waiters:
            waiter.cancel()

    async def _claim_round(self) -> int:
        # Claim ahead of the dial slots, so that a slot freed never waits for the database.
        room = 2 * max(self.config.batch_size, self.config.max_in_flight) - self.in_flight
        if room <= 0:
            return 0
        queues = self._service.open_among(await self._queues())
        plain = [q for q in queues if q.settings.dispatch_mode is not DispatchMode.POSITION]
        limit = min(room, self.config.batch_size)
        claims = await self._claim(queues=plain, limit=limit)
        for queue in queues:
            if queue.settings.dispatch_mode is DispatchMode.POSITION:
                claims += await self._claim_position(queue, room - len(claims))
        self._start(claims)
        return len(claims)

    async def _queues(self) -> list[Queue]:
        """Return every queue, read again at most every sweep interval."""
        loop = asyncio.get_running_loop()
        if self._queues_read_at is None or loop.time() - self._queues_read_at > QUEUES_MAX_AGE:
            self._known_queues = await asyncio.to_thread(self._service.queues)
            self._queues_read_at = loop.time()
        return self._known_queues

    async def _claim_position(self, queue: Queue, room: int) -> list[Claim]:
        """Claim the head of a queue for agents ready and not covered by an offer in flight."""
        stats = await self._telephony_for(queue).queue_stats(queue)
        if stats is None or room <= 0:
            return []
        covered = await asyncio.to_thread(self._service.in_flight, queue.id)
        free = min(room, stats.ready_agents - covered)
        if free <= 0:
            return []
        now = self._service.now()
        started_before = now - timedelta(seconds=stats.longest_wait_seconds)
        return await self._claim(queues=[queue], limit=free, started_before=started_before)

    async def _claim(
        self, *, queues: list[Queue], limit: int, started_before: datetime | None = None
    ) -> list[Claim]:
        """Claim in a worker thread, which looks at the stop signal once more just before."""
        stop = self._stop

        def claim_unless_stopping() -> list[Claim]:
            if stop is not None and stop.is_set():
                return []  # no claim starts after the stop signal, however late the thread runs
            return self._service.claim(
                owner=self.owner, queues=queues, limit=limit, started_before=started_before
            )

        return await asyncio.to_thread(claim_unless_stopping)

    def _start(self, claims: list[Claim]) -> None:
        if not claims:
            return
        self.counts["claimed"] += len(claims)
        self._held.setdefault(claims[0].token, []).extend(claims)
        for claim in claims:
            task = asyncio.create_task(self._deliver(claim), name=f"dial {claim.dial_key}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, claim: Claim) -> None:
        async with self._slots:
            await self._rate.acquire()
            delivery = await self._dial(claim)
        # A delivery cancelled at shutdown never gets here: it stays held, to be released.
        self.counts[delivery.status.value] += 1
        self._results.put_nowait((claim, delivery))

    async def _settle_results(self) -> None:
        """Write delivery results in batches, until the end-of-work marker (None) arrives."""
        finished = False
        while not finished:
            batch: list[tuple[Claim, Delivery]] = []
            item = await self._results.get()
            while item is not None:
                batch.append(item)
                if self._results.empty() or len(batch) >= SETTLE_BATCH:
                    break
                item = self._results.get_nowait()
            finished = item is None
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[tuple[Claim, Delivery]]) -> None:
        try:
            await asyncio.to_thread(self._service.settle_many, batch)
        except errors.Unavailable:
            self.counts["unwritten"] += len(batch)
            log.warning("could not record %d results; their leases will expire and be rescued",
                        len(batch))  # fmt: skip
        except Exception:  # a bug must not stop the writer nor pin the claims forever
            self.counts["unwritten"] += len(batch)
            log.exception("could not record %d results; their leases will be rescued", len(batch))
        for claim, _ in batch:
            self._forget(claim)

    async def _dial(self, claim: Claim) -> Delivery:
        telephony = self._telephony_for(claim.queue)
        try:
            # A second of margin lets the adapter report its own, more precise timeout first.
            return await asyncio.wait_for(
                telephony.deliver(claim.callback, claim.queue, claim.dial_key),
                timeout=self.config.dial_timeout_seconds + 1.0,
            )
        except TimeoutError:
            return Delivery(DeliveryStatus.TRANSIENT, "dial request timed out", ambiguous=True)
        except Exception as exc:  # an adapter bug must not kill the loop
            log.exception("telephony adapter failed on %s", claim.dial_key)
            return Delivery(DeliveryStatus.TRANSIENT, f"adapter error: {exc}", ambiguous=True)

    def _forget(self, claim: Claim) -> None:
        held = self._held.get(claim.token)
        if held is None:
            return
        held.remove(claim)
        if not held:
            del self._held[claim.token]

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await _sleep_or_stop(stop, self.config.heartbeat_seconds)
            for token in list(self._held):
                try:
                    await asyncio.to_thread(self._service.renew, token)
                except errors.Unavailable:
                    log.warning("could not renew leases; they may be rescued elsewhere")

    async def _shutdown(self, settler: asyncio.Task[None]) -> None:
        """Let deliveries finish within the grace, write their results, release the rest.

        Results are written before anything is released, so that a request telephony accepted
        is never handed back to be dialled again.
        """
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.config.shutdown_grace_seconds)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._results.put_nowait(None)  # the settler writes what finished, then ends
        await settler
        for claims in list(self._held.values()):
            for claim in list(claims):
                try:
                    await asyncio.to_thread(self._service.release, claim)
                except errors.Unavailable:
                    log.warning("could not release %s; it will be rescued", claim.dial_key)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
