"""A supervisor or teacher (the dashboard) sees and changes only their queues' lists, requests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal, Profile
from tests.conftest import SERVICE_TOKEN
from tests.dialects.xivo_configmgt.conftest import (
    USER_PASSWORD,
    add_agent,
    add_queue,
    add_user,
    as_user,
    url,
)


@pytest.fixture
def world(xivo: TestClient, core: Core) -> dict[str, Any]:
    """Lists and requests in queues 1 and 2; a teacher of queue 1."""
    add_queue(core, "one", 1)
    add_queue(core, "two", 2)
    add_agent(core, 1, "1001", 2)
    add_user(core, "teach", Profile.TEACHER, queue_ids=(1,))
    made: dict[str, Any] = {}
    for queue_id in (1, 2):
        lst = xivo.post(url("/callback_lists"), json={"name": f"l{queue_id}", "queueId": queue_id})
        list_id = lst.json()["uuid"]
        request = xivo.post(url(f"/callback_lists/{list_id}/callback_requests"),
                            json={"phoneNumber": f"100{queue_id}"})  # fmt: skip
        made[queue_id] = (list_id, request.json()["uuid"])
    return made


def test_reads_are_limited_to_the_users_queues(xivo: TestClient, world: dict[str, Any]) -> None:
    headers = as_user(xivo, "teach")
    lists = xivo.get(url("/callback_lists"), headers=headers).json()
    assert [lst["queueId"] for lst in lists] == [1]
    found = xivo.post(url("/callback_requests/find"), json={"filters": []}, headers=headers).json()
    assert (found["total"], [r["queueId"] for r in found["list"]]) == (1, [1])
    sneaky = xivo.post(url("/callback_requests/find"), headers=headers, json={
        "filters": [{"field": "queueId", "operator": "=", "value": 2}]}).json()  # fmt: skip
    assert sneaky == {"total": 0, "list": []}
    foreign_list, foreign_request = world[2]
    for path in (
        f"/callback_lists/{foreign_list}/tickets",
        f"/callback_requests/{foreign_request}",
    ):
        response = xivo.get(url(path), headers=headers)
        assert response.status_code == 404, path


def test_changes_outside_the_users_queues_are_not_found(
    xivo: TestClient, core: Core, world: dict[str, Any]
) -> None:
    headers = as_user(xivo, "teach")
    foreign_list, foreign_request = world[2]
    cases = [
        ("POST", "/callback_lists", {"name": "x", "queueId": 2}, "QueueNotFound"),
        ("DELETE", f"/callback_lists/{foreign_list}", None, "CallbackListNotFound"),
        ("POST", f"/callback_lists/{foreign_list}/callback_requests", {"phoneNumber": "1"},
         "CallbackListNotFound"),
        ("POST", f"/callback_requests/{foreign_request}/take", {"agentId": 1},
         "CallbackRequestNotFound"),
    ]  # fmt: skip
    for method, path, body, error in cases:
        response = xivo.request(method, url(path), json=body, headers=headers)
        assert (response.status_code, response.json()["error"]) == (404, error), path
    csv = xivo.post(url(f"/callback_lists/{foreign_list}/callback_requests/csv"), headers=headers,
                    content=b"phoneNumber|mobilePhoneNumber|firstName|lastName|company|"
                            b"description|dueDate|period\n1|||||||")  # fmt: skip
    assert csv.status_code == 404
    assert len(xivo.get(url("/callback_lists")).json()) == 2  # nothing changed
    own_list = world[1][0]
    created = xivo.post(
        url("/callback_lists"), json={"name": "mine", "queueId": 1}, headers=headers
    )
    assert created.status_code == 201
    assert xivo.delete(url(f"/callback_lists/{own_list}"), headers=headers).status_code == 200


def test_user_tokens_work_as_x_auth_token(
    xivo: TestClient, core: Core, world: dict[str, Any]
) -> None:
    user = core.users.authenticate("teach", USER_PASSWORD)
    token, _ = core.users.issue_token(user)
    lists = xivo.get(url("/callback_lists"), headers={"X-Auth-Token": token}).json()
    assert [lst["queueId"] for lst in lists] == [1]
    service = {"X-Auth-Token": "", "Authorization": f"Bearer {SERVICE_TOKEN}"}
    bearer = xivo.get(url("/callback_lists"), headers=service)
    assert len(bearer.json()) == 2
    wrong_password = {"X-Auth-Token": "", "Authorization": "Basic dGVhY2g6bm9wZQ=="}
    wrong = xivo.get(url("/callback_lists"), headers=wrong_password)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "Unauthorized")
    assert core.callbacks.get(Principal.service(), UUID(world[1][1])).callback.queue_id == 1


def test_the_workflow_and_tickets_of_other_queues_are_not_found(
    xivo: TestClient, world: dict[str, Any]
) -> None:
    headers = as_user(xivo, "teach")
    foreign_list, foreign_request = world[2]
    for action, body in (
        ("release", {"agentId": 1}),
        ("start", {"agentId": 1}),
        ("close", {"agentId": 1, "status": "Answered"}),
        ("reschedule", {"dueDate": "2030-01-01"}),
    ):
        response = xivo.post(url(f"/callback_requests/{foreign_request}/{action}"), json=body,
                             headers=headers)  # fmt: skip
        assert (response.status_code, response.json()["error"]) == (
            404, "CallbackRequestNotFound"), action  # fmt: skip
    export = xivo.get(url(f"/callback_lists/{foreign_list}/tickets/csv"), headers=headers)
    assert (export.status_code, export.json()["error"]) == (404, "CallbackListNotFound")
    by_list = xivo.post(url("/callback_requests/find"), headers=headers, json={
        "filters": [{"field": "listUuid", "operator": "=", "value": foreign_list}]})  # fmt: skip
    assert by_list.json() == {"total": 0, "list": []}
    with_request = xivo.get(url("/callback_lists?withRequest=true"), headers=headers).json()
    assert [lst["queueId"] for lst in with_request] == [1]


def test_an_agent_of_other_queues_is_not_found(
    xivo: TestClient, core: Core, world: dict[str, Any]
) -> None:
    # agent 1 is a member of queue 2 only: the teacher of queue 1 must not learn it exists
    own_request = world[1][1]
    response = xivo.post(url(f"/callback_requests/{own_request}/take"), json={"agentId": 1},
                         headers=as_user(xivo, "teach"))  # fmt: skip
    assert (response.status_code, response.json()["error"]) == (404, "AgentNotFound")
    # with the service token it exists, and is refused for not being of the request's queue
    response = xivo.post(url(f"/callback_requests/{own_request}/take"), json={"agentId": 1})
    assert (response.status_code, response.json()["error"]) == (403, "Forbidden")
