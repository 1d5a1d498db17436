"""agentLogin, agentLogout, togglePause: the document's examples, their state, their errors."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.settings import Settings
from ringback.testing import FakeClock
from tests.dialects.xuc_legacy.conftest import add_agent, outbox, phone_service, phone_store, post

LOGIN = {"agentphonenumber": "1001", "agentnumber": "2000"}


@pytest.fixture
def agent(xuc: TestClient, core: Core) -> TestClient:
    """Agent 2000 (user bruce) and agent 2001 (no user)."""
    add_agent(core, 1, "2000", "bruce")
    add_agent(core, 2, "2001", None)
    return xuc


def session(core: Core, phone: str) -> Any:
    with phone_store(core).transaction() as tx:
        return tx.xuc_phones.session_on(phone)


def agent_states(core: Core) -> list[tuple[str | None, str, str]]:
    return [
        (m["username"], c["name"], c["phoneNb"])
        for m in (e["message"] for e in outbox(core))
        if m["message"]["msgType"] == "AgentStateEvent"
        for c in [m["message"]["ctiMessage"]]
    ]


def test_agent_login_the_documents_example(agent: TestClient, core: Core) -> None:
    response = post(agent, "agentLogin/", LOGIN)
    assert response.status_code == 200
    assert response.content == b""
    logged = session(core, "1001")
    assert (logged.agent_id, logged.agent_number, logged.paused) == (1, "2000", False)
    assert agent_states(core) == [("bruce", "AgentReady", "1001")]


def test_agent_login_again_moves_the_agent_to_the_new_phone(agent: TestClient, core: Core) -> None:
    post(agent, "agentLogin/", LOGIN)
    post(agent, "agentLogin/", {"agentphonenumber": "1005", "agentnumber": "2000"})
    assert session(core, "1001") is None
    assert session(core, "1005").agent_number == "2000"


def test_agent_login_on_a_phone_another_agent_uses_is_a_conflict(
    agent: TestClient, core: Core
) -> None:
    post(agent, "agentLogin/", LOGIN)
    response = post(agent, "agentLogin/", {"agentphonenumber": "1001", "agentnumber": "2001"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "Conflict",
        "message": "agent 2000 is logged in on phone 1001",
    }
    assert session(core, "1001").agent_number == "2000"


@pytest.mark.parametrize(
    ("body", "status", "error", "message"),
    [
        (
            {"agentphonenumber": "1001", "agentnumber": "9999"},
            404, "AgentNotFound", "agent 9999 does not exist",
        ),
        ({"agentphonenumber": "1001"}, 400, "InvalidJson", "agentnumber is required"),
        ({"agentnumber": "2000"}, 400, "InvalidJson", "agentphonenumber is required"),
        (
            {"agentphonenumber": "", "agentnumber": "2000"},
            400, "InvalidParameter", "agentphonenumber must be a phone number (digits, * # +)",
        ),
        (
            {"agentphonenumber": "10 01", "agentnumber": "2000"},
            400, "InvalidParameter", "agentphonenumber must be a phone number (digits, * # +)",
        ),
        ({"agentphonenumber": "1001", "agentnumber": ""}, 400, "InvalidParameter", None),
    ],
)  # fmt: skip
def test_agent_login_errors(
    agent: TestClient, core: Core, body: dict[str, str], status: int,
    error: str, message: str | None,
) -> None:  # fmt: skip
    response = post(agent, "agentLogin/", body)
    assert (response.status_code, response.json()["error"]) == (status, error)
    if message:
        assert response.json()["message"] == message
    assert session(core, "1001") is None


def test_toggle_pause_pauses_then_makes_ready(
    agent: TestClient, core: Core, clock: FakeClock
) -> None:
    post(agent, "agentLogin/", LOGIN)
    clock.advance(minutes=1)
    assert post(agent, "togglePause/", {"phoneNumber": "1001"}).status_code == 200
    assert session(core, "1001").paused is True
    assert post(agent, "togglePause/", {"phoneNumber": "1001"}).status_code == 200
    assert session(core, "1001").paused is False
    assert [name for _, name, _ in agent_states(core)] == [
        "AgentReady",
        "AgentOnPause",
        "AgentReady",
    ]
    since = outbox(core)[1]["message"]["message"]["ctiMessage"]["since"]
    assert since == "2026-01-05 09:01:00"


def test_agent_logout_ends_the_session(agent: TestClient, core: Core) -> None:
    post(agent, "agentLogin/", LOGIN)
    response = post(agent, "agentLogout/", {"phoneNumber": "1001"})
    assert response.status_code == 200
    assert session(core, "1001") is None
    assert agent_states(core)[-1] == ("bruce", "AgentLoggedOut", "1001")


@pytest.mark.parametrize("method", ["agentLogout/", "togglePause/"])
def test_a_phone_without_agent_is_not_found(agent: TestClient, method: str) -> None:
    response = post(agent, method, {"phoneNumber": "1001"})
    assert response.status_code == 404
    assert response.json() == {
        "error": "AgentNotLoggedIn",
        "message": "no agent is logged in on phone 1001",
    }


@pytest.mark.parametrize("method", ["agentLogout/", "togglePause/"])
def test_a_phone_number_is_required(agent: TestClient, method: str) -> None:
    response = post(agent, method, {"phonenumber": "1001"})
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidJson", "message": "phoneNumber is required"}


def test_an_agent_session_survives_a_restart(
    agent: TestClient, core: Core, settings: Settings, clock: FakeClock
) -> None:
    post(agent, "agentLogin/", LOGIN)
    post(agent, "togglePause/", {"phoneNumber": "1001"})
    restarted = bootstrap.build_core(settings, engine=core.store.engine, clock=clock)
    assert phone_service(restarted).toggle_pause("1001").paused is False  # it was paused
