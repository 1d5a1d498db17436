"""A simulated ACD: agents per queue, answer / busy / no-answer rates, ring and handle times.

It accepts every dial request, rings for a while, then reports the outcome through the same
use case as real telephony (record_outcome with the dial key), so the demo and the tests run
the whole life of a callback without a PBX.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.queues import Queue
from ringback.services.callbacks import Outcome
from ringback.services.ports import Delivery, DeliveryStatus, QueueStats

log = logging.getLogger("ringback.simulator")

Reporter = Callable[[UUID, str, Outcome], None]


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How the simulated contact center behaves."""

    agents_per_queue: int = 3
    answer_rate: float = 0.8
    busy_rate: float = 0.1  # the rest of the unanswered calls ring out (no answer)
    ring_seconds: float = 2.0
    handle_seconds: float = 20.0
    seed: int | None = None


class SimulatedAcd:
    """An in-process ACD that takes dial requests and reports their outcomes."""

    def __init__(self, report: Reporter, config: SimulatorConfig | None = None) -> None:
        self._report = report
        self.config = config or SimulatorConfig()
        self._random = random.Random(self.config.seed)
        self._talking: dict[int, int] = defaultdict(int)
        self._calls: set[asyncio.Task[None]] = set()
        self.delivered: list[str] = []

    async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
        """Accept the request and start the simulated call."""
        self.delivered.append(dial_key)
        task = asyncio.create_task(self._call(callback.id, queue.id, dial_key))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)
        return Delivery(DeliveryStatus.ACCEPTED, "simulated")

    async def queue_stats(self, queue: Queue) -> QueueStats:
        """Return ready agents: the queue's agents less those talking."""
        talking = self._talking[queue.id]
        ready = max(0, self.config.agents_per_queue - talking)
        return QueueStats(ready_agents=ready, talking_agents=talking)

    async def aclose(self) -> None:
        """Stop every simulated call."""
        for task in list(self._calls):
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)

    async def _call(self, callback_id: UUID, queue_id: int, dial_key: str) -> None:
        self._talking[queue_id] += 1
        try:
            await asyncio.sleep(self.config.ring_seconds)
            outcome = self._draw()
            if outcome is Outcome.COMPLETED:
                await asyncio.sleep(self.config.handle_seconds)
        finally:
            self._talking[queue_id] -= 1
        try:
            await asyncio.to_thread(self._report, callback_id, dial_key, outcome)
        except errors.RingbackError as exc:
            log.info("simulated outcome of %s not recorded: %s", dial_key, exc.message)

    def _draw(self) -> Outcome:
        draw = self._random.random()
        if draw < self.config.answer_rate:
            return Outcome.COMPLETED
        if draw < self.config.answer_rate + self.config.busy_rate:
            return Outcome.BUSY
        return Outcome.NO_ANSWER


class UnconfiguredTelephony:
    """Stands for an adapter this server has no configuration for: every request fails."""

    def __init__(self, kind: str) -> None:
        self._kind = kind

    async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
        """Refuse: nothing is configured to carry the request."""
        return Delivery(
            DeliveryStatus.PERMANENT, f"telephony {self._kind!r} is not configured on this server"
        )

    async def queue_stats(self, queue: Queue) -> QueueStats | None:
        """Nothing to tell."""
        return None

    async def aclose(self) -> None:
        """Nothing to close."""
