"""Credentials: the service token, user tokens, and what a supervisor may see and do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.testing import FakeClock
from tests.api.helpers import (
    JSON,
    V1,
    agent_ids,
    assert_error,
    at,
    callback_total,
    create_agent,
    create_callback,
    create_queue,
    create_user,
    created,
    ok,
    queue_names,
    user_logins,
    user_token,
)
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

SUP_PASSWORD = "supervisor-pw"


# --- who calls -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/queues"),
        ("POST", "/queues"),
        ("DELETE", "/queues/1"),
        ("GET", "/users"),
        ("GET", "/callbacks"),
        ("POST", "/callbacks"),
        ("GET", "/callbacks/00000000-0000-4000-8000-000000000000"),
    ],
)
def test_no_token_is_unauthenticated(anonymous: TestClient, method: str, path: str) -> None:
    response = anonymous.request(
        method, f"{V1}{path}", json={"name": "x"} if method == "POST" else None
    )
    assert_error(response, 401, "unauthenticated")
    assert response.headers.get("www-authenticate", "").lower().startswith("bearer")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {SERVICE_TOKEN}x"},
        {"Authorization": f"Basic {SERVICE_TOKEN}"},
        {"X-Auth-Token": "wrong-token"},
        {"X-Auth-Token": SERVICE_TOKEN[:-1]},
    ],
)
def test_a_wrong_token_is_unauthenticated(anonymous: TestClient, headers: dict[str, str]) -> None:
    assert_error(anonymous.get(f"{V1}/queues", headers=headers), 401, "unauthenticated")


def test_a_refused_write_leaves_nothing(anonymous: TestClient, api: TestClient) -> None:
    assert_error(anonymous.post(f"{V1}/queues", json={"name": "x"}), 401, "unauthenticated")
    assert queue_names(api) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {SERVICE_TOKEN}"},
        {"Authorization": f"bearer {SERVICE_TOKEN}"},
        {"X-Auth-Token": SERVICE_TOKEN},
    ],
)
def test_the_service_token_works_in_both_headers(
    anonymous: TestClient, headers: dict[str, str]
) -> None:
    created(anonymous.post(f"{V1}/queues", json={"name": "sales"}, headers=headers))
    assert [q["name"] for q in ok(anonymous.get(f"{V1}/queues", headers=headers))] == ["sales"]


def test_a_user_gets_a_token(anonymous: TestClient, clock: FakeClock) -> None:
    body = created(
        anonymous.post(f"{V1}/auth/token", json={"login": "admin", "password": ADMIN_PASSWORD})
    )
    assert set(body) >= {"token", "login", "expires_at"}
    assert body["login"] == "admin"
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 20
    assert at(body["expires_at"]) > clock.now()
    assert ADMIN_PASSWORD not in str(body)


@pytest.mark.parametrize("form", ["bearer", "x-auth-token"])
def test_a_user_token_works_in_both_headers(anonymous: TestClient, form: str) -> None:
    token = user_token(anonymous, "admin", ADMIN_PASSWORD)
    headers = {"Authorization": f"Bearer {token}"} if form == "bearer" else {"X-Auth-Token": token}
    created(anonymous.post(f"{V1}/queues", json={"name": "sales"}, headers=headers))
    assert ok(anonymous.get(f"{V1}/queues", headers=headers))[0]["name"] == "sales"


def test_two_logins_give_two_working_tokens(anonymous: TestClient) -> None:
    first = user_token(anonymous, "admin", ADMIN_PASSWORD)
    second = user_token(anonymous, "admin", ADMIN_PASSWORD)
    assert first != second
    for token in (first, second):
        assert anonymous.get(f"{V1}/queues", headers={"X-Auth-Token": token}).status_code == 200


def test_a_user_token_expires(anonymous: TestClient, clock: FakeClock) -> None:
    body = created(
        anonymous.post(f"{V1}/auth/token", json={"login": "admin", "password": ADMIN_PASSWORD})
    )
    headers = {"X-Auth-Token": body["token"]}
    clock.set(at(body["expires_at"]) - timedelta(seconds=1))
    assert anonymous.get(f"{V1}/queues", headers=headers).status_code == 200
    clock.set(at(body["expires_at"]) + timedelta(seconds=1))
    assert_error(anonymous.get(f"{V1}/queues", headers=headers), 401, "unauthenticated")


def test_wrong_password_and_unknown_user_answer_alike(anonymous: TestClient) -> None:
    wrong = anonymous.post(f"{V1}/auth/token", json={"login": "admin", "password": "not-the-one"})
    unknown = anonymous.post(
        f"{V1}/auth/token", json={"login": "nobody", "password": "not-the-one"}
    )
    assert_error(wrong, 401, "unauthenticated")
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"login": "admin"}, "password"),
        ({"password": "x"}, "login"),
        ({"login": "admin", "password": 123}, "password"),
        ({"login": "admin", "password": "x", "otp": "1"}, "otp"),
    ],
)
def test_a_bad_token_request_is_refused(
    anonymous: TestClient, body: dict[str, Any], field: str
) -> None:
    assert_error(anonymous.post(f"{V1}/auth/token", json=body), 400, "invalid", field)


# --- a supervisor of queue 1 ---------------------------------------------------------------


@pytest.fixture
def world(api: TestClient) -> dict[str, JSON]:
    """Queues 1 and 2, an agent and a callback in each, and a supervisor of queue 1."""
    create_queue(api, "one")
    create_queue(api, "two")
    create_agent(api, 1, queues=[{"queue_id": 1, "penalty": 0}])
    create_agent(api, 2, queues=[{"queue_id": 2, "penalty": 0}])
    create_agent(api, 3)
    create_user(api, "sup", password=SUP_PASSWORD, profile="supervisor", rights={"queueIds": [1]})
    return {"one": create_callback(api, 1, "5115"), "two": create_callback(api, 2, "5116")}


@pytest.fixture
def supervisor(anonymous: TestClient, world: dict[str, JSON]) -> TestClient:
    """A client carrying the supervisor's user token."""
    anonymous.headers["Authorization"] = f"Bearer {user_token(anonymous, 'sup', SUP_PASSWORD)}"
    return anonymous


