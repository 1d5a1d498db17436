"""/api/v1/queues: create, read, replace, patch, delete."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.testing import FakeClock
from tests.api.helpers import (
    V1,
    assert_error,
    claim_due,
    create_agent,
    create_callback,
    create_queue,
    created,
    ok,
    post_outcome,
    queue_names,
)

DEFAULTS = {
    "aliases": [],
    "timezone": "UTC",
    "accepting_callbacks": True,
    "business_hours": [],
    "open_dates": [],
    "closed_dates": [],
    "holiday_country": None,
    "bucket_minutes": 5,
    "max_per_bucket": 100,
    "horizon": "1M",
    "max_attempts": 3,
    "retry_delay_seconds": 300,
    "ttl_seconds": 86400,
    "dedup": "true",
    "default_country": "US",
    "reject_premium_numbers": True,
    "reject_impossible_numbers": False,
    "number_exceptions": [],
}

FULL = {
    "id": 42,
    "name": "Support FR",
    "timezone": "Europe/Paris",
    "accepting_callbacks": True,
    "business_hours": ["Mon-Fri 09:00-17:00", "Sat 10:00-12:00"],
    "open_dates": ["2026-12-24 09:00-12:00"],
    "closed_dates": ["2026-05-01", "12-25"],
    "holiday_country": "FR",
    "bucket_minutes": 15,
    "max_per_bucket": 20,
    "horizon": "2w",
    "max_attempts": 5,
    "retry_delay_seconds": 120,
    "ttl_seconds": 3600,
    "dedup": "strict",
    "default_country": "FR",
    "reject_premium_numbers": False,
    "reject_impossible_numbers": True,
    "number_exceptions": [r"\+3389.*"],
    "dispatch_mode": "position",
    "telephony": "webhook",
    "aliases": ["support", "hotline"],
}


def subset(shown: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    return {key: shown[key] for key in wanted}


def test_a_queue_without_settings_takes_the_defaults(api: TestClient) -> None:
    queue = create_queue(api, "sales")
    assert queue["id"] == 1
    assert queue["name"] == "sales"
    assert subset(queue, DEFAULTS) == DEFAULTS
    assert queue["dispatch_mode"] in ("position", "scheduled", "immediate")
    assert queue["telephony"] == "simulator"
    assert ok(api.get(f"{V1}/queues/1")) == queue


def test_every_setting_reads_back_as_written(api: TestClient) -> None:
    queue = created(api.post(f"{V1}/queues", json=FULL))
    assert subset(queue, FULL) == FULL
    assert ok(api.get(f"{V1}/queues/42")) == queue
    assert ok(api.get(f"{V1}/queues")) == [queue]


def test_ids_are_given_in_turn_and_the_list_is_by_id(api: TestClient) -> None:
    create_queue(api, "b", id=7)
    given = create_queue(api, "a")["id"]
    assert given != 7
    assert [q["id"] for q in ok(api.get(f"{V1}/queues"))] == sorted([7, given])


@pytest.mark.parametrize(
    ("given", "stored"),
    [("true", "true"), (True, "true"), ("strict", "strict"), ("false", "false"), (False, "false")],
)
def test_dedup_accepts_strings_and_json_booleans(
    api: TestClient, given: object, stored: str
) -> None:
    assert create_queue(api, dedup=given)["dedup"] == stored


@pytest.mark.parametrize("mode", ["position", "scheduled", "immediate"])
def test_every_dispatch_mode_is_accepted(api: TestClient, mode: str) -> None:
    assert create_queue(api, dispatch_mode=mode)["dispatch_mode"] == mode


@pytest.mark.parametrize("kind", ["simulator", "uccx", "webhook"])
def test_every_telephony_adapter_is_accepted(api: TestClient, kind: str) -> None:
    assert create_queue(api, telephony=kind)["telephony"] == kind


def test_put_replaces_every_setting_and_omitted_ones_return_to_defaults(api: TestClient) -> None:
    created(api.post(f"{V1}/queues", json=FULL))
    replaced = ok(api.put(f"{V1}/queues/42", json={"name": "renamed", "max_attempts": 4}))
    assert replaced["id"] == 42
    assert replaced["name"] == "renamed"
    assert replaced["max_attempts"] == 4
    assert subset(replaced, DEFAULTS) == {**DEFAULTS, "max_attempts": 4}
    assert ok(api.get(f"{V1}/queues/42")) == replaced


def test_patch_changes_only_the_given_settings(api: TestClient) -> None:
    before = created(api.post(f"{V1}/queues", json=FULL))
    patched = ok(api.patch(f"{V1}/queues/42", json={"max_attempts": 9, "dedup": False}))
    assert patched == {**before, "max_attempts": 9, "dedup": "false"}
    assert ok(api.get(f"{V1}/queues/42")) == patched


def test_patch_with_null_clears_an_optional_setting(api: TestClient) -> None:
    create_queue(api, holiday_country="FR")
    assert (
        ok(api.patch(f"{V1}/queues/1", json={"holiday_country": None}))["holiday_country"] is None
    )


def test_an_empty_patch_changes_nothing(api: TestClient) -> None:
    before = create_queue(api, max_attempts=7)
    assert ok(api.patch(f"{V1}/queues/1", json={})) == before


def test_a_queue_may_keep_its_own_name_and_aliases_on_put(api: TestClient) -> None:
    create_queue(api, "sales", aliases=["shop"])
    assert ok(api.put(f"{V1}/queues/1", json={"name": "sales", "aliases": ["shop"]}))[
        "aliases"
    ] == ["shop"]


def test_delete_removes_the_queue(api: TestClient) -> None:
    create_queue(api, "gone")
    create_queue(api, "kept")
    response = api.delete(f"{V1}/queues/1")
    assert response.status_code == 204
    assert response.content == b""
    assert queue_names(api) == ["kept"]
    assert_error(api.get(f"{V1}/queues/1"), 404, "not_found")


def test_delete_is_refused_while_the_queue_has_open_callbacks(api: TestClient) -> None:
    create_queue(api)
    callback = create_callback(api, 1)
    assert_error(api.delete(f"{V1}/queues/1"), 409, "conflict")
    assert queue_names(api) == ["sales"]
    assert ok(api.get(f"{V1}/callbacks/{callback['id']}"))["state"] == "waiting"


def test_delete_is_refused_while_a_callback_is_in_an_attempt(
    api: TestClient, core: Core, clock: FakeClock
) -> None:
    create_queue(api)
    create_callback(api, 1)
    claim_due(core, clock)
    assert_error(api.delete(f"{V1}/queues/1"), 409, "conflict")
    assert queue_names(api) == ["sales"]


def test_delete_takes_closed_callbacks_and_memberships_along(
    api: TestClient, core: Core, clock: FakeClock
) -> None:
    create_queue(api, "gone")
    create_queue(api, "kept")
    cancelled = create_callback(api, 1, "5115")
    ok(api.post(f"{V1}/callbacks/{cancelled['id']}/cancel"))
    completed = create_callback(api, 1, "5116")
    claim_due(core, clock)
    ok(post_outcome(api, completed, "completed"))
    create_agent(api, 1, queues=[{"queue_id": 1, "penalty": 1}, {"queue_id": 2, "penalty": 0}])

    assert api.delete(f"{V1}/queues/1").status_code == 204

    assert queue_names(api) == ["kept"]
    assert_error(api.get(f"{V1}/callbacks/{cancelled['id']}"), 404, "not_found")
    assert ok(api.get(f"{V1}/callbacks"))["total"] == 0
    assert ok(api.get(f"{V1}/agents/1"))["queues"] == [{"queue_id": 2, "penalty": 0}]


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("put", {"name": "x"}), ("patch", {"max_attempts": 2}), ("delete", None)],
)
def test_an_unknown_queue_is_not_found(api: TestClient, method: str, body: object) -> None:
    create_queue(api)
    response = api.request(method.upper(), f"{V1}/queues/99", json=body)
    assert_error(response, 404, "not_found")
    assert queue_names(api) == ["sales"]
