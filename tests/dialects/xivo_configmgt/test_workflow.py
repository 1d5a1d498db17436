"""The agent's workflow (CCAgent): take, release, start, close, reschedule; tickets and export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.states import State
from ringback.testing import FakeClock
from tests.dialects.xivo_configmgt.conftest import add_agent, add_queue, url


@pytest.fixture
def setup(xivo: TestClient, core: Core) -> dict[str, Any]:
    """Queue 1 with agents 1 and 2, queue 2 with agent 3; a list of queue 1 with one request."""
    add_queue(core, "queue1", 1)
    add_queue(core, "queue2", 2)
    add_agent(core, 1, "1001", 1)
    add_agent(core, 2, "1002", 1)
    add_agent(core, 3, "1003", 2)
    for name, start, default in (("Morning", "09:00:00", True), ("Afternoon", "14:00:00", False)):
        xivo.post(url("/callback_periods"), json={
            "name": name, "periodStart": start, "periodEnd": "18:00:00", "default": default
        })  # fmt: skip
    list_id = xivo.post(url("/callback_lists"), json={"name": "l", "queueId": 1}).json()["uuid"]
    request = xivo.post(url(f"/callback_lists/{list_id}/callback_requests"), json={
        "phoneNumber": "1000", "firstName": "=cmd|' /C calc'!A0", "lastName": "+Doe",
        "company": "@corp", "description": "-1+1", "dueDate": "2026-01-09",
    }).json()  # fmt: skip
    return {"list": list_id, "request": request["uuid"]}


def act(xivo: TestClient, request_id: str, action: str, **body: Any) -> Any:
    return xivo.post(url(f"/callback_requests/{request_id}/{action}"), json=body)


def stored(core: Core, request_id: str) -> Any:
    return core.callbacks.get(Principal.service(), UUID(request_id))


def test_take_locks_the_request_for_one_agent(
    xivo: TestClient, core: Core, setup: dict[str, Any]
) -> None:
    request_id = setup["request"]
    taken = act(xivo, request_id, "take", agentId=1)
    assert taken.status_code == 200, taken.text
    assert taken.json()["clotured"] is False
    callback = stored(core, request_id).callback
    assert (callback.state, callback.owner_agent_id) == (State.RESERVED, 1)
    assert act(xivo, request_id, "take", agentId=1).status_code == 200  # harmless repeat
    other = act(xivo, request_id, "take", agentId=2)
    assert (other.status_code, other.json()["error"]) == (409, "Conflict")
    assert "taken by agent 1" in other.json()["message"]
    stranger = act(xivo, request_id, "take", agentId=3)  # not a member of queue 1
    assert (stranger.status_code, stranger.json()["error"]) == (403, "Forbidden")
    ghost = act(xivo, request_id, "take", agentId=99)
    assert (ghost.status_code, ghost.json()["error"]) == (404, "AgentNotFound")


def test_release_gives_it_back(xivo: TestClient, core: Core, setup: dict[str, Any]) -> None:
    request_id = setup["request"]
    not_taken = act(xivo, request_id, "release", agentId=1)
    assert (not_taken.status_code, not_taken.json()["error"]) == (409, "Conflict")
    act(xivo, request_id, "take", agentId=1)
    assert act(xivo, request_id, "release", agentId=2).status_code == 409
    assert act(xivo, request_id, "release", agentId=1).status_code == 200
    callback = stored(core, request_id).callback
    assert (callback.state, callback.owner_agent_id, callback.next_action_at) == (
        State.WAITING,
        None,
        None,
    )
    assert act(xivo, request_id, "take", agentId=2).status_code == 200  # free for another agent


def test_start_opens_a_ticket_and_hands_the_request_to_the_dispatcher(
    xivo: TestClient, core: Core, setup: dict[str, Any], clock: FakeClock
) -> None:
    request_id = setup["request"]
    early = act(xivo, request_id, "start", agentId=1)
    assert (early.status_code, early.json()["error"]) == (409, "Conflict")  # take it first
    act(xivo, request_id, "take", agentId=1)
    started = act(xivo, request_id, "start", agentId=1)
    assert started.status_code == 201, started.text
    ticket = started.json()
    assert ticket["requestUuid"] == request_id
    assert ticket["listUuid"] == setup["list"]
    assert (ticket["agentId"], ticket["agent"], ticket["status"]) == (1, "1001", None)
    assert ticket["startDate"] == "2026-01-05T09:00:00Z"
    assert ticket["closedDate"] is None
    callback = stored(core, request_id).callback
    assert (callback.state, callback.owner_agent_id) == (State.WAITING, 1)
    assert callback.next_action_at == clock.now()
    with core.store.transaction() as tx:  # the dispatcher's own claim picks it up
        claimed = tx.callbacks.claim_due(
            now=clock.now(), owner="test", token="t", lease_until=clock.now() + timedelta(30),
            limit=10,
        )  # fmt: skip
    assert [c.id for c in claimed] == [UUID(request_id)]
    assert act(xivo, request_id, "take", agentId=2).status_code == 409


def test_close_makes_the_request_clotured(
    xivo: TestClient, core: Core, setup: dict[str, Any], clock: FakeClock
) -> None:
    request_id = setup["request"]
    act(xivo, request_id, "take", agentId=1)
    unstarted = act(xivo, request_id, "close", agentId=1, status="Answered")
    assert (unstarted.status_code, unstarted.json()["error"]) == (409, "Conflict")
    act(xivo, request_id, "start", agentId=1)
    bad = act(xivo, request_id, "close", agentId=1, status="Done")
    assert (bad.status_code, bad.json()["error"]) == (400, "InvalidRequest")
    other = act(xivo, request_id, "close", agentId=2, status="Answered")
    assert other.status_code == 409
    clock.advance(minutes=3)
    closed = act(xivo, request_id, "close", agentId=1, status="Answered", comment="done, thanks")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "Answered"
    assert closed.json()["comment"] == "done, thanks"
    assert closed.json()["closedDate"] == "2026-01-05T09:03:00Z"
    view = stored(core, request_id)
    assert view.callback.state is State.COMPLETED
    assert [h.event for h in view.history] == ["create", "xivo:take", "xivo:start", "xivo:close"]
    found = xivo.post(url("/callback_requests/find"), json={"filters": [
        {"field": "clotured", "operator": "=", "value": True}]}).json()  # fmt: skip
    assert [r["uuid"] for r in found["list"]] == [request_id]
    assert xivo.get(url("/callback_lists"), params={"withRequest": "true"}).json() == []
    again = act(xivo, request_id, "close", agentId=1, status="Answered")
    assert again.status_code == 409


def test_close_without_reaching_the_customer_fails_the_request(
    xivo: TestClient, core: Core, setup: dict[str, Any]
) -> None:
    request_id = setup["request"]
    act(xivo, request_id, "take", agentId=1)
    act(xivo, request_id, "start", agentId=1)
    assert act(xivo, request_id, "close", agentId=1, status="NoAnswer").status_code == 200
    callback = stored(core, request_id).callback
    assert (callback.state, callback.reason.value if callback.reason else None) == (
        State.FAILED,
        "no_answer",
    )


def test_reschedule_sets_a_new_due_date_and_period(
    xivo: TestClient, core: Core, setup: dict[str, Any]
) -> None:
    request_id = setup["request"]
    act(xivo, request_id, "take", agentId=1)
    act(xivo, request_id, "start", agentId=1)
    nothing = act(xivo, request_id, "reschedule", agentId=1)
    assert nothing.status_code == 400
    unknown = act(xivo, request_id, "reschedule", agentId=1, period="Night")
    assert unknown.status_code == 400
    foreign = act(xivo, request_id, "reschedule", agentId=2, dueDate="2026-01-12")
    assert foreign.status_code == 409
    moved = act(xivo, request_id, "reschedule", agentId=1, dueDate="2026-01-12",
                period="Afternoon", comment="call on Monday")  # fmt: skip
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["dueDate"], body["preferredPeriod"]["name"], body["clotured"]) == (
        "2026-01-12",
        "Afternoon",
        False,
    )
    callback = stored(core, request_id).callback
    assert (callback.state, callback.owner_agent_id, callback.next_action_at) == (
        State.SCHEDULED,
        None,
        None,
    )
    tickets = xivo.get(url(f"/callback_lists/{setup['list']}/tickets")).json()
    assert [(t["status"], t["comment"]) for t in tickets] == [("Callback", "call on Monday")]
    assert act(xivo, request_id, "take", agentId=2).status_code == 200  # open to all again


def test_an_untaken_request_can_be_rescheduled_without_an_agent(
    xivo: TestClient, setup: dict[str, Any]
) -> None:
    moved = act(xivo, setup["request"], "reschedule", dueDate="2026-02-01")
    assert moved.status_code == 200
    assert moved.json()["dueDate"] == "2026-02-01"


def test_unknown_requests_are_not_found(xivo: TestClient, setup: dict[str, Any]) -> None:
    bodies = {"take": {}, "release": {}, "start": {}, "close": {"status": "Answered"},
              "reschedule": {"dueDate": "2026-01-12"}}  # fmt: skip
    for action, body in bodies.items():
        response = act(xivo, str(UUID(int=5)), action, agentId=1, **body)
        assert (response.status_code, response.json()["error"]) == (404, "CallbackRequestNotFound")
    assert xivo.get(url(f"/callback_requests/{UUID(int=5)}")).status_code == 404
    assert (
        xivo.get(url(f"/callback_requests/{setup['request']}")).json()["uuid"] == setup["request"]
    )
    malformed = xivo.post(url(f"/callback_requests/{setup['request']}/take"), content=b"{")
    assert (malformed.status_code, malformed.json()["error"]) == (400, "JsonParsingError")


def test_tickets_export_neutralises_formulas(xivo: TestClient, setup: dict[str, Any]) -> None:
    request_id = setup["request"]
    act(xivo, request_id, "take", agentId=1)
    act(xivo, request_id, "start", agentId=1)
    act(xivo, request_id, "close", agentId=1, status="Answered", comment="@SUM(A1:A2)\tx")
    response = xivo.get(url(f"/callback_lists/{setup['list']}/tickets/csv"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["firstName"] == "'=cmd|' /C calc'!A0"
    assert row["lastName"] == "'+Doe"
    assert row["company"] == "'@corp"
    assert row["description"] == "'-1+1"
    assert row["comment"] == "'@SUM(A1:A2)\tx"
    assert row["phoneNumber"] == "1000"
    assert row["status"] == "Answered"
    assert row["agent"] == "1001"
    missing = xivo.get(url(f"/callback_lists/{UUID(int=7)}/tickets/csv"))
    assert (missing.status_code, missing.json()["error"]) == (404, "CallbackListNotFound")


def test_a_started_request_cannot_be_taken_again(xivo: TestClient, setup: dict[str, Any]) -> None:
    request_id = setup["request"]
    act(xivo, request_id, "take", agentId=1)
    act(xivo, request_id, "start", agentId=1)
    again = act(xivo, request_id, "take", agentId=1)
    assert (again.status_code, again.json()["error"]) == (409, "Conflict")
    assert "started already" in again.json()["message"]


def test_close_after_telephony_completed_only_closes_the_ticket(
    xivo: TestClient, core: Core, setup: dict[str, Any], clock: FakeClock
) -> None:
    request_id = setup["request"]
    act(xivo, request_id, "take", agentId=1)
    act(xivo, request_id, "start", agentId=1)
    callback = stored(core, request_id).callback
    core.callbacks.cancel(Principal.service(), callback.id)  # ended elsewhere meanwhile
    closed = act(xivo, request_id, "close", agentId=1, status="Answered", comment="late")
    assert closed.status_code == 200
    assert closed.json()["status"] == "Answered"
    assert stored(core, request_id).callback.state is State.CANCELLED
    late = act(xivo, request_id, "reschedule", agentId=1, dueDate="2026-01-12")
    assert (late.status_code, late.json()["error"]) == (409, "Conflict")
    assert "clotured" in late.json()["message"]
