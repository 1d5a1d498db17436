"""/api/v1/agents: agents, their queue memberships and their optional user."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.helpers import (
    V1,
    agent_ids,
    assert_error,
    create_agent,
    create_queue,
    create_user,
    ok,
)


@pytest.fixture
def two_queues(api: TestClient) -> None:
    create_queue(api, "sales")
    create_queue(api, "support")


def by_queue(agent: dict[str, Any]) -> list[dict[str, int]]:
    return sorted(agent["queues"], key=lambda m: m["queue_id"])


def test_an_agent_is_created_with_defaults(api: TestClient) -> None:
    agent = create_agent(api, 7, "1007")
    assert agent == {
        "id": 7,
        "firstname": "Ada",
        "lastname": "Byron",
        "number": "1007",
        "context": "default",
        "queues": [],
        "login": None,
    }
    assert ok(api.get(f"{V1}/agents/7")) == agent
    assert ok(api.get(f"{V1}/agents")) == [agent]


def test_memberships_and_login_read_back(api: TestClient, two_queues: None) -> None:
    create_user(api, "ada")
    memberships = [{"queue_id": 2, "penalty": 3}, {"queue_id": 1, "penalty": 0}]
    agent = create_agent(api, 1, context="sales-ctx", queues=memberships, login="ada")
    assert by_queue(agent) == by_queue({"queues": memberships})
    stored = ok(api.get(f"{V1}/agents/1"))
    assert by_queue(stored) == by_queue(agent)
    assert (stored["context"], stored["login"]) == ("sales-ctx", "ada")


def test_a_membership_penalty_defaults_to_zero(api: TestClient, two_queues: None) -> None:
    agent = create_agent(api, 1, queues=[{"queue_id": 1}])
    assert agent["queues"] == [{"queue_id": 1, "penalty": 0}]


def test_put_replaces_the_agent_and_its_memberships(api: TestClient, two_queues: None) -> None:
    create_user(api, "ada")
    create_agent(api, 1, queues=[{"queue_id": 1, "penalty": 1}], login="ada")
    body = {
        "firstname": "Grace",
        "lastname": "Hopper",
        "number": "2000",
        "queues": [{"queue_id": 2, "penalty": 5}],
    }
    replaced = ok(api.put(f"{V1}/agents/1", json=body))
    expected = {**body, "id": 1, "context": "default", "login": None}
    assert replaced == expected
    assert ok(api.get(f"{V1}/agents/1")) == expected


def test_delete_removes_the_agent(api: TestClient) -> None:
    create_agent(api, 1)
    create_agent(api, 2)
    response = api.delete(f"{V1}/agents/1")
    assert response.status_code == 204
    assert response.content == b""
    assert agent_ids(api) == [2]
    assert_error(api.get(f"{V1}/agents/1"), 404, "not_found")


def test_a_duplicate_id_is_refused(api: TestClient) -> None:
    create_agent(api, 1, firstname="First")
    body = {"id": 1, "firstname": "Other", "lastname": "X", "number": "1001"}
    assert_error(api.post(f"{V1}/agents", json=body), 409, "conflict", "id")
    assert ok(api.get(f"{V1}/agents/1"))["firstname"] == "First"


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("put", {"firstname": "a", "lastname": "b", "number": "1"}), ("delete", None)],
)
def test_an_unknown_agent_is_not_found(api: TestClient, method: str, body: object) -> None:
    assert_error(api.request(method.upper(), f"{V1}/agents/99", json=body), 404, "not_found")
    assert agent_ids(api) == []


GOOD = {"id": 5, "firstname": "Ada", "lastname": "Byron", "number": "1000"}
BAD_AGENTS: list[tuple[dict[str, Any], int, str]] = [
    ({**GOOD, "queues": [{"queue_id": 99}]}, 400, "queues"),
    ({**GOOD, "login": "ghost"}, 400, "login"),
    ({**GOOD, "queues": [{"queue_id": 1}, {"queue_id": 1, "penalty": 2}]}, 400, "queues"),
    ({**GOOD, "queues": [{"queue_id": 1, "penalty": -1}]}, 400, "queues.0.penalty"),
    ({**GOOD, "queues": [{"queue_id": "1"}]}, 400, "queues.0.queue_id"),
    ({**GOOD, "queues": [{"queue_id": 1, "level": 2}]}, 400, "queues.0.level"),
    ({**GOOD, "number": "abc"}, 400, "number"),
    ({**GOOD, "number": ""}, 400, "number"),
    ({**GOOD, "number": 1000}, 400, "number"),
    ({**GOOD, "number": "1" * 33}, 400, "number"),
    ({**GOOD, "id": 0}, 400, "id"),
    ({**GOOD, "id": "5"}, 400, "id"),
    ({**GOOD, "firstname": None}, 400, "firstname"),
    ({**GOOD, "lastname": "x" * 129}, 400, "lastname"),
    ({**GOOD, "skill": "french"}, 400, "skill"),
    ({k: v for k, v in GOOD.items() if k != "number"}, 400, "number"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_AGENTS)
def test_a_bad_agent_is_refused_and_nothing_is_written(
    api: TestClient, two_queues: None, body: dict[str, Any], status: int, field: str
) -> None:
    assert_error(api.post(f"{V1}/agents", json=body), status, "invalid", field)
    assert agent_ids(api) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"queues": [{"queue_id": 99}]}, "queues"),
        ({"login": "ghost"}, "login"),
        ({"number": "12a"}, "number"),
        ({"id": 6}, "id"),
    ],
)
def test_a_bad_replacement_changes_nothing(
    api: TestClient, two_queues: None, change: dict[str, Any], field: str
) -> None:
    before = create_agent(api, 5, queues=[{"queue_id": 1, "penalty": 1}])
    body = {"firstname": "New", "lastname": "Name", "number": "2000", **change}
    assert_error(api.put(f"{V1}/agents/5", json=body), 400, "invalid", field)
    assert ok(api.get(f"{V1}/agents/5")) == before
