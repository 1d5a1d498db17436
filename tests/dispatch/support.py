"""Helpers of the dispatch tests: queues, callbacks, a running dispatcher, polling, fakes."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from ringback.core import Core
from ringback.dispatch.dispatcher import Dispatcher, DispatcherConfig
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal
from ringback.domain.queues import Dedup, Queue, QueueSettings
from ringback.domain.states import State
from ringback.services.callbacks import NewCallback
from ringback.services.dispatching import DispatchConfig, DispatchService
from ringback.services.ports import Delivery, DeliveryStatus, Telephony
from ringback.testing import FakeClock

SERVICE = Principal.service()


def number(index: int) -> str:
    """Return a distinct, valid French mobile number for each index."""
    return f"+336{12000000 + index:08d}"


def add_queue(core: Core, queue_id: int = 1, **settings: Any) -> Queue:
    """Create a queue (always open, no dedup unless told) through the queue service."""
    values: dict[str, Any] = {"name": f"queue-{queue_id}", "dedup": Dedup.OFF}
    values.update(settings)
    return core.queues.create(SERVICE, QueueSettings(**values), queue_id=queue_id)


def add_callbacks(
    core: Core, queue_id: int, count: int, *, first: int = 0, **fields: Any
) -> list[UUID]:
    """Create `count` callbacks with distinct numbers; return their ids in creation order."""
    return [
        core.callbacks.create(
            SERVICE, NewCallback(queue_id=queue_id, phone_number=number(first + i), **fields)
        ).id
        for i in range(count)
    ]


def current(core: Core, callback_id: UUID) -> Callback:
    """Return the stored callback."""
    return core.callbacks.get(SERVICE, callback_id).callback


def events(core: Core, callback_id: UUID) -> list[str]:
    """Return the event names of a callback's history, oldest first."""
    return [change.event for change in core.callbacks.get(SERVICE, callback_id).history]


def states(core: Core, ids: list[UUID]) -> list[State]:
    """Return the stored states of `ids`."""
    return [current(core, callback_id).state for callback_id in ids]


def all_in(core: Core, ids: list[UUID], *wanted: State) -> bool:
    """Tell whether every callback of `ids` is in one of the `wanted` states."""
    return all(state in wanted for state in states(core, ids))


def dispatch_service(
    core: Core,
    clock: FakeClock,
    spread: float = 0.5,
    **config: Any,
) -> DispatchService:
    """Return a DispatchService with a fixed jitter spread."""
    return DispatchService(core.store, clock, DispatchConfig(**config), spread=lambda: spread)


def dispatcher(
    service: DispatchService,
    telephony: Telephony | Callable[[Queue], Telephony],
    **config: Any,
) -> Dispatcher:
    """Return a dispatcher polling fast; `telephony` is one adapter or one per queue."""
    values: dict[str, Any] = {"poll_seconds": 0.01, "sweep_seconds": 0.01}
    values.update(config)
    telephony_for = telephony if callable(telephony) else (lambda queue: telephony)
    return Dispatcher(service, telephony_for, DispatcherConfig(**values), owner="d1")


def watched_service(
    core: Core, clock: FakeClock, spread: float = 0.5, **config: Any
) -> WatchedService:
    """Return a WatchedService with a fixed jitter spread."""
    return WatchedService(core.store, clock, DispatchConfig(**config), spread=lambda: spread)


async def wait_until(
    predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
) -> float:
    """Poll `predicate` in real time until it holds; return the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def hold(seconds: float) -> None:
    """Let the dispatcher run for a while (real time)."""
    await asyncio.sleep(seconds)


@asynccontextmanager
async def running(worker: Dispatcher, stop_within: float = 10.0) -> AsyncIterator[asyncio.Event]:
    """Run `worker` in a task for the block; stop it at the end and check it ended cleanly."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=stop_within)  # re-raises whatever run() raised


def answer(status: DeliveryStatus, detail: str = "", ambiguous: bool = False) -> Any:
    """Return a RecordingTelephony script that always answers the same."""

    def script(callback: Callback, dial_key: str) -> Delivery:
        return Delivery(status, detail, ambiguous=ambiguous)

    return script


class WatchedService(DispatchService):
    """A DispatchService that notes each call the dispatcher makes and can fail or stall it.

    Every public method is watched (whatever the dispatcher calls: settle or settle_many,
    sweep or promote_due...); a call made from inside another watched call is not counted.
    While `down` is set every call raises Unavailable (an outage). `fail_next[name]` is how
    many of the next calls of `name` (or of `name_*`, e.g. settle_many for settle) raise the
    given exception; `stall[name]` makes those calls sleep first (a slow database).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, float]] = []
        self.down = False
        self.fail_next: dict[str, tuple[int, Exception]] = {}
        self.stall: dict[str, float] = {}
        self._nesting = threading.local()

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if name.startswith("_") or name in UNWATCHED or not callable(attribute):
            return attribute
        return functools.partial(self._watched, name, attribute)

    def _watched(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        depth = getattr(self._nesting, "depth", 0)
        if depth == 0:
            self._enter(name)
        self._nesting.depth = depth + 1
        try:
            return method(*args, **kwargs)
        finally:
            self._nesting.depth = depth

    def _enter(self, name: str) -> None:
        self.calls.append((name, time.monotonic()))
        if self.down:
            raise errors.Unavailable("the database cannot be reached (test outage)")
        for key, (count, exc) in list(self.fail_next.items()):
            if count > 0 and _matches(name, key):
                self.fail_next[key] = (count - 1, exc)
                raise exc
        for key, seconds in self.stall.items():
            if _matches(name, key):
                time.sleep(seconds)

    def started(self, name: str) -> list[float]:
        """Return the monotonic instants at which calls of `name` (or `name_*`) started."""
        return [at for called, at in self.calls if _matches(called, name)]


UNWATCHED = frozenset({"now", "started"})


def _matches(name: str, key: str) -> bool:
    return name == key or name.startswith(f"{key}_")
