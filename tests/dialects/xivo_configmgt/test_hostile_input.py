"""Hostile and malformed input: every answer a 4xx in the dialect's shape, nothing half-written.

Found in review: routing errors answered FastAPI's `{"detail"}`; integers beyond the 32-bit
columns were a 500 on SQLite; NUL in names, comments and logins was stored on SQLite and refused
by PostgreSQL only as a database error.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal, Profile
from tests.dialects.xivo_configmgt.conftest import add_agent, add_queue, add_user, url

HUGE = 10**30
INT64_PLUS_ONE = 2**63


@pytest.fixture
def world(xivo: TestClient, core: Core) -> dict[str, str]:
    """Queue 3 with agent 1, a default period, a list with one request taken and started."""
    add_queue(core, "sales", 3)
    add_agent(core, 1, "1001", 3)
    period = {"name": "Day", "periodStart": "09:00:00", "periodEnd": "17:00:00", "default": True}
    assert xivo.post(url("/callback_periods"), json=period).status_code == 201
    list_id = xivo.post(url("/callback_lists"), json={"name": "l", "queueId": 3}).json()["uuid"]
    path = url(f"/callback_lists/{list_id}/callback_requests")
    request_id = xivo.post(path, json={"phoneNumber": "1000"}).json()["uuid"]
    return {"list": list_id, "request": request_id}


def assert_refused(response: Any, status: int, error: str) -> None:
    assert (response.status_code, response.json()["error"]) == (status, error), response.text
    assert list(response.json()) == ["error", "message"]
    assert response.json()["message"]


def test_unknown_paths_and_methods_answer_in_the_dialects_shape(xivo: TestClient) -> None:
    assert_refused(xivo.get(url("/no_such_thing")), 404, "NotFound")
    assert_refused(xivo.patch(url("/callback_lists")), 405, "MethodNotAllowed")
    assert_refused(xivo.put(url("/users")), 405, "MethodNotAllowed")
    assert_refused(xivo.get(url("/queue/3/dissuasion/sound_file")), 405, "MethodNotAllowed")


@pytest.mark.parametrize("value", [HUGE, INT64_PLUS_ONE, 2**31, -1])
def test_out_of_range_integers_are_400(xivo: TestClient, world: dict[str, str], value: int) -> None:
    request = world["request"]
    calls = [
        xivo.post(url("/callback_lists"), json={"name": "x", "queueId": value}),
        xivo.post(url("/callback_requests/find"), json={"filters": [], "offset": value}),
        xivo.post(url("/callback_requests/find"), json={"filters": [], "limit": value}),
        xivo.post(url(f"/callback_requests/{request}/take"), json={"agentId": value}),
        xivo.post(url(f"/callback_requests/{request}/reschedule"),
                  json={"agentId": value, "dueDate": "2030-01-01"}),
        xivo.post(url("/rights/user/admin"), json={"data": {"queueIds": [value]}}),
    ]  # fmt: skip
    for response in calls:
        assert_refused(response, 400, "InvalidRequest")
    assert len(xivo.get(url("/callback_lists")).json()) == 1


@pytest.mark.parametrize("value", [HUGE, INT64_PLUS_ONE, -(2**31) - 1])
def test_out_of_range_filter_values_are_400(
    xivo: TestClient, world: dict[str, str], value: int
) -> None:
    body = {"filters": [{"field": "queueId", "operator": ">", "value": value}]}
    assert_refused(xivo.post(url("/callback_requests/find"), json=body), 400, "InvalidRequest")


def test_the_largest_integers_are_accepted(xivo: TestClient, world: dict[str, str]) -> None:
    top = 2**31 - 1
    body = {"filters": [{"field": "queueId", "operator": "<", "value": top}], "offset": top}
    found = xivo.post(url("/callback_requests/find"), json=body)
    assert found.json() == {"total": 1, "list": []}
    missing = xivo.post(url("/callback_lists"), json={"name": "x", "queueId": top})
    assert_refused(missing, 404, "QueueNotFound")


def test_nul_in_names_and_comments_is_refused_and_nothing_is_stored(
    xivo: TestClient, world: dict[str, str]
) -> None:
    request = world["request"]
    assert_refused(xivo.post(url("/callback_lists"), json={"name": "a\x00b", "queueId": 3}),
                   400, "InvalidRequest")  # fmt: skip
    period = {"name": "P\x00", "periodStart": "09:00", "periodEnd": "10:00"}
    assert_refused(xivo.post(url("/callback_periods"), json=period), 400, "InvalidRequest")
    moved = xivo.post(url(f"/callback_requests/{request}/reschedule"), json={"period": "D\x00"})
    assert_refused(moved, 400, "InvalidRequest")
    fields = {"phoneNumber": "1001", "firstName": "Jo\x00hn"}
    created = xivo.post(url(f"/callback_lists/{world['list']}/callback_requests"), json=fields)
    assert_refused(created, 400, "InvalidRequest")
    assert xivo.post(url(f"/callback_requests/{request}/take"), json={"agentId": 1}).is_success
    assert xivo.post(url(f"/callback_requests/{request}/start"), json={"agentId": 1}).is_success
    closing = {"agentId": 1, "status": "Answered", "comment": "done\x00"}
    assert_refused(xivo.post(url(f"/callback_requests/{request}/close"), json=closing),
                   400, "InvalidRequest")  # fmt: skip
    assert [lst["name"] for lst in xivo.get(url("/callback_lists")).json()] == ["l"]
    assert [p["name"] for p in xivo.get(url("/callback_periods")).json()] == ["Day"]
    tickets = xivo.get(url(f"/callback_lists/{world['list']}/tickets")).json()
    assert [t["status"] for t in tickets] == [None]  # the ticket is still open


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_login_with_nul_names_no_user(xivo: TestClient, method: str) -> None:
    body = {"type": "admin"} if method == "POST" else None
    response = xivo.request(method, url("/rights/user/ad%00min"), json=body)
    assert_refused(response, 404, "UserNotFound")


def test_rights_update_the_profile_or_the_rights_alone(xivo: TestClient, core: Core) -> None:
    add_user(core, "jbond", Profile.SUPERVISOR, queue_ids=(1, 2), dissuasion_access=True)
    only_type = xivo.post(url("/rights/user/jbond"), json={"type": "teacher"})
    assert only_type.status_code == 200, only_type.text
    assert only_type.json() == {"type": "teacher", "data": {
        "queueIds": [1, 2], "groupIds": [], "incallIds": [],
        "recordingAccess": True, "dissuasionAccess": True,
    }}  # fmt: skip
    only_data = xivo.post(url("/rights/user/jbond"), json={"data": {"queueIds": [7]}})
    assert only_data.json()["type"] == "teacher"
    assert only_data.json()["data"]["queueIds"] == [7]
    assert only_data.json()["data"]["dissuasionAccess"] is False  # the documented default
    stored = core.users.get(Principal.service(), "jbond")
    assert (stored.profile, stored.rights.queue_ids) == (Profile.TEACHER, (7,))
    assert_refused(xivo.post(url("/rights/user/jbond"), json={}), 400, "InvalidRequest")


def test_a_backslash_in_like_is_an_ordinary_character_on_both_databases(
    xivo: TestClient, world: dict[str, str]
) -> None:
    # PostgreSQL's LIKE escapes with a backslash by default; SQLite's has no escape at all: the
    # documented "no escape character" must hold on both.
    path = url(f"/callback_lists/{world['list']}/callback_requests")
    for number, name in (("1001", "a\\b"), ("1002", "ab"), ("1003", "a\\%")):
        assert xivo.post(path, json={"phoneNumber": number, "firstName": name}).status_code == 201
    expected = {"a\\b": ["a\\b"], "A\\B": [], "a\\_": ["a\\b", "a\\%"], "a\\": []}
    for pattern, names in expected.items():
        body = {"filters": [{"field": "firstName", "operator": "like", "value": pattern},
                            {"field": "phoneNumber", "order": "ASC"}]}  # fmt: skip
        found = xivo.post(url("/callback_requests/find"), json=body)
        assert found.status_code == 200, found.text
        assert [r["firstName"] for r in found.json()["list"]] == names, pattern
    body = {"filters": [{"field": "firstName", "operator": "ilike", "value": "A\\B"}]}
    found = xivo.post(url("/callback_requests/find"), json=body).json()
    assert [r["firstName"] for r in found["list"]] == ["a\\b"]


def test_a_chunked_body_past_the_limit_is_413(
    xivo: TestClient, world: dict[str, str], settings: Any
) -> None:
    settings.max_body_bytes = 64 * 1024  # read at each call: no need for another server

    def chunks() -> Any:  # no Content-Length: only reading the body can tell its size
        yield b"phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|"
        yield b"dueDate|period\n"
        for _ in range(10000):  # 120 kB
            yield b"1000|||||||\n"

    path = url(f"/callback_lists/{world['list']}/callback_requests/csv")
    assert_refused(xivo.post(path, content=chunks()), 413, "PayloadTooLarge")
    assert xivo.post(url("/callback_requests/find"), json={"filters": []}).json()["total"] == 1


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"filters":' * 100_000, b"\x00", b"{}}"])
def test_pathological_json_is_a_parsing_error(
    xivo: TestClient, world: dict[str, str], body: bytes
) -> None:
    response = xivo.post(url("/callback_requests/find"), content=body)
    assert_refused(response, 400, "JsonParsingError")


def test_csv_lines_are_counted_by_newlines_only(xivo: TestClient, world: dict[str, str]) -> None:
    # str.splitlines() also splits on U+2028, form feed, \x1c...: a description holding one
    # shifted every later line number, and refused its own line for its field count
    header = "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period"
    lines = [header, "1001|||||one\u2028two\x0cthree||", "1002||||||2026-13-01|"]
    path = url(f"/callback_lists/{world['list']}/callback_requests/csv")
    refused = xivo.post(path, content="\r\n".join(lines).encode())
    assert refused.status_code == 400
    assert [e["line"] for e in refused.json()["errors"]] == [3]
    lines[2] = "1002||||||2026-12-01|"
    assert xivo.post(path, content="\r\n".join(lines).encode()).status_code == 201
    body = {"filters": [{"field": "phoneNumber", "operator": "=", "value": "1001"}]}
    found = xivo.post(url("/callback_requests/find"), json=body).json()
    assert found["list"][0]["description"] == "one\u2028two\x0cthree"
    old_mac = "\r".join([header, "1003|||||||", "1004|||||||"])  # CR-only line ends
    imported = xivo.post(path, content=old_mac.encode())
    assert (imported.status_code, imported.json()["imported"]) == (201, 2)
