"""Cancel, reschedule, query by number, availability and the admin view, per the document."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.states import State
from ringback.services.callbacks import NewCallback
from ringback.testing import FakeClock
from tests.dialects.gms.conftest import (
    ADMIN,
    BASE,
    CALLBACK_EXCEPTION,
    EXCEPTION_AVAILABILITY,
    SERVICE_EXCEPTION,
    add_service,
    error,
    utc,
)

SERVICE = Principal.service()


def start(gms: TestClient, service: str = "BasicCallback", **fields: Any) -> str:
    payload = {"_customer_number": "5115", **fields}
    response = gms.post(f"{BASE}/{service}", json=payload)
    assert response.status_code == 200, response.text
    request_id: str = response.json()["_id"]
    return request_id


def state_of(core: Core, request_id: str) -> State:
    return core.callbacks.get(SERVICE, UUID(request_id)).callback.state


def test_cancel_as_the_document_shows(gms: TestClient, core: Core) -> None:
    add_service(core)
    request_id = start(gms, _desired_time="2026-01-05T15:00:00.000Z")
    response = gms.delete(f"{BASE}/BasicCallback/{request_id}")
    assert response.status_code == 200
    assert response.content == b""
    assert state_of(core, request_id) is State.CANCELLED
    body = error(gms.delete(f"{BASE}/BasicCallback/{request_id}"), CALLBACK_EXCEPTION)
    assert body == {
        "message": f"No such request to cancel : [{request_id}]",
        "exception": CALLBACK_EXCEPTION,
    }


def test_cancel_refuses_unknown_foreign_and_processing_requests(
    gms: TestClient, core: Core
) -> None:
    add_service(core)
    add_service(core, "Other")
    other = start(gms, "Other")
    for request_id in ("a550a12e-ca77-4146-98d0-58960e0939f7", "not-a-uuid", other):
        body = error(gms.delete(f"{BASE}/BasicCallback/{request_id}"), CALLBACK_EXCEPTION)
        assert body["message"] == f"No such request to cancel : [{request_id}]"
    assert state_of(core, other) is State.WAITING
    processing = start(gms)
    _move(core, processing, State.DIALING)
    body = error(gms.delete(f"{BASE}/BasicCallback/{processing}"), CALLBACK_EXCEPTION)
    assert body["message"] == f"No such request to cancel : [{processing}]"
    assert state_of(core, processing) is State.DIALING


def _move(core: Core, request_id: str, state: State) -> None:
    """Put a stored callback in `state` as the dispatcher would (tests only)."""
    with core.store.transaction() as tx:
        callback = tx.callbacks.get(UUID(request_id))
        assert callback is not None
        assert tx.callbacks.update(callback.evolve(state=state))


def test_reschedule_as_the_document_shows(gms: TestClient, core: Core) -> None:
    add_service(core, business_hours=("Mon-Fri 09:00-17:00",), max_per_bucket=5, dedup="false")
    request_id = start(gms, _desired_time="2026-01-05T10:00:00.000Z")
    response = gms.put(
        f"{BASE}/BasicCallback/{request_id}", json={"_new_desired_time": "2026-01-05T15:05:00.000Z"}
    )
    assert response.status_code == 200, response.text
    assert response.content == b""
    callback = core.callbacks.get(SERVICE, UUID(request_id)).callback
    assert callback.desired_time == utc(2026, 1, 5, 15, 5)
    assert callback.state is State.SCHEDULED
    for _ in range(5):
        start(gms, _desired_time="2026-01-05T16:45:00.000Z")
    for _ in range(2):
        start(gms, _desired_time="2026-01-05T16:55:00.000Z")
    response = gms.put(
        f"{BASE}/BasicCallback/{request_id}", json={"_new_desired_time": "2026-01-05T16:45:00.000Z"}
    )
    body = error(response, EXCEPTION_AVAILABILITY)
    assert body["message"] == (
        "Too many requests at desired time [2026-01-05T16:45:00.000Z, 2026-01-05T16:50:00.000Z]."
        " Proposing time slots."
    )
    slots = body["availability"]
    assert "2026-01-05T16:45:00.000Z" not in slots
    assert slots["2026-01-05T16:50:00.000Z"] == 5
    assert slots["2026-01-05T16:55:00.000Z"] == 3
    assert slots["2026-01-05T16:25:00.000Z"] == 5
    assert max(slots) == "2026-01-05T16:55:00.000Z"  # the office closes at 17:00
    assert core.callbacks.get(SERVICE, UUID(request_id)).callback.desired_time == utc(
        2026, 1, 5, 15, 5
    )


def test_reschedule_refusals(gms: TestClient, core: Core) -> None:
    add_service(core, business_hours=("Mon-Fri 09:00-17:00",))
    request_id = start(gms, _desired_time="2026-01-05T10:00:00.000Z")
    url = f"{BASE}/BasicCallback/{request_id}"
    body = error(gms.put(url, json={}), EXCEPTION_AVAILABILITY)
    assert body["message"] == "_new_desired_time is required"
    body = error(gms.put(url, json={"_new_desired_time": "2026-03-05T10:00:00Z"}),
                 EXCEPTION_AVAILABILITY)  # fmt: skip
    assert body["message"] == "_new_desired_time is beyond the queue's horizon of 1M"
    body = error(gms.put(url, data={"_new_desired_time": "2026-01-10T10:00:00Z"}),
                 EXCEPTION_AVAILABILITY)  # fmt: skip
    assert body["message"] == '{"status":"closed","reason":"closed_day_of_week"}'
    gms.delete(url)
    body = error(gms.put(url, json={"_new_desired_time": "2026-01-05T11:00:00Z"}),
                 EXCEPTION_AVAILABILITY)  # fmt: skip
    assert body["message"] == f"No such request to reschedule : [{request_id}]"


def test_query_by_customer_number_lists_the_outstanding_requests(
    gms: TestClient, core: Core
) -> None:
    add_service(core, default_country="FR", dedup="false")
    first = start(gms, _customer_number="06 12 34 56 78", _desired_time="2026-01-05T15:10:00.000Z")
    now = start(gms, _customer_number="+33612345678")
    cancelled = start(gms, _customer_number="0612345678")
    gms.delete(f"{BASE}/BasicCallback/{cancelled}")
    start(gms, _customer_number="0699999999")
    response = gms.get(f"{BASE}/BasicCallback", params={"customer_number": "06-12-34-56-78"})
    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "_id": now,
            "desired_time": "2026-01-05T09:00:00.000Z",
            "url": f"/1/service/callback/BasicCallback/{now}",
        },
        {
            "_id": first,
            "desired_time": "2026-01-05T15:10:00.000Z",
            "url": f"/1/service/callback/BasicCallback/{first}",
        },
    ]
    body = error(gms.get(f"{BASE}/BasicCallback"), SERVICE_EXCEPTION)
    assert body["message"] == "customer_number is required"


def test_availability_as_the_document_shows(gms: TestClient, core: Core, clock: FakeClock) -> None:
    queue = add_service(
        core, business_hours=("Sat 08:00-10:00",), bucket_minutes=15, max_per_bucket=5
    )
    clock.set(utc(2013, 6, 14, 12, 0))
    for minute, number in ((0, "5115"), (15, "5116")):
        desired = utc(2013, 6, 15, 9, minute)
        request = NewCallback(queue_id=queue.id, phone_number=number, desired_time=desired)
        core.callbacks.create(SERVICE, request)
    url = f"{BASE}/BasicCallback/availability"
    response = gms.get(url, params={"timestamp": "2013-06-15T09:00:00.000Z"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "2013-06-15T08:00:00.000Z": 5,
        "2013-06-15T08:15:00.000Z": 5,
        "2013-06-15T08:30:00.000Z": 5,
        "2013-06-15T08:45:00.000Z": 5,
        "2013-06-15T09:00:00.000Z": 4,
        "2013-06-15T09:15:00.000Z": 4,
        "2013-06-15T09:30:00.000Z": 5,
        "2013-06-15T09:45:00.000Z": 5,
    }
    body = error(gms.get(url, params={"timestamp": "2013-06-15T12:00:00.000Z"}),
                 EXCEPTION_AVAILABILITY)  # fmt: skip
    assert body == {
        "message": "Office is closed at 2013-06-15T12:00:00.000Z. No time slots proposed.",
        "exception": EXCEPTION_AVAILABILITY,
        "availability": {},
    }


def test_availability_defaults_to_now_and_shows_only_the_future(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, bucket_minutes=30, max_per_bucket=2)
    clock.set(utc(2026, 1, 5, 9, 10))
    response = gms.get(f"{BASE}/BasicCallback/availability")
    assert response.status_code == 200, response.text
    assert response.json() == {"2026-01-05T09:30:00.000Z": 2, "2026-01-05T10:00:00.000Z": 2}
    error(gms.get(f"{BASE}/BasicCallback/availability", params={"timestamp": "x"}),
          EXCEPTION_AVAILABILITY)  # fmt: skip


def test_the_admin_view_lists_each_services_requests_due_in_the_window(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, "BasicCallback", dedup="false", ttl_seconds=3600)
    add_service(core, "Other")
    soon = start(gms, _desired_time="2026-01-05T12:00:00.000Z")
    now = start(gms)
    start(gms, _desired_time="2026-01-07T12:00:00.000Z")  # beyond the next 24 hours
    gms.delete(f"{BASE}/BasicCallback/{start(gms, _customer_number='5116')}")
    response = gms.get(ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["BasicCallback", "Other"]
    assert body["Other"] == []
    assert [item["_id"] for item in body["BasicCallback"]] == [now, soon]
    assert body["BasicCallback"][1] == {
        "_id": soon,
        "_desired_time": "2026-01-05T12:00:00.000Z",
        "_service_name": "BasicCallback",
        "_callback_state": "SCHEDULED",
        "_expiration_time": "2026-01-05T13:00:00.000Z",
        "_customer_number": "5115",
        "_url": f"/1/service/callback/BasicCallback/{soon}",
        "_callback_reason": None,
    }
    assert body["BasicCallback"][0]["_callback_state"] == "QUEUED"
    late = gms.get(ADMIN, params={"target": "BasicCallback", "end_time": "2026-01-08T00:00:00Z"})
    assert list(late.json()) == ["BasicCallback"]
    assert len(late.json()["BasicCallback"]) == 3
    one = gms.get(ADMIN, params={"target": "BasicCallback", "max": "1"}).json()
    assert [item["_id"] for item in one["BasicCallback"]] == [now]
    for params in ({"max": "0"}, {"max": "many"}, {"end_time": "soon"}):
        error(gms.get(ADMIN, params=params), SERVICE_EXCEPTION)
    error(gms.get(ADMIN, params={"target": "nope"}), SERVICE_EXCEPTION, 404)


def test_reschedule_refuses_requests_in_flight_and_cancel_takes_routing_ones(
    gms: TestClient, core: Core
) -> None:
    add_service(core, dedup="false", max_per_bucket=4)
    for state in (State.DISPATCHING, State.OFFERED, State.RESERVED, State.DIALING):
        request_id = start(gms, _desired_time="2026-01-05T15:00:00.000Z")
        _move(core, request_id, state)
        url = f"{BASE}/BasicCallback/{request_id}"
        body = error(gms.put(url, json={"_new_desired_time": "2026-01-05T16:00:00Z"}),
                     EXCEPTION_AVAILABILITY)  # fmt: skip
        assert body["message"] == f"No such request to reschedule : [{request_id}]"
        assert state_of(core, request_id) is state
        if state is State.RESERVED:  # ROUTING: GMS still cancels it, and its place is freed
            assert gms.delete(url).status_code == 200
            assert state_of(core, request_id) is State.CANCELLED
    availability = gms.get(f"{BASE}/BasicCallback/availability",
                           params={"timestamp": "2026-01-05T15:00:00.000Z"})  # fmt: skip
    assert availability.status_code == 200, availability.text
    assert availability.json()["2026-01-05T15:00:00.000Z"] == 1  # 4 booked, the ROUTING one freed


def test_a_reschedule_to_a_past_time_is_a_reschedule_to_now(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, ttl_seconds=3600)
    clock.set(utc(2026, 1, 5, 10, 0))
    request_id = start(gms, _desired_time="2026-01-05T15:00:00.000Z")
    response = gms.put(f"{BASE}/BasicCallback/{request_id}",
                       json={"_new_desired_time": "2026-01-01T08:00:00.000Z"})  # fmt: skip
    assert response.status_code == 200, response.text
    callback = core.callbacks.get(SERVICE, UUID(request_id)).callback
    assert (callback.state, callback.desired_time) == (State.WAITING, None)
    assert callback.expires_at == utc(2026, 1, 5, 11, 0)


def test_times_and_limits_out_of_range_are_refused_in_each_operations_shape(
    gms: TestClient, core: Core
) -> None:
    add_service(core)
    request_id = start(gms, _desired_time="2026-01-05T15:00:00.000Z")
    for at in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z"):
        response = gms.get(f"{BASE}/BasicCallback/availability", params={"timestamp": at})
        assert at in error(response, EXCEPTION_AVAILABILITY)["message"]
        response = gms.put(f"{BASE}/BasicCallback/{request_id}", json={"_new_desired_time": at})
        assert at in error(response, EXCEPTION_AVAILABILITY)["message"]
        assert at in error(gms.get(ADMIN, params={"end_time": at}), SERVICE_EXCEPTION)["message"]
    for limit in ("²", "-1", "1.5", "1e3"):
        body = error(gms.get(ADMIN, params={"max": limit}), SERVICE_EXCEPTION)
        assert body["message"].startswith("max must be a positive integer"), body
    callback = core.callbacks.get(SERVICE, UUID(request_id)).callback
    assert callback.desired_time == utc(2026, 1, 5, 15, 0)