def test_a_supervisor_sees_only_its_queues(supervisor: TestClient) -> None:
    assert [q["id"] for q in ok(supervisor.get(f"{V1}/queues"))] == [1]
    assert ok(supervisor.get(f"{V1}/queues/1"))["name"] == "one"
    assert_error(supervisor.get(f"{V1}/queues/2"), 404, "not_found")


def test_a_supervisor_sees_only_its_queues_callbacks(
    supervisor: TestClient, world: dict[str, JSON]
) -> None:
    page = ok(supervisor.get(f"{V1}/callbacks"))
    assert (page["total"], [c["id"] for c in page["items"]]) == (1, [world["one"]["id"]])
    assert ok(supervisor.get(f"{V1}/callbacks", params={"queue": 2}))["total"] == 0
    assert ok(supervisor.get(f"{V1}/callbacks", params={"queue": [1, 2]}))["total"] == 1
    assert ok(supervisor.get(f"{V1}/callbacks/{world['one']['id']}"))["queue_id"] == 1


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("POST", "/cancel", None),
        ("POST", "/outcome", {"result": "completed"}),
    ],
)
def test_another_queues_callback_is_not_found_for_a_supervisor(
    supervisor: TestClient,
    api: TestClient,
    world: dict[str, JSON],
    method: str,
    suffix: str,
    body: Any,
) -> None:
    other = world["two"]
    if body:
        body = {**body, "dial_key": other["dial_key"]}  # the right key: only visibility is wrong
    assert_error(
        supervisor.request(method, f"{V1}/callbacks/{other['id']}{suffix}", json=body),
        404,
        "not_found",
    )
    assert ok(api.get(f"{V1}/callbacks/{other['id']}"))["state"] == "waiting"


def test_a_supervisor_creates_and_cancels_callbacks_in_its_queue(
    supervisor: TestClient, api: TestClient
) -> None:
    mine = create_callback(supervisor, 1, "5117")
    assert ok(supervisor.post(f"{V1}/callbacks/{mine['id']}/cancel"))["state"] == "cancelled"
    history = ok(api.get(f"{V1}/callbacks/{mine['id']}"))["history"]
    assert [e["actor"] for e in history] == ["sup", "sup"]


