"""/health, /ready, /metrics and the OpenAPI document of /api/v1."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.api.helpers import V1, create_callback, create_queue, ok

PATHS = {
    "/auth/token": {"post"},
    "/queues": {"get", "post"},
    "/queues/{queue_id}": {"get", "put", "patch", "delete"},
    "/users": {"get", "post"},
    "/users/{login}": {"get", "put", "delete"},
    "/agents": {"get", "post"},
    "/agents/{agent_id}": {"get", "put", "delete"},
    "/callbacks": {"get", "post"},
    "/callbacks/{callback_id}": {"get"},
    "/callbacks/{callback_id}/cancel": {"post"},
    "/callbacks/{callback_id}/outcome": {"post"},
}


def test_health_answers_without_credentials(anonymous: TestClient) -> None:
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_answers_while_the_database_is_up(anonymous: TestClient) -> None:
    response = anonymous.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def gauge(text: str, queue: int, state: str) -> float | None:
    pattern = rf'^ringback_callbacks\{{queue="{queue}",state="{state}"\}} ([0-9.e+]+)$'
    match = re.search(pattern, text, re.MULTILINE)
    return float(match[1]) if match else None


def test_metrics_count_callbacks_per_queue_and_state(
    api: TestClient, anonymous: TestClient
) -> None:
    create_queue(api, "one", dedup="false")
    create_queue(api, "two", business_hours=["Mon-Fri 10:00-17:00"])
    for _ in range(3):
        create_callback(api, 1)
    create_callback(api, 2)
    cancelled = create_callback(api, 1, "5116")
    ok(api.post(f"{V1}/callbacks/{cancelled['id']}/cancel"))

    response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert gauge(response.text, 1, "waiting") == 3
    assert gauge(response.text, 1, "cancelled") == 1
    assert gauge(response.text, 2, "scheduled") == 1
    assert gauge(response.text, 2, "waiting") is None


def test_metrics_follow_state_changes(api: TestClient, anonymous: TestClient) -> None:
    create_queue(api)
    callback = create_callback(api, 1)
    assert gauge(anonymous.get("/metrics").text, 1, "waiting") == 1
    ok(api.post(f"{V1}/callbacks/{callback['id']}/cancel"))
    text = anonymous.get("/metrics").text
    assert gauge(text, 1, "waiting") in (None, 0)
    assert gauge(text, 1, "cancelled") == 1


def test_metrics_count_http_requests(api: TestClient, anonymous: TestClient) -> None:
    api.get(f"{V1}/queues")
    assert "ringback_http_requests_total" in anonymous.get("/metrics").text


@pytest.fixture
def openapi(anonymous: TestClient) -> dict[str, object]:
    response = anonymous.get(f"{V1}/openapi.json")
    assert response.status_code == 200
    document: dict[str, object] = response.json()
    return document


def test_openapi_lists_every_path_and_method(openapi: dict[str, object]) -> None:
    paths = openapi["paths"]
    assert isinstance(paths, dict)
    for path, methods in PATHS.items():
        assert path in paths, sorted(paths)
        assert methods <= set(paths[path]), (path, sorted(paths[path]))


def test_openapi_says_where_the_paths_are_served(openapi: dict[str, object]) -> None:
    assert {"url": "/api/v1"} in openapi.get("servers", [])  # type: ignore[operator]


def test_openapi_documents_the_request_bodies(openapi: dict[str, object]) -> None:
    schemas = openapi["components"]["schemas"]  # type: ignore[index]
    assert {"QueueIn", "UserIn", "AgentIn", "CallbackIn", "OutcomeIn", "TokenIn"} <= set(schemas)
    assert "password" not in schemas["UserOut"]["properties"]
