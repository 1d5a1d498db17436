"""Small helpers shared by the black-box tests of /api/v1."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from httpx2 import Response
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.testing import FakeClock

V1 = "/api/v1"
JSON = dict[str, Any]


def created(response: Response) -> JSON:
    """Return the body of a 201 answer, failing with the body otherwise."""
    assert response.status_code == 201, response.text
    body: JSON = response.json()
    return body


def ok(response: Response) -> Any:
    """Return the body of a 200 answer, failing with the body otherwise."""
    assert response.status_code == 200, response.text
    return response.json()


def create_queue(api: TestClient, name: str = "sales", **settings: Any) -> JSON:
    """Create a queue with `settings` and return it as shown."""
    return created(api.post(f"{V1}/queues", json={"name": name, **settings}))


def create_callback(api: TestClient, queue_id: int, number: str = "5115", **fields: Any) -> JSON:
    """Create a callback and return it as shown."""
    body = {"queue_id": queue_id, "phone_number": number, **fields}
    return created(api.post(f"{V1}/callbacks", json=body))


def create_user(api: TestClient, login: str, password: str = "password-1", **fields: Any) -> JSON:
    """Create a user and return it as shown."""
    return created(api.post(f"{V1}/users", json={"login": login, "password": password, **fields}))


def create_agent(api: TestClient, agent_id: int, number: str = "1000", **fields: Any) -> JSON:
    """Create an agent (names default) and return it as shown."""
    body = {"id": agent_id, "firstname": "Ada", "lastname": "Byron", "number": number, **fields}
    return created(api.post(f"{V1}/agents", json=body))


def user_token(client: TestClient, login: str, password: str) -> str:
    """Log a user in through /auth/token and return its token."""
    body = created(client.post(f"{V1}/auth/token", json={"login": login, "password": password}))
    token: str = body["token"]
    return token


def queue_names(api: TestClient) -> list[str]:
    """Return the names of the stored queues."""
    return [q["name"] for q in ok(api.get(f"{V1}/queues"))]


def user_logins(api: TestClient) -> list[str]:
    """Return the logins of the stored users."""
    return [u["login"] for u in ok(api.get(f"{V1}/users"))]


def agent_ids(api: TestClient) -> list[int]:
    """Return the ids of the stored agents."""
    return [a["id"] for a in ok(api.get(f"{V1}/agents"))]


def callback_total(api: TestClient, **filters: Any) -> int:
    """Return how many stored callbacks match `filters`."""
    total: int = ok(api.get(f"{V1}/callbacks", params=filters))["total"]
    return total


def get_callback(api: TestClient, callback_id: str) -> JSON:
    """Return one callback with its history."""
    body: JSON = ok(api.get(f"{V1}/callbacks/{callback_id}"))
    return body


def claim_due(core: Core, clock: FakeClock) -> list[str]:
    """Move every due waiting callback to dispatching, as the dispatcher would; return their ids."""
    now = clock.now()
    with core.store.transaction() as tx:
        claimed = tx.callbacks.claim_due(
            now=now, owner="test", token="tok", lease_until=now + timedelta(seconds=30), limit=100
        )
    return [str(c.id) for c in claimed]


def post_outcome(api: TestClient, callback: JSON, result: str, dial_key: str | None = None) -> Any:
    """Post the outcome of the callback's current attempt (or of `dial_key`)."""
    body = {"dial_key": dial_key or callback["dial_key"], "result": result}
    return api.post(f"{V1}/callbacks/{callback['id']}/outcome", json=body)


def at(text: str) -> datetime:
    """Parse an ISO 8601 instant as the API writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Nouns a message may use for a field instead of its name ("user jo exists" for `login`).
FIELD_NOUNS = {"login": ["user"], "queues": ["queue"], "callback_id": ["uuid"]}


def _words(field: str) -> list[str]:
    words = [w for w in re.split(r"[_.\s]+", field.lower()) if len(w) > 2 and w != "id"]
    return words + FIELD_NOUNS.get(field.split(".")[0], [])


def _squeeze(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def names_field(message: str, field: str) -> bool:
    """Tell whether an error message names `field` (or the noun it stands for)."""
    words = _words(field)
    return not words or any(_squeeze(word) in _squeeze(message) for word in words)


def assert_error(
    response: Response, status: int, error: str | None = None, field: str | None = None
) -> JSON:
    """Check the native error shape: status, error id, and `field` (or a sub-field of it)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: JSON = response.json()
    assert isinstance(body.get("error"), str), body
    assert isinstance(body.get("message"), str), body
    assert body["message"], body
    if error is not None:
        assert body["error"] == error, body
    if field is not None:
        shown = body.get("field", "")
        assert shown == field or shown.startswith(f"{field}."), body
        assert names_field(body["message"], field), body
    return body
