"""Bad input: a 4xx in the native error shape naming the field, never a 500, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.testing import FakeClock
from tests.api.helpers import (
    V1,
    agent_ids,
    assert_error,
    callback_total,
    claim_due,
    create_queue,
    ok,
    post_outcome,
    queue_names,
    user_logins,
)

BAD_QUEUES: list[tuple[dict[str, Any], int, str]] = [
    ({"name": "q", "colour": "red"}, 400, "colour"),
    ({}, 400, "name"),
    ({"name": 1}, 400, "name"),
    ({"name": ""}, 400, "name"),
    ({"name": "bad/name"}, 400, "name"),
    ({"name": None}, 400, "name"),
    ({"name": "q", "id": 0}, 400, "id"),
    ({"name": "q", "id": "3"}, 400, "id"),
    ({"name": "q", "timezone": "Mars/Olympus"}, 400, "timezone"),
    ({"name": "q", "accepting_callbacks": "yes"}, 400, "accepting_callbacks"),
    ({"name": "q", "accepting_callbacks": 1}, 400, "accepting_callbacks"),
    ({"name": "q", "business_hours": ["Funday 09:00-17:00"]}, 400, "business_hours"),
    ({"name": "q", "business_hours": ["Mon-Fri 09:00-25:00"]}, 400, "business_hours"),
    ({"name": "q", "business_hours": "Mon-Fri 09:00-17:00"}, 400, "business_hours"),
    ({"name": "q", "open_dates": ["2026-02-30 09:00-12:00"]}, 400, "open_dates"),
    ({"name": "q", "closed_dates": ["tomorrow"]}, 400, "closed_dates"),
    ({"name": "q", "holiday_country": "XX"}, 400, "holiday_country"),
    ({"name": "q", "bucket_minutes": 7}, 400, "bucket_minutes"),
    ({"name": "q", "bucket_minutes": "5"}, 400, "bucket_minutes"),
    ({"name": "q", "max_per_bucket": 0}, 400, "max_per_bucket"),
    ({"name": "q", "horizon": "forever"}, 400, "horizon"),
    ({"name": "q", "horizon": "0d"}, 400, "horizon"),
    ({"name": "q", "max_attempts": 0}, 400, "max_attempts"),
    ({"name": "q", "max_attempts": True}, 400, "max_attempts"),
    ({"name": "q", "retry_delay_seconds": -1}, 400, "retry_delay_seconds"),
    ({"name": "q", "ttl_seconds": 0}, 400, "ttl_seconds"),
    ({"name": "q", "dedup": "maybe"}, 400, "dedup"),
    ({"name": "q", "dedup": 2}, 400, "dedup"),
    ({"name": "q", "default_country": "ZZ"}, 400, "default_country"),
    ({"name": "q", "reject_premium_numbers": "no"}, 400, "reject_premium_numbers"),
    ({"name": "q", "reject_impossible_numbers": None}, 400, "reject_impossible_numbers"),
    ({"name": "q", "number_exceptions": ["(unclosed"]}, 400, "number_exceptions"),
    ({"name": "q", "dispatch_mode": "random"}, 400, "dispatch_mode"),
    ({"name": "q", "telephony": "carrier-pigeon"}, 400, "telephony"),
    ({"name": "q", "aliases": "single"}, 400, "aliases"),
    ({"name": "q", "aliases": ["q"]}, 400, "aliases"),
    ({"name": "q", "aliases": ["a", "a"]}, 400, "aliases"),
    ({"name": "q", "aliases": [""]}, 400, "aliases"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_QUEUES)
def test_a_bad_queue_is_refused_and_nothing_is_written(
    api: TestClient, body: dict[str, Any], status: int, field: str
) -> None:
    response = api.post(f"{V1}/queues", json=body)
    assert_error(response, status, field=field)
    assert queue_names(api) == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"id": 1, "name": "other"}, 409, "id"),
        ({"name": "sales"}, 409, "name"),
        ({"name": "shop"}, 409, "name"),
    ],
)
def test_a_taken_id_or_name_is_a_conflict(
    api: TestClient, body: dict[str, Any], status: int, field: str
) -> None:
    create_queue(api, "sales", aliases=["shop"])
    assert_error(api.post(f"{V1}/queues", json=body), status, "conflict", field)
    assert queue_names(api) == ["sales"]


@pytest.mark.parametrize("alias", ["sales", "shop"])
def test_a_taken_alias_is_a_conflict_on_aliases(api: TestClient, alias: str) -> None:
    create_queue(api, "sales", aliases=["shop"])
    response = api.post(f"{V1}/queues", json={"name": "other", "aliases": [alias]})
    assert_error(response, 409, "conflict", "aliases")
    assert queue_names(api) == ["sales"]


PATCHED_FIELDS = {
    "colour", "timezone", "business_hours", "holiday_country", "bucket_minutes", "horizon",
    "max_attempts", "dedup", "default_country", "number_exceptions", "dispatch_mode", "telephony",
}  # fmt: skip
PATCHABLE = [b for b in BAD_QUEUES if b[2] in PATCHED_FIELDS] + [
    ({"name": None}, 400, "name"),
    ({"name": "bad/name"}, 400, "name"),
    ({"aliases": ["a", "a"]}, 400, "aliases"),
    ({"max_attempts": None}, 400, "max_attempts"),
]


@pytest.mark.parametrize(("body", "status", "field"), PATCHABLE)
def test_a_bad_patch_changes_nothing(
    api: TestClient, body: dict[str, Any], status: int, field: str
) -> None:
    before = create_queue(api, "before")
    change = {k: v for k, v in body.items() if k != "name" or field == "name"}
    response = api.patch(f"{V1}/queues/1", json=change)
    assert_error(response, status, field=field)
    assert ok(api.get(f"{V1}/queues/1")) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "id": 2}, "id"),
        ({"max_attempts": 2}, "name"),
        ({"name": "x", "timezone": "Nowhere"}, "timezone"),
        ({"name": "taken"}, "name"),
    ],
)
def test_a_bad_put_changes_nothing(api: TestClient, body: dict[str, Any], field: str) -> None:
    before = create_queue(api, "before", max_attempts=7)
    create_queue(api, "taken")
    response = api.put(f"{V1}/queues/1", json=body)
    assert response.status_code in (400, 409), response.text
    assert_error(response, response.status_code, field=field)
    assert ok(api.get(f"{V1}/queues/1")) == before


BAD_CALLBACKS: list[tuple[dict[str, Any], int, str]] = [
    ({"queue_id": 99}, 404, "queue_id"),
    ({"queue_id": "1"}, 400, "queue_id"),
    ({"queue_id": None}, 400, "queue_id"),
    ({"phone_number": "abc"}, 400, "phone_number"),
    ({"phone_number": "12ab34"}, 400, "phone_number"),
    ({"phone_number": "+33899123456"}, 400, "phone_number"),
    ({"phone_number": ""}, 400, "phone_number"),
    ({"phone_number": "+"}, 400, "phone_number"),
    ({"phone_number": "1" * 41}, 400, "phone_number"),
    ({"phone_number": 5115}, 400, "phone_number"),
    ({"phone_number": "5115;DROP"}, 400, "phone_number"),
    ({"alternate_number": "call me"}, 400, "alternate_number"),
    ({"first_name": 1}, 400, "first_name"),
    ({"last_name": "x" * 129}, 400, "last_name"),
    ({"desired_time": "tomorrow"}, 400, "desired_time"),
    ({"desired_time": "2026-01-05T12:00:00"}, 400, "desired_time"),
    ({"desired_time": "2027-01-05T12:00:00Z"}, 400, "desired_time"),
    ({"properties": "free text"}, 400, "properties"),
    ({"properties": {"nested": {"a": 1}}}, 400, "properties"),
    ({"external_id": ""}, 400, "external_id"),
    ({"priority": 1}, 400, "priority"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_CALLBACKS)
def test_a_bad_callback_is_refused_and_nothing_is_written(
    api: TestClient, change: dict[str, Any], status: int, field: str
) -> None:
    create_queue(api)
    body = {"queue_id": 1, "phone_number": "5115", **change}
    assert_error(api.post(f"{V1}/callbacks", json=body), status, field=field)
    assert callback_total(api) == 0


def test_an_impossible_number_is_refused_when_the_queue_says_so(api: TestClient) -> None:
    create_queue(api, reject_impossible_numbers=True)
    response = api.post(f"{V1}/callbacks", json={"queue_id": 1, "phone_number": "5115"})
    assert_error(response, 400, "invalid", "phone_number")
    assert callback_total(api) == 0


def test_an_excepted_number_is_refused(api: TestClient) -> None:
    create_queue(api, default_country="FR", number_exceptions=[r"\+336.*"])
    response = api.post(f"{V1}/callbacks", json={"queue_id": 1, "phone_number": "06 12 34 56 78"})
    assert_error(response, 400, "invalid", "phone_number")
    assert callback_total(api) == 0


def test_a_too_long_idempotency_key_is_refused(api: TestClient) -> None:
    create_queue(api)
    response = api.post(
        f"{V1}/callbacks",
        json={"queue_id": 1, "phone_number": "5115"},
        headers={"Idempotency-Key": "k" * 256},
    )
    assert_error(response, 400, "invalid")
    assert callback_total(api) == 0


# --- bodies that are not JSON objects, or too large ----------------------------------------

POSTS = ["/queues", "/users", "/agents", "/callbacks"]


def nothing_written(api: TestClient) -> None:
    assert queue_names(api) == ["sales"]
    assert user_logins(api) == ["admin"]
    assert agent_ids(api) == []
    assert callback_total(api) == 0


NOT_OBJECTS = [b"{bad json", b'{"name": "x",}', b"", b"[1, 2]", b'"text"', b"null"]


@pytest.mark.parametrize(
    ("path", "raw"), [("/queues", raw) for raw in NOT_OBJECTS] + [(p, b"{bad") for p in POSTS[1:]]
)
def test_a_body_that_is_not_a_json_object_is_refused(
    api: TestClient, path: str, raw: bytes
) -> None:
    create_queue(api, "sales")
    response = api.post(f"{V1}{path}", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid")
    nothing_written(api)


def test_malformed_json_is_reported_on_the_body(api: TestClient) -> None:
    response = api.post(
        f"{V1}/queues", content=b"{bad json", headers={"Content-Type": "application/json"}
    )
    body = assert_error(response, 400, "invalid")
    assert body["field"] == "body"
    assert "json" in body["message"].lower()


def big_body(path: str) -> dict[str, Any]:
    padding = "x" * (65 * 1024)
    if path == "/callbacks":
        return {"queue_id": 1, "phone_number": "5115", "description": padding}
    if path == "/agents":
        return {"id": 1, "firstname": padding, "lastname": "b", "number": "1"}
    if path == "/users":
        return {"login": "big", "firstname": padding}
    return {"name": "big", "aliases": [padding]}


@pytest.mark.parametrize("path", POSTS)
def test_a_body_over_the_limit_is_too_large(api: TestClient, path: str) -> None:
    create_queue(api, "sales")
    response = api.post(f"{V1}{path}", json=big_body(path))
    assert response.status_code == 413
    nothing_written(api)


def test_a_body_over_the_limit_gets_the_native_error_shape(api: TestClient) -> None:
    response = api.post(f"{V1}/queues", json=big_body("/queues"))
    assert_error(response, 413, "too_large")


def test_a_streamed_body_over_the_limit_gets_the_native_error_shape(api: TestClient) -> None:
    def chunks() -> Any:
        yield b'{"name": "big", "aliases": ['
        for _ in range(10_000):
            yield b'"aaaaaaaa",'
        yield b'"b"]}'

    response = api.post(
        f"{V1}/queues", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "too_large")
    assert queue_names(api) == []


def test_a_body_just_under_the_limit_is_read(api: TestClient) -> None:
    create_queue(api, dedup="false")
    body = {
        "queue_id": 1,
        "phone_number": "5115",
        "description": "x" * 2000,
        "properties": {"note": "y" * 60_000},
    }
    response = api.post(f"{V1}/callbacks", json=body)
    assert response.status_code == 201, response.text[:300]


# --- values the storage cannot hold --------------------------------------------------------

TOO_BIG = 2**31  # one more than the largest PostgreSQL integer
PENALTY = {"queue_id": 1, "penalty": TOO_BIG}
HUGE = 2**70  # past 64-bit integers too


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/queues", {"id": TOO_BIG, "name": "big"}, "id"),
        ("/agents", {"id": TOO_BIG, "firstname": "a", "lastname": "b", "number": "1"}, "id"),
        (
            "/agents",
            {"id": 1, "firstname": "a", "lastname": "b", "number": "1", "queues": [PENALTY]},
            "queues.0.penalty",
        ),
    ],
)
def test_an_id_beyond_the_storage_range_is_bad_input(
    api: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    create_queue(api, "sales")
    assert_error(api.post(f"{V1}{path}", json=body), 400, "invalid", field)
    nothing_written(api)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/queues/{TOO_BIG}", None),
        ("GET", f"/agents/{TOO_BIG}", None),
        ("GET", f"/callbacks?queue={TOO_BIG}", None),
        ("POST", "/callbacks", {"queue_id": TOO_BIG, "phone_number": "5115"}),
    ],
)
def test_an_id_past_postgresql_integers_is_not_a_server_error(
    api: TestClient, method: str, path: str, body: Any
) -> None:
    create_queue(api, "sales")
    response = api.request(method, f"{V1}{path}", json=body)
    assert response.status_code in (200, 400, 404), response.text
    if response.status_code == 200:
        assert ok(response)["total"] == 0
    else:
        assert_error(response, response.status_code)
    nothing_written(api)


@pytest.mark.parametrize("path", [f"/queues/{HUGE}", f"/agents/{HUGE}", f"/callbacks?queue={HUGE}"])
def test_a_huge_id_in_the_url_is_not_a_server_error(api: TestClient, path: str) -> None:
    response = api.get(f"{V1}{path}")
    assert response.status_code in (400, 404), response.text
    assert_error(response, response.status_code)


@pytest.mark.parametrize("setting", ["ttl_seconds", "retry_delay_seconds"])
def test_a_delay_too_large_for_a_date_is_never_a_server_error(
    api: TestClient, core: Core, clock: FakeClock, setting: str
) -> None:
    queue = api.post(f"{V1}/queues", json={"name": "forever", setting: 10**12})
    if queue.status_code != 201:
        assert_error(queue, 400, "invalid", setting)
        return
    callback = api.post(f"{V1}/callbacks", json={"queue_id": 1, "phone_number": "5115"})
    assert callback.status_code == 201, callback.text
    claim_due(core, clock)
    outcome = post_outcome(api, callback.json(), "no_answer")
    assert outcome.status_code == 200, outcome.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/callbacks",
            {"queue_id": 1, "phone_number": "5115", "first_name": "A\u0000da"},
            "first_name",
        ),
        ("/users", {"login": "nul", "firstname": "A\u0000da"}, "firstname"),
        (
            "/agents",
            {"id": 1, "firstname": "A\u0000da", "lastname": "b", "number": "1"},
            "firstname",
        ),
    ],
)
def test_a_nul_character_in_text_is_bad_input(
    api: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    create_queue(api, "sales")
    assert_error(api.post(f"{V1}{path}", json=body), 400, "invalid", field)
    nothing_written(api)
