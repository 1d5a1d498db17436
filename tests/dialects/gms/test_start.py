"""Start-Callback: the document's examples, attached data, every check and its error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.states import State
from ringback.services.ports import CallbackQuery
from ringback.testing import FakeClock
from tests.dialects.gms.conftest import (
    AVAILABILITY_EXCEPTION,
    BASE,
    SERVICE_EXCEPTION,
    add_service,
    error,
    utc,
)

SERVICE = Principal.service()
DOC_EXAMPLE = {
    "_customer_number": "5115",
    "_usr_customer_name": "Bob Markel",
    "_usr_reason": "billing question",
    "_device_notification_id": "b16416334828b1d26ef14f329628b55b5a8c631d8928a371a5584722dd7fb673",
    "_device_os": "comet",
    "_desired_time": "2013-06-17T10:25:00.000Z",
}


def test_the_documents_scheduled_example_answers_its_id(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, "request-callback")
    clock.set(utc(2013, 6, 17, 8, 0))
    response = gms.post(f"{BASE}/request-callback", json=DOC_EXAMPLE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["_id"]
    callback = core.callbacks.get(SERVICE, UUID(body["_id"])).callback
    assert callback.state is State.SCHEDULED
    assert callback.desired_time == utc(2013, 6, 17, 10, 25)
    assert callback.customer_number == "5115"
    assert callback.properties == {
        key: value
        for key, value in DOC_EXAMPLE.items()
        if key not in ("_customer_number", "_desired_time")
    }


def test_an_immediate_request_carries_the_confirmation_dialog(gms: TestClient, core: Core) -> None:
    add_service(core)
    response = gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "5115", "ticket": "42"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["ID", "Action", "Text", "OkTitle", "_id"]
    assert body["ID"] == "0"
    assert body["Action"] == "ConfirmationDialog"
    assert body["Text"] == "You will receive the call shortly"
    assert body["OkTitle"] == "Ok"
    callback = core.callbacks.get(SERVICE, UUID(body["_id"])).callback
    assert callback.state is State.WAITING
    assert callback.properties == {"ticket": "42"}


def test_a_form_body_is_read_like_json(gms: TestClient, core: Core) -> None:
    add_service(core)
    form = {"_customer_number": "5115", "_desired_time": "2026-01-05T10:00:00.000Z", "vip": "yes"}
    response = gms.post(f"{BASE}/BasicCallback", data=form)
    assert response.status_code == 200, response.text
    callback = core.callbacks.get(SERVICE, UUID(response.json()["_id"])).callback
    assert callback.desired_time == utc(2026, 1, 5, 10, 0)
    assert callback.properties == {"vip": "yes"}


def test_the_service_is_found_by_an_alias(gms: TestClient, core: Core) -> None:
    queue = add_service(core, "sales", aliases=("sales callback",))
    response = gms.post(f"{BASE}/sales callback", json={"_customer_number": "5115"})
    assert response.status_code == 200, response.text
    callback = core.callbacks.get(SERVICE, UUID(response.json()["_id"])).callback
    assert callback.queue_id == queue.id


def test_an_unknown_service_is_not_found(gms: TestClient) -> None:
    body = error(
        gms.post(f"{BASE}/nope", json={"_customer_number": "5115"}), SERVICE_EXCEPTION, 404
    )
    assert "nope" in body["message"]


def test_bad_requests_get_the_service_exception(gms: TestClient, core: Core) -> None:
    add_service(core)
    cases = [
        ({}, "_customer_number is required"),
        ({"_customer_number": "  "}, "_customer_number is required"),
        ({"_customer_number": 5115}, "_customer_number must be a string"),
        ({"_customer_number": "5115", "_desired_time": "tomorrow"}, "is not an ISO 8601 time"),
        ({"_customer_number": "5115", "nested": {"a": 1}}, "must be a string, a number"),
        ({"_customer_number": "call me"}, "contains letters"),
    ]
    for payload, message in cases:
        body = error(gms.post(f"{BASE}/BasicCallback", json=payload), SERVICE_EXCEPTION)
        assert message in body["message"], body
    for raw in (b"[1, 2]", b"{not json"):
        headers = {"content-type": "application/json"}
        response = gms.post(f"{BASE}/BasicCallback", content=raw, headers=headers)
        error(response, SERVICE_EXCEPTION)
    big = {"_customer_number": "5115", "blob": "x" * 70_000}
    assert gms.post(f"{BASE}/BasicCallback", json=big).status_code in (400, 413)
    assert core.callbacks.find(SERVICE, CallbackQuery()).total == 0


def test_a_number_in_the_exceptions_is_refused_as_the_document_shows(
    gms: TestClient, core: Core
) -> None:
    add_service(core, number_exceptions=("123.*",))
    body = error(gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "12345"}),
                 SERVICE_EXCEPTION)  # fmt: skip
    assert body == {
        "message": "Customer Number [12345] is not allowed. Check option 'exceptions' : "
        "details={number_exceptions=123.*}",
        "exception": SERVICE_EXCEPTION,
    }


def test_a_pattern_matching_the_numbers_e164_form_is_named_too(gms: TestClient, core: Core) -> None:
    # The queue's policy matches the number as given and as E.164: the answer names the rule
    # that refused it, whichever form it matched.
    add_service(core, number_exceptions=(r"\+3361.*",), default_country="FR")
    body = error(gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "06 12 34 56 78"}),
                 SERVICE_EXCEPTION)  # fmt: skip
    assert body["message"] == (
        "Customer Number [06 12 34 56 78] is not allowed. Check option 'exceptions' : "
        "details={number_exceptions=\\+3361.*}"
    )


def test_closed_hours_answer_the_closed_reason(gms: TestClient, core: Core) -> None:
    add_service(core, business_hours=("Mon-Fri 09:00-17:00",), reject_out_of_hours=True)
    saturday = {"_customer_number": "5115", "_desired_time": "2026-01-10T10:00:00.000Z"}
    body = error(gms.post(f"{BASE}/BasicCallback", json=saturday), SERVICE_EXCEPTION)
    assert body["message"] == '{"status":"closed","reason":"closed_day_of_week"}'
    assert json.loads(body["message"]) == {"status": "closed", "reason": "closed_day_of_week"}
    evening = {"_customer_number": "5115", "_desired_time": "2026-01-05T20:00:00.000Z"}
    body = error(gms.post(f"{BASE}/BasicCallback", json=evening), SERVICE_EXCEPTION)
    assert body["message"] == '{"status":"closed","reason":"closed_no_match"}'


def test_an_immediate_request_out_of_hours_is_deferred_when_the_service_defers(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, business_hours=("Mon-Fri 09:00-17:00",))
    clock.set(utc(2026, 1, 5, 20, 0))
    response = gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "5115"})
    assert response.status_code == 200, response.text
    assert response.json()["Text"] == "You will receive the call when the office opens"
    callback = core.callbacks.get(SERVICE, UUID(response.json()["_id"])).callback
    assert callback.state is State.SCHEDULED
    assert callback.next_action_at == utc(2026, 1, 6, 9, 0)


def test_beyond_the_horizon_and_duplicates_are_refused(gms: TestClient, core: Core) -> None:
    add_service(core, horizon="1w", dedup="strict")
    late = {"_customer_number": "5115", "_desired_time": "2026-01-13T09:00:00.000Z"}
    body = error(gms.post(f"{BASE}/BasicCallback", json=late), SERVICE_EXCEPTION)
    assert body["message"] == "_desired_time is beyond the queue's horizon of 1w"
    assert gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "5115"}).status_code == 200
    body = error(gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "5115"}),
                 SERVICE_EXCEPTION)  # fmt: skip
    assert "already has 1 open callbacks" in body["message"]


def test_a_full_bucket_proposes_time_slots(gms: TestClient, core: Core) -> None:
    add_service(core, bucket_minutes=15, max_per_bucket=5, dedup="false")
    at = {"_customer_number": "5115", "_desired_time": "2026-01-05T15:30:00.000Z"}
    for _ in range(5):
        assert gms.post(f"{BASE}/BasicCallback", json=at).status_code == 200
    later = {**at, "_desired_time": "2026-01-05T16:00:00Z"}
    assert gms.post(f"{BASE}/BasicCallback", json=later).status_code == 200  # 16:00 keeps 4
    body = error(gms.post(f"{BASE}/BasicCallback", json=at), AVAILABILITY_EXCEPTION)
    assert list(body) == ["message", "exception", "availability"]
    assert body["message"] == (
        "Too many requests at desired time [2026-01-05T15:30:00.000Z, 2026-01-05T15:45:00.000Z]."
        " Proposing time slots."
    )
    assert body["availability"] == {
        "2026-01-05T14:30:00.000Z": 5,
        "2026-01-05T14:45:00.000Z": 5,
        "2026-01-05T15:00:00.000Z": 5,
        "2026-01-05T15:15:00.000Z": 5,
        "2026-01-05T15:45:00.000Z": 5,
        "2026-01-05T16:00:00.000Z": 4,
        "2026-01-05T16:15:00.000Z": 5,
    }


def test_a_full_bucket_refuses_an_immediate_request_naming_the_instant(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, max_per_bucket=1)
    clock.set(utc(2026, 1, 5, 9, 3, 29, 952000))
    assert gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "5115"}).status_code == 200
    body = error(gms.post(f"{BASE}/BasicCallback", json={"_customer_number": "5116"}),
                 SERVICE_EXCEPTION)  # fmt: skip
    assert body == {
        "message": "Too many requests around this desired time : 2026-01-05T09:03:29.952Z",
        "exception": SERVICE_EXCEPTION,
    }


def test_hostile_bodies_and_times_get_the_service_exception_and_store_nothing(
    gms: TestClient, core: Core
) -> None:
    add_service(core)
    json_type = {"content-type": "application/json"}
    raw_bodies = {
        b"[" * 20_000: "nested too deeply",
        b'{"_customer_number": "5115", "k": NaN}': "NaN is not a JSON value",
        b'{"_customer_number": "5115", "k": -Infinity}': "Infinity is not a JSON value",
        b'{"_customer_number": "5115", "k": ' + b"9" * 5000 + b"}": "integer string conversion",
    }
    for raw, message in raw_bodies.items():
        response = gms.post(f"{BASE}/BasicCallback", content=raw, headers=json_type)
        assert message in error(response, SERVICE_EXCEPTION)["message"]
    for desired in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1850-01-01T00:00Z"):
        payload = {"_customer_number": "5115", "_desired_time": desired}
        body = error(gms.post(f"{BASE}/BasicCallback", json=payload), SERVICE_EXCEPTION)
        assert desired in body["message"], body
    assert core.callbacks.find(SERVICE, CallbackQuery()).total == 0


def test_a_desired_time_already_past_is_an_immediate_request(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(core, ttl_seconds=3600)
    clock.set(utc(2026, 1, 5, 10, 0))
    payload = {"_customer_number": "5115", "_desired_time": "2026-01-03T10:00:00.000Z"}
    response = gms.post(f"{BASE}/BasicCallback", json=payload)
    assert response.status_code == 200, response.text
    assert response.json()["Action"] == "ConfirmationDialog"
    callback = core.callbacks.get(SERVICE, UUID(response.json()["_id"])).callback
    assert callback.state is State.WAITING
    assert callback.desired_time is None
    assert callback.expires_at == utc(2026, 1, 5, 11, 0)  # dated from now, not from two days ago


def test_wrong_paths_methods_and_sizes_answer_in_the_gms_shape(gms: TestClient, core: Core) -> None:
    add_service(core)
    response = gms.patch(f"{BASE}/BasicCallback/a550a12e-ca77-4146-98d0-58960e0939f7")
    assert error(response, SERVICE_EXCEPTION, 405)["message"] == "Method Not Allowed"
    assert "DELETE" in response.headers["allow"]
    error(gms.put(f"{BASE}/BasicCallback", json={}), SERVICE_EXCEPTION, 405)
    error(gms.delete("/genesys/1/admin/callback/queues"), SERVICE_EXCEPTION, 405)
    assert error(gms.get("/genesys/1/nothing"), SERVICE_EXCEPTION, 404)["message"] == "Not Found"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is met while reading
        yield b'{"_customer_number": "5115", "blob": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}'

    response = gms.post(
        f"{BASE}/BasicCallback", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "larger than" in error(response, SERVICE_EXCEPTION, 413)["message"]
    assert core.callbacks.find(SERVICE, CallbackQuery()).total == 0
