"""An outcome reported while the dispatcher settles the same attempt is never lost.

Fast telephony (the simulator with no ring time, a PBX answering at once) can report an
attempt's outcome before the dispatcher has written telephony's acceptance. Both writes touch
the same row; whichever comes second must still leave the outcome recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.states import Reason, State
from ringback.services.callbacks import NewCallback, Outcome
from ringback.services.dispatching import Claim, DispatchService
from ringback.services.ports import Delivery, DeliveryStatus
from ringback.testing import FakeClock
from tests.dispatch.support import add_queue

SERVICE = Principal.service()
SIMULATOR = Principal(name="simulator")


class SettleInTheMiddle:
    """A store that, inside the outcome's unit of work, lets the dispatcher settle first.

    The first callback read of the armed unit of work starts the dispatcher's settle in
    another thread and gives it a moment: the settle either completes there (nothing held
    the row) or waits for the outcome's transaction (the row was locked when read).
    """

    def __init__(self, store: Any, settle: threading.Thread) -> None:
        self._store = store
        self._settle = settle
        self.armed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Any]:
        with self._store.transaction(read_only=read_only) as tx:
            if self.armed:
                self.armed = False
                tx.callbacks = _ReadThenSettle(tx.callbacks, self._settle)
            yield tx


class _ReadThenSettle:
    def __init__(self, callbacks: Any, settle: threading.Thread) -> None:
        self._callbacks = callbacks
        self._settle = settle

    def __getattr__(self, name: str) -> Any:
        return getattr(self._callbacks, name)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        found = self._callbacks.get(*args, **kwargs)
        self._settle.start()
        self._settle.join(timeout=0.5)  # done unless it waits for this transaction's lock
        return found


def test_an_outcome_reported_during_the_settle_is_recorded(core: Core, clock: FakeClock) -> None:
    queue = add_queue(core)
    created = core.callbacks.create(
        SERVICE, NewCallback(queue_id=queue.id, phone_number="+33612000001")
    )
    dispatch = DispatchService(core.store, clock)
    [claim] = dispatch.claim(owner="d1", queues=[queue], limit=1)
    settled: list[Any] = []
    settle = threading.Thread(target=lambda: settled.append(_accept(dispatch, claim)))
    racing = SettleInTheMiddle(core.store, settle)
    callbacks = type(core.callbacks)(racing, clock)
    racing.armed = True

    after = callbacks.record_outcome(
        SIMULATOR, created.id, dial_key=claim.dial_key, outcome=Outcome.COMPLETED
    )
    settle.join(timeout=10)

    assert after.state is State.COMPLETED
    stored = core.callbacks.get(SERVICE, created.id).callback
    assert (stored.state, stored.reason) == (State.COMPLETED, Reason.COMPLETED)
    assert stored.lease is None
    assert settled == [None]  # the settle came second and found its lease gone


def _accept(dispatch: DispatchService, claim: Claim) -> Any:
    return dispatch.settle(claim, Delivery(DeliveryStatus.ACCEPTED, "accepted"))
