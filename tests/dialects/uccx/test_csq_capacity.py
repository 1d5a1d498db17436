"""checkcsqstatus says a CSQ is not accepting while its current capacity bucket is full."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.services.callbacks import NewCallback
from ringback.testing import FakeClock
from tests.dialects.uccx.conftest import add_queue, call

SERVICE = Principal.service()


def test_a_full_current_bucket_stops_accepting_until_the_next_bucket(
    uccx: TestClient, core: Core, clock: FakeClock
) -> None:
    queue = add_queue(core, "Main", bucket_minutes=15, max_per_bucket=2, dedup="false")
    clock.set(datetime(2026, 1, 5, 9, 5, tzinfo=UTC))
    for number in ("5115", "5116"):
        assert "<AcceptingCallbacks>true<" in call(uccx, "checkcsqstatus", csq="Main")
        core.callbacks.create(SERVICE, NewCallback(queue_id=queue.id, phone_number=number))
    assert "<AcceptingCallbacks>false<" in call(uccx, "checkcsqstatus", csq="Main")
    clock.set(datetime(2026, 1, 5, 9, 15, tzinfo=UTC))  # the next 15-minute bucket is empty
    assert "<AcceptingCallbacks>true<" in call(uccx, "checkcsqstatus", csq="Main")


def test_a_cancelled_callback_gives_its_place_back(
    uccx: TestClient, core: Core, clock: FakeClock
) -> None:
    queue = add_queue(core, "Main", max_per_bucket=1)
    booked = core.callbacks.create(SERVICE, NewCallback(queue_id=queue.id, phone_number="5115"))
    assert "<AcceptingCallbacks>false<" in call(uccx, "checkcsqstatus", csq="Main")
    core.callbacks.cancel(SERVICE, booked.id)
    assert "<AcceptingCallbacks>true<" in call(uccx, "checkcsqstatus", csq="Main")
