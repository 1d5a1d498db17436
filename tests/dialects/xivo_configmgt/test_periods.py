"""Preferred periods: /callback_periods create, list, update, delete; exactly one default."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Profile
from tests.dialects.xivo_configmgt.conftest import add_queue, add_user, as_user, url

PERIODS = url("/callback_periods")


def period(name: str, start: str, end: str, default: bool = False) -> dict[str, Any]:
    return {"name": name, "periodStart": start, "periodEnd": end, "default": default}


def test_create_and_list(xivo: TestClient) -> None:
    first = xivo.post(PERIODS, json=period("Afternoon", "14:00:00", "18:00:00"))
    assert first.status_code == 201
    body = first.json()
    assert list(body) == ["uuid", "name", "periodStart", "periodEnd", "default"]
    assert body["default"] is True  # the first period is the default
    UUID(body["uuid"])
    second = xivo.post(PERIODS, json=period("Morning", "09:00", "12:00", default=True)).json()
    assert second["periodStart"] == "09:00:00"
    listed = xivo.get(PERIODS).json()
    assert [(p["name"], p["default"]) for p in listed] == [("Morning", True), ("Afternoon", False)]


def test_update_moves_the_default_and_keeps_one(xivo: TestClient) -> None:
    morning = xivo.post(PERIODS, json=period("Morning", "09:00:00", "12:00:00")).json()
    evening = xivo.post(PERIODS, json=period("Evening", "18:00:00", "20:00:00")).json()
    path = url(f"/callback_periods/{morning['uuid']}")
    undefault = xivo.put(path, json=period("Morning", "09:00:00", "12:00:00", default=False))
    assert (undefault.status_code, undefault.json()["error"]) == (409, "Conflict")
    moved = xivo.put(url(f"/callback_periods/{evening['uuid']}"),
                     json=period("Late", "18:30:00", "20:00:00", default=True))  # fmt: skip
    assert moved.status_code == 200
    assert moved.json()["name"] == "Late"
    listed = {p["name"]: p["default"] for p in xivo.get(PERIODS).json()}
    assert listed == {"Morning": False, "Late": True}


def test_delete(xivo: TestClient, core: Core) -> None:
    add_queue(core, "q", 1)
    morning = xivo.post(PERIODS, json=period("Morning", "09:00:00", "12:00:00")).json()
    noon = xivo.post(PERIODS, json=period("Noon", "12:00:00", "14:00:00")).json()
    list_id = xivo.post(url("/callback_lists"), json={"name": "l", "queueId": 1}).json()["uuid"]
    made = xivo.post(url(f"/callback_lists/{list_id}/callback_requests"),
                     json={"phoneNumber": "1000", "period": "Noon"}).json()  # fmt: skip
    assert made["preferredPeriod"]["name"] == "Noon"
    refused = xivo.delete(url(f"/callback_periods/{morning['uuid']}"))  # the default
    assert (refused.status_code, refused.json()["error"]) == (409, "Conflict")
    deleted = xivo.delete(url(f"/callback_periods/{noon['uuid']}"))
    assert deleted.status_code == 200
    assert deleted.json()["name"] == "Noon"
    request = xivo.get(url(f"/callback_requests/{made['uuid']}")).json()
    assert "preferredPeriod" not in request
    assert "preferredPeriodUuid" not in request
    again = xivo.delete(url(f"/callback_periods/{noon['uuid']}"))
    assert (again.status_code, again.json()["error"]) == (404, "PeriodNotFound")


def test_errors(xivo: TestClient, core: Core) -> None:
    xivo.post(PERIODS, json=period("Morning", "09:00:00", "12:00:00"))
    cases = [
        (period("Morning", "09:00:00", "12:00:00"), 409, "Conflict"),
        (period("Bad", "12:00:00", "09:00:00"), 400, "InvalidRequest"),
        (period("Bad", "9h", "12:00:00"), 400, "InvalidRequest"),
        (period("Bad", "25:00:00", "26:00:00"), 400, "InvalidRequest"),
        ({"name": "Bad", "periodStart": "09:00:00"}, 400, "InvalidRequest"),
        ({**period("Bad", "09:00:00", "10:00:00"), "default": "yes"}, 400, "InvalidRequest"),
        ({**period("Bad", "09:00:00", "10:00:00"), "color": "red"}, 400, "InvalidRequest"),
        (period("", "09:00:00", "10:00:00"), 400, "InvalidRequest"),
    ]
    for body, status, error in cases:
        response = xivo.post(PERIODS, json=body)
        assert (response.status_code, response.json()["error"]) == (status, error), body
    missing = xivo.put(url(f"/callback_periods/{UUID(int=3)}"), json=period("X", "09:00", "10:00"))
    assert (missing.status_code, missing.json()["error"]) == (404, "PeriodNotFound")
    add_user(core, "sup", Profile.SUPERVISOR, queue_ids=(1,))
    forbidden = xivo.post(PERIODS, json=period("Y", "09:00", "10:00"), headers=as_user(xivo, "sup"))
    assert (forbidden.status_code, forbidden.json()["error"]) == (403, "Forbidden")
    assert xivo.get(PERIODS, headers=as_user(xivo, "sup")).status_code == 200