def test_a_supervisor_cannot_create_a_callback_in_another_queue(
    supervisor: TestClient, api: TestClient
) -> None:
    response = supervisor.post(f"{V1}/callbacks", json={"queue_id": 2, "phone_number": "5118"})
    assert response.status_code in (403, 404), response.text
    assert_error(response, response.status_code)
    assert callback_total(api, queue=2) == 1


def test_a_supervisor_sees_only_its_queues_agents(supervisor: TestClient) -> None:
    assert [a["id"] for a in ok(supervisor.get(f"{V1}/agents"))] == [1]
    assert ok(supervisor.get(f"{V1}/agents/1"))["id"] == 1
    assert_error(supervisor.get(f"{V1}/agents/2"), 404, "not_found")
    assert_error(supervisor.get(f"{V1}/agents/3"), 404, "not_found")


def test_a_supervisor_sees_only_itself_among_users(supervisor: TestClient) -> None:
    assert [u["login"] for u in ok(supervisor.get(f"{V1}/users"))] == ["sup"]
    assert ok(supervisor.get(f"{V1}/users/sup"))["rights"]["queueIds"] == [1]
    assert_error(supervisor.get(f"{V1}/users/admin"), 404, "not_found")


WRITES = [
    ("POST", "/queues", {"name": "three"}),
    ("PUT", "/queues/1", {"name": "renamed"}),
    ("PATCH", "/queues/1", {"max_attempts": 9}),
    ("DELETE", "/queues/1", None),
    ("PUT", "/queues/2", {"name": "renamed"}),
    ("PATCH", "/queues/2", {"max_attempts": 9}),
    ("DELETE", "/queues/2", None),
    ("POST", "/users", {"login": "new", "password": "password-1"}),
    ("PUT", "/users/sup", {"profile": "admin", "rights": {"queueIds": [1, 2]}}),
    ("PUT", "/users/admin", {"profile": "supervisor"}),
    ("DELETE", "/users/admin", None),
    ("DELETE", "/users/sup", None),
    ("POST", "/agents", {"id": 9, "firstname": "a", "lastname": "b", "number": "1009"}),
    ("PUT", "/agents/1", {"firstname": "a", "lastname": "b", "number": "1009"}),
    ("DELETE", "/agents/1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_supervisor_may_not_write_queues_users_or_agents(
    supervisor: TestClient, api: TestClient, method: str, path: str, body: Any
) -> None:
    before = (ok(api.get(f"{V1}/queues")), ok(api.get(f"{V1}/users")), ok(api.get(f"{V1}/agents")))
    assert_error(supervisor.request(method, f"{V1}{path}", json=body), 403, "forbidden")
    after = (ok(api.get(f"{V1}/queues")), ok(api.get(f"{V1}/users")), ok(api.get(f"{V1}/agents")))
    assert after == before


def test_an_admin_user_token_sees_everything(anonymous: TestClient, world: dict[str, JSON]) -> None:
    anonymous.headers["X-Auth-Token"] = user_token(anonymous, "admin", ADMIN_PASSWORD)
    assert queue_names(anonymous) == ["one", "two"]
    assert agent_ids(anonymous) == [1, 2, 3]
    assert user_logins(anonymous) == ["admin", "sup"]
    assert callback_total(anonymous) == 2


def test_an_idempotency_key_does_not_reveal_another_queues_callback(
    supervisor: TestClient, api: TestClient
) -> None:
    body = {"queue_id": 2, "phone_number": "5119", "first_name": "Secret"}
    secret = created(api.post(f"{V1}/callbacks", json=body, headers={"Idempotency-Key": "shared"}))
    replay = supervisor.post(
        f"{V1}/callbacks",
        json={"queue_id": 1, "phone_number": "5120"},
        headers={"Idempotency-Key": "shared"},
    )
    assert "Secret" not in replay.text
    assert secret["id"] not in replay.text
    assert replay.status_code < 500
    assert callback_total(api, queue=2) == 2
