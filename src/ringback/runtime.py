"""The dispatcher at run time: its lock, its telephony adapters, its task."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from uuid import UUID

from ringback.core import Wing
from ringback.dispatch.dispatcher import Dispatcher, DispatcherConfig
from ringback.domain.people import Principal
from ringback.domain.queues import Queue, TelephonyKind
from ringback.notify.outbox import OutboxWorker
from ringback.services.callbacks import CallbackService, Outcome
from ringback.services.dispatching import DispatchConfig, DispatchService
from ringback.services.ports import Clock, Store, Telephony
from ringback.services.webhooks import OutboxService
from ringback.settings import Settings
from ringback.store.dispatcher_lock import DispatcherLock
from ringback.telephony.simulator import SimulatedAcd, SimulatorConfig, UnconfiguredTelephony
from ringback.telephony.webhook import WebhookTelephony

log = logging.getLogger("ringback.dispatch")
SIMULATOR = Principal(name="simulator")
MAX_WEBHOOK_CONNECTIONS = 32


def dispatch_service(settings: Settings, store: Store, clock: Clock) -> DispatchService:
    """Return the dispatcher's use cases, timed by `settings`."""
    config = DispatchConfig(
        lease_seconds=settings.lease_seconds, offer_timeout_seconds=settings.offer_timeout_seconds
    )
    return DispatchService(store, clock, config)


class DispatchRuntime:
    """Starts and stops one dispatcher with the adapters its queues need."""

    def __init__(
        self,
        settings: Settings,
        service: DispatchService,
        callbacks: CallbackService,
        outbox: OutboxService,
        wings: Sequence[Wing] = (),
    ) -> None:
        self._settings = settings
        self._lock = DispatcherLock(settings.database_url)
        self.simulator = SimulatedAcd(self._report_simulated, _simulator_config(settings))
        self._callbacks = callbacks
        self._adapters: dict[TelephonyKind, Telephony] = {
            TelephonyKind.SIMULATOR: self.simulator,
            TelephonyKind.WEBHOOK: _webhook(settings),
        }
        for wing in wings:
            self._adapters.update(wing.telephony)
        self.dispatcher = Dispatcher(service, self.telephony_for, _dispatcher_config(settings))
        feeds = [feed for wing in wings for feed in wing.feeds]
        self.outbox = OutboxWorker(outbox, self.dispatcher.owner, feeds=feeds)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def telephony_for(self, queue: Queue) -> Telephony:
        """Return the adapter that carries `queue`'s dial requests."""
        kind = queue.settings.telephony
        adapter = self._adapters.get(kind)
        if adapter is None:  # the dialect that brings it is not served here
            adapter = self._adapters[kind] = UnconfiguredTelephony(kind.value)
        return adapter

    async def start(self) -> None:
        """Take the SQLite lock (if any) and start dispatching."""
        self._lock.acquire()
        self._tasks = [
            asyncio.create_task(self.dispatcher.run(self._stop), name="dispatcher"),
            asyncio.create_task(self.outbox.run(self._stop), name="outbox"),
        ]
        log.info("dispatcher %s started", self.dispatcher.owner)

    async def stop(self) -> None:
        """Stop claiming, finish or release in-flight work, close the adapters."""
        self._stop.set()
        await asyncio.gather(*self._tasks)
        for adapter in self._adapters.values():
            await adapter.aclose()
        self._lock.release()
        log.info("dispatcher %s stopped", self.dispatcher.owner)

    def _report_simulated(self, callback_id: UUID, dial_key: str, outcome: Outcome) -> None:
        self._callbacks.record_outcome(SIMULATOR, callback_id, dial_key=dial_key, outcome=outcome)


def _dispatcher_config(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        poll_seconds=settings.poll_seconds,
        sweep_seconds=settings.sweep_seconds,
        heartbeat_seconds=settings.heartbeat_seconds,
        dial_timeout_seconds=settings.dial_timeout_seconds,
        max_in_flight=settings.max_in_flight,
        max_dials_per_second=settings.max_dials_per_second,
        shutdown_grace_seconds=settings.shutdown_grace_seconds,
    )


def _simulator_config(settings: Settings) -> SimulatorConfig:
    return SimulatorConfig(
        agents_per_queue=settings.simulator_agents_per_queue,
        answer_rate=settings.simulator_answer_rate,
        busy_rate=settings.simulator_busy_rate,
        ring_seconds=settings.simulator_ring_seconds,
        handle_seconds=settings.simulator_handle_seconds,
    )


def _webhook(settings: Settings) -> Telephony:
    if not settings.webhook_url or settings.webhook_secret is None:
        return UnconfiguredTelephony("webhook")
    return WebhookTelephony(
        settings.webhook_url,
        settings.webhook_secret.get_secret_value(),
        timeout_seconds=settings.dial_timeout_seconds,
        max_connections=min(settings.max_in_flight, MAX_WEBHOOK_CONNECTIONS),
    )
