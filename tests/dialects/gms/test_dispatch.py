"""A scheduled GMS callback waits for its time, is dispatched then, and completes (simulator)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.dialects.gms.wire import callback_state
from ringback.domain.people import Principal
from ringback.domain.states import State
from ringback.services.callbacks import Outcome
from ringback.telephony.simulator import SimulatedAcd, SimulatorConfig
from ringback.testing import FakeClock
from tests.dialects.gms.conftest import ADMIN, BASE, add_service, utc
from tests.dispatch.support import dispatch_service, dispatcher, hold, running, wait_until

SIMULATOR = Principal(name="simulator")
SERVICE = Principal.service()


def test_a_scheduled_callback_is_dialled_at_its_time_and_completes(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, business_hours=("Mon-Fri 09:00-17:00",))
    response = gms.post(
        f"{BASE}/BasicCallback",
        json={"_customer_number": "5115", "_desired_time": "2026-01-05T09:30:00.000Z"},
    )
    callback_id = UUID(response.json()["_id"])

    def report(callback: UUID, dial_key: str, outcome: Outcome) -> None:
        core.callbacks.record_outcome(SIMULATOR, callback, dial_key=dial_key, outcome=outcome)

    config = SimulatorConfig(answer_rate=1.0, busy_rate=0.0, ring_seconds=0, handle_seconds=0)
    acd = SimulatedAcd(report, config)
    worker = dispatcher(dispatch_service(core, clock), acd)

    def admin_state() -> str:
        items = gms.get(ADMIN, params={"target": "BasicCallback"}).json()["BasicCallback"]
        return str(items[0]["_callback_state"]) if items else "gone"

    def stored_state() -> State:
        return core.callbacks.get(SERVICE, callback_id).callback.state

    async def scenario() -> None:
        async with running(worker):
            await hold(0.3)
            assert acd.delivered == []  # 09:00: not yet its time
            assert stored_state() is State.SCHEDULED
            clock.set(utc(2026, 1, 5, 9, 30))
            # Generous: it returns as soon as the call completes; 2 shared cores can be slow.
            await wait_until(
                lambda: stored_state() is State.COMPLETED, timeout=30, what="completed"
            )
        await acd.aclose()

    assert admin_state() == "SCHEDULED"
    asyncio.run(scenario())
    assert acd.delivered == [f"{callback_id}:0"]
    callback = core.callbacks.get(SERVICE, callback_id).callback
    assert callback_state(callback.state, callback.reason) == ("COMPLETED", "AGENT_CONNECTED")
    assert admin_state() == "gone"  # no longer outstanding
