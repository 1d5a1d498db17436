"""/api/v1/callbacks: creation, the queue's rules, idempotency, reading and listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from ringback.testing import FakeClock
from tests.api.helpers import (
    V1,
    assert_error,
    at,
    callback_total,
    create_callback,
    create_queue,
    get_callback,
    ok,
)

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the clock fixture: Monday 09:00 UTC


def test_a_callback_in_an_open_queue_waits_from_now(api: TestClient) -> None:
    create_queue(api)
    callback = create_callback(
        api, 1, "+1 415 555 2671", first_name="Ada", last_name="Byron", properties={"order": 12}
    )
    assert callback["state"] == "waiting"
    assert callback["queue_id"] == 1
    assert callback["phone_number"] == "+14155552671"
    assert (callback["first_name"], callback["last_name"]) == ("Ada", "Byron")
    assert callback["properties"] == {"order": 12}
    assert callback["attempts"] == 0
    assert callback["dial_key"] == f"{callback['id']}:0"
    assert at(callback["created_at"]) == NOW
    assert at(callback["next_action_at"]) == NOW
    assert at(callback["expires_at"]) == NOW + timedelta(seconds=86400)
    assert callback["history"] is None
    stored = get_callback(api, callback["id"])
    assert {k: v for k, v in stored.items() if k != "history"} == {
        k: v for k, v in callback.items() if k != "history"
    }


def test_a_queue_without_business_hours_is_always_open(api: TestClient, clock: FakeClock) -> None:
    create_queue(api)
    clock.set(datetime(2026, 1, 4, 3, 30, tzinfo=UTC))  # Sunday night
    callback = create_callback(api, 1)
    assert callback["state"] == "waiting"
    assert at(callback["next_action_at"]) == clock.now()


@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("FR", "0033 6.12.34.56.78", "+33612345678"),
        ("FR", "+33 (0)6 12 34 56 78", "+33612345678"),
        ("US", "(415) 555-2671", "+14155552671"),
        ("US", "+44 20 7946 0958", "+442079460958"),
        ("US", "5115", "5115"),
        ("FR", "5115", "5115"),
    ],
)
def test_numbers_are_normalised_to_e164_and_internal_numbers_pass(
    api: TestClient, country: str, raw: str, stored: str
) -> None:
    create_queue(api, default_country=country)
    callback = create_callback(api, 1, raw)
    assert callback["phone_number"] == stored
    assert get_callback(api, callback["id"])["phone_number"] == stored


def test_the_alternate_number_is_normalised_too(api: TestClient) -> None:
    create_queue(api, default_country="FR")
    callback = create_callback(api, 1, "0612345678", alternate_number="01 23 45 67 89")
    assert callback["alternate_number"] == "+33123456789"


def test_a_premium_number_is_accepted_when_the_queue_allows_it(api: TestClient) -> None:
    create_queue(api, reject_premium_numbers=False)
    assert create_callback(api, 1, "+33899123456")["phone_number"] == "+33899123456"


def test_a_closed_queue_defers_the_callback_to_its_next_opening(api: TestClient) -> None:
    create_queue(api, business_hours=["Mon-Fri 10:00-17:00"])
    callback = create_callback(api, 1)
    assert callback["state"] == "scheduled"
    assert at(callback["next_action_at"]) == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert callback_total(api, state="scheduled") == 1


def test_the_next_opening_is_found_in_the_queue_time_zone(
    api: TestClient, clock: FakeClock
) -> None:
    create_queue(api, timezone="Europe/Paris", business_hours=["Mon-Fri 09:00-17:00"])
    clock.set(datetime(2026, 1, 9, 17, 30, tzinfo=UTC))  # Friday 18:30 in Paris
    callback = create_callback(api, 1)
    assert callback["state"] == "scheduled"
    assert at(callback["next_action_at"]) == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)


def test_a_closed_date_defers_to_the_next_day(api: TestClient) -> None:
    create_queue(api, closed_dates=["2026-01-05"])
    callback = create_callback(api, 1)
    assert callback["state"] == "scheduled"
    assert at(callback["next_action_at"]) == datetime(2026, 1, 6, 0, 0, tzinfo=UTC)


def test_a_public_holiday_of_the_queue_country_defers(api: TestClient, clock: FakeClock) -> None:
    create_queue(api, holiday_country="FR", timezone="Europe/Paris")
    clock.set(datetime(2026, 5, 1, 10, 0, tzinfo=UTC))  # Fête du Travail
    callback = create_callback(api, 1)
    assert callback["state"] == "scheduled"
    assert at(callback["next_action_at"]) == datetime(2026, 5, 1, 22, 0, tzinfo=UTC)


def test_reject_out_of_hours_refuses_a_callback_when_closed(api: TestClient) -> None:
    create_queue(api, business_hours=["Mon-Fri 10:00-17:00"], reject_out_of_hours=True)
    body = assert_error(
        api.post(f"{V1}/callbacks", json={"queue_id": 1, "phone_number": "5115"}), 409, "closed"
    )
    assert body.get("reason")
    assert callback_total(api) == 0


def test_a_desired_time_in_the_future_schedules_the_callback(api: TestClient) -> None:
    create_queue(api, ttl_seconds=600)
    callback = create_callback(api, 1, desired_time="2026-01-05T14:30:00+02:00")
    assert callback["state"] == "scheduled"
    assert at(callback["desired_time"]) == datetime(2026, 1, 5, 12, 30, tzinfo=UTC)
    assert at(callback["next_action_at"]) == datetime(2026, 1, 5, 12, 30, tzinfo=UTC)
    assert at(callback["expires_at"]) == datetime(2026, 1, 5, 12, 40, tzinfo=UTC)


def test_a_desired_time_in_the_past_means_now(api: TestClient) -> None:
    create_queue(api, ttl_seconds=600)
    callback = create_callback(api, 1, desired_time="2026-01-05T08:00:00Z")
    assert callback["state"] == "waiting"
    assert at(callback["next_action_at"]) == NOW
    # The TTL runs from now, not from the past desired time: the sweep must not expire it at once.
    assert at(callback["expires_at"]) == NOW + timedelta(seconds=600)


def test_a_desired_time_at_the_horizon_is_accepted(api: TestClient) -> None:
    create_queue(api, horizon="1M")
    assert create_callback(api, 1, desired_time="2026-02-05T09:00:00Z")["state"] == "scheduled"


def test_a_desired_time_beyond_the_horizon_is_refused(api: TestClient) -> None:
    create_queue(api, horizon="1M")
    body = {"queue_id": 1, "phone_number": "5115", "desired_time": "2026-02-05T09:00:01Z"}
    assert_error(api.post(f"{V1}/callbacks", json=body), 400, "invalid", "desired_time")
    assert callback_total(api) == 0


def test_a_desired_time_when_the_queue_is_closed_is_refused(api: TestClient) -> None:
    create_queue(api, business_hours=["Mon-Fri 09:00-17:00"])
    body = {"queue_id": 1, "phone_number": "5115", "desired_time": "2026-01-10T10:00:00Z"}  # Sat
    assert_error(api.post(f"{V1}/callbacks", json=body), 409, "closed")
    assert callback_total(api) == 0


def test_a_full_bucket_refuses_with_proposals(api: TestClient) -> None:
    create_queue(api, bucket_minutes=15, max_per_bucket=1, dedup="false")
    create_callback(api, 1, desired_time="2026-01-05T12:00:00Z")
    body = {"queue_id": 1, "phone_number": "5116", "desired_time": "2026-01-05T12:10:00Z"}
    error = assert_error(api.post(f"{V1}/callbacks", json=body), 409, "capacity_full")
    assert error["proposals"]
    assert "2026-01-05T12:00:00+00:00" not in error["proposals"]
    assert callback_total(api) == 1


def test_a_queue_not_accepting_callbacks_refuses_them(api: TestClient) -> None:
    create_queue(api, accepting_callbacks=False)
    response = api.post(f"{V1}/callbacks", json={"queue_id": 1, "phone_number": "5115"})
    assert_error(response, 409, "closed")
    assert callback_total(api) == 0


@pytest.mark.parametrize(
    ("dedup", "allowed"), [("true", 2), (True, 2), ("strict", 1), ("false", 5), (False, 5)]
)
def test_dedup_limits_the_open_callbacks_of_one_number(
    api: TestClient, dedup: object, allowed: int
) -> None:
    create_queue(api, dedup=dedup, default_country="FR")
    for _ in range(allowed):
        create_callback(api, 1, "06 12 34 56 78")
    if allowed < 5:
        response = api.post(f"{V1}/callbacks", json={"queue_id": 1, "phone_number": "+33612345678"})
        assert_error(response, 409, "conflict", "phone_number")
    assert callback_total(api) == allowed


def test_dedup_counts_per_queue_and_per_number(api: TestClient) -> None:
    create_queue(api, "a", dedup="strict")
    create_queue(api, "b", dedup="strict")
    create_callback(api, 1, "5115")
    create_callback(api, 2, "5115")
    create_callback(api, 1, "5116")
    assert callback_total(api) == 3


def test_dedup_counts_only_open_callbacks(api: TestClient) -> None:
    create_queue(api, dedup="strict")
    first = create_callback(api, 1)
    ok(api.post(f"{V1}/callbacks/{first['id']}/cancel"))
    second = create_callback(api, 1)
    assert second["id"] != first["id"]
    assert callback_total(api, state="waiting") == 1


def post_with_key(api: TestClient, key: str, number: str = "5115") -> Response:
    body = {"queue_id": 1, "phone_number": number}
    return api.post(f"{V1}/callbacks", json=body, headers={"Idempotency-Key": key})


def test_the_same_idempotency_key_gives_the_same_callback(api: TestClient) -> None:
    create_queue(api)
    first = post_with_key(api, "order-77")
    again = post_with_key(api, "order-77")
    assert first.status_code == 201, first.text
    assert again.status_code in (200, 201), again.text
    assert again.json() == first.json()
    assert callback_total(api) == 1


def test_different_idempotency_keys_give_different_callbacks(api: TestClient) -> None:
    create_queue(api, dedup="false")
    one = post_with_key(api, "k1").json()
    two = post_with_key(api, "k2").json()
    assert one["id"] != two["id"]
    assert callback_total(api) == 2


def test_an_idempotency_key_reused_for_another_request_is_refused(api: TestClient) -> None:
    create_queue(api)
    first = post_with_key(api, "k", "5115").json()
    response = post_with_key(api, "k", "5116")
    assert response.status_code in (409, 422), response.text
    assert_error(response, response.status_code)
    assert listed(api) == [first["id"]]


def test_an_idempotent_replay_is_not_refused_by_dedup(api: TestClient) -> None:
    create_queue(api, dedup="strict")
    first = post_with_key(api, "k").json()
    again = post_with_key(api, "k")
    assert again.status_code in (200, 201), again.text
    assert again.json()["id"] == first["id"]


def test_a_callback_shows_its_history(api: TestClient, clock: FakeClock) -> None:
    create_queue(api)
    callback = create_callback(api, 1)
    clock.advance(minutes=5)
    ok(api.post(f"{V1}/callbacks/{callback['id']}/cancel"))
    history = get_callback(api, callback["id"])["history"]
    assert [(e["event"], e["from_state"], e["to_state"]) for e in history] == [
        ("create", None, "waiting"),
        ("cancel", "waiting", "cancelled"),
    ]
    assert [at(e["at"]) for e in history] == [NOW, NOW + timedelta(minutes=5)]
    assert {e["actor"] for e in history} == {"service"}


def test_an_unknown_callback_is_not_found(api: TestClient) -> None:
    assert_error(api.get(f"{V1}/callbacks/00000000-0000-4000-8000-000000000000"), 404, "not_found")


def test_a_malformed_callback_id_is_bad_input(api: TestClient) -> None:
    assert_error(api.get(f"{V1}/callbacks/not-a-uuid"), 400, "invalid", "callback_id")


# --- listing -------------------------------------------------------------------------------


@pytest.fixture
def mixed(api: TestClient, clock: FakeClock) -> dict[str, str]:
    """Two queues, four callbacks created one hour apart, the last one cancelled."""
    create_queue(api, "a", dedup="false")
    create_queue(api, "b", dedup="false")
    ids = {}
    for name, queue_id, number in [
        ("a1", 1, "5115"),
        ("a2", 1, "5116"),
        ("b1", 2, "5115"),
        ("b2", 2, "5117"),
    ]:
        ids[name] = create_callback(api, queue_id, number)["id"]
        clock.advance(hours=1)
    ok(api.post(f"{V1}/callbacks/{ids['b2']}/cancel"))
    return ids


def listed(api: TestClient, **params: object) -> list[str]:
    return [item["id"] for item in ok(api.get(f"{V1}/callbacks", params=params))["items"]]


def test_the_list_shows_every_callback_newest_first(api: TestClient, mixed: dict[str, str]) -> None:
    page = ok(api.get(f"{V1}/callbacks"))
    assert page["total"] == 4
    assert (page["offset"], page["limit"]) == (0, 100)
    assert [item["id"] for item in page["items"]] == [mixed[n] for n in ("b2", "b1", "a2", "a1")]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"queue": 1}, ["a2", "a1"]),
        ({"queue": [1, 2]}, ["b2", "b1", "a2", "a1"]),
        ({"state": "cancelled"}, ["b2"]),
        ({"state": ["waiting", "cancelled"], "queue": 2}, ["b2", "b1"]),
        ({"number": "5115"}, ["b1", "a1"]),
        ({"from": "2026-01-05T09:30:00Z"}, ["b2", "b1", "a2"]),
        ({"to": "2026-01-05T10:30:00Z"}, ["a2", "a1"]),
        ({"from": "2026-01-05T11:30:00+01:00", "to": "2026-01-05T11:30:00Z", "queue": 2}, ["b1"]),
    ],
)
def test_the_list_filters(
    api: TestClient, mixed: dict[str, str], params: dict[str, object], names: list[str]
) -> None:
    page = ok(api.get(f"{V1}/callbacks", params=params))
    assert [item["id"] for item in page["items"]] == [mixed[n] for n in names]
    assert page["total"] == len(names)


def test_the_list_pages_with_offset_and_limit(api: TestClient, mixed: dict[str, str]) -> None:
    page = ok(api.get(f"{V1}/callbacks", params={"offset": 1, "limit": 2}))
    assert page["total"] == 4
    assert (page["offset"], page["limit"]) == (1, 2)
    assert [item["id"] for item in page["items"]] == [mixed["b1"], mixed["a2"]]
    assert listed(api, offset=4) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"state": "lost"}, "state"),
        ({"queue": "one"}, "queue"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-01-05T10:00:00"}, "to"),
    ],
)
def test_bad_list_filters_are_refused(
    api: TestClient, params: dict[str, object], field: str
) -> None:
    assert_error(api.get(f"{V1}/callbacks", params=params), 400, "invalid", field)
