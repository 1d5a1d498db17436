"""POST /callback_requests/find: every whitelisted field and operator, paging, order, injection."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.dialects.xivo_configmgt.filters import FILTER_FIELDS, KIND_OPERATORS
from ringback.domain.people import Principal
from tests.dialects.xivo_configmgt.conftest import add_queue, url

FIND = url("/callback_requests/find")


@pytest.fixture
def data(xivo: TestClient, core: Core) -> dict[str, Any]:
    """Two queues, a default period, three requests; one of them clotured."""
    add_queue(core, "queue1", 1)
    add_queue(core, "queue2", 2)
    period = xivo.post(url("/callback_periods"), json={
        "name": "Toute la journée", "periodStart": "09:00:00", "periodEnd": "17:00:00",
        "default": True,
    }).json()  # fmt: skip
    first = xivo.post(url("/callback_lists"), json={"name": "a", "queueId": 1}).json()["uuid"]
    second = xivo.post(url("/callback_lists"), json={"name": "b", "queueId": 2}).json()["uuid"]
    rows = [
        (first, {"phoneNumber": "1000", "mobilePhoneNumber": "2000", "dueDate": "2018-07-05",
                 "firstName": "Alice", "description": "VIP, urgent call"}),
        (first, {"phoneNumber": "1001", "dueDate": "2018-07-06", "firstName": "alice",
                 "lastName": "100%_sure", "company": "ACME"}),
        (second, {"phoneNumber": "1002", "dueDate": "2018-07-07", "firstName": "Bob",
                  "description": "urgent"}),
    ]  # fmt: skip
    made = [
        xivo.post(url(f"/callback_lists/{lst}/callback_requests"), json=body).json()
        for lst, body in rows
    ]
    core.callbacks.cancel(Principal.service(), UUID(made[2]["uuid"]))  # clotured
    return {"period": period, "lists": (first, second), "made": made}


def find(xivo: TestClient, *filters: dict[str, Any], **paging: Any) -> list[str]:
    response = xivo.post(FIND, json={"filters": list(filters), **paging})
    assert response.status_code == 200, response.text
    return [r["phoneNumber"] for r in response.json()["list"]]


def test_the_documents_example(xivo: TestClient, data: dict[str, Any]) -> None:
    response = xivo.post(FIND, json={
        "filters": [{"field": "phoneNumber", "operator": "=", "value": "1000"}],
        "offset": 0, "limit": 100,
    })  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["list"] == [{
        "uuid": data["made"][0]["uuid"],
        "listUuid": data["lists"][0],
        "phoneNumber": "1000",
        "mobilePhoneNumber": "2000",
        "firstName": "Alice",
        "description": "VIP, urgent call",
        "preferredPeriodUuid": data["period"]["uuid"],
        "dueDate": "2018-07-05",
        "queueId": 1,
        "clotured": False,
        "preferredPeriod": data["period"],
    }]  # fmt: skip


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "phoneNumber", "operator": "!=", "value": "1000"}, ["1001", "1002"]),
        ({"field": "phoneNumber", "operator": ">", "value": "1000"}, ["1001", "1002"]),
        ({"field": "phoneNumber", "operator": ">=", "value": "1001"}, ["1001", "1002"]),
        ({"field": "phoneNumber", "operator": "<", "value": "1001"}, ["1000"]),
        ({"field": "phoneNumber", "operator": "<=", "value": "1001"}, ["1000", "1001"]),
        ({"field": "firstName", "operator": "like", "value": "A%"}, ["1000"]),  # case-sensitive
        ({"field": "firstName", "operator": "ilike", "value": "a%"}, ["1000", "1001"]),
        ({"field": "firstName", "operator": "like", "value": "_lice"}, ["1000", "1001"]),
        ({"field": "lastName", "operator": "like", "value": "100[%]%"}, []),  # no escapes: literal
        ({"field": "lastName", "operator": "like", "value": "100%"}, ["1001"]),
        ({"field": "lastName", "operator": "is null"}, ["1000", "1002"]),
        ({"field": "lastName", "operator": "is not null"}, ["1001"]),
        ({"field": "mobilePhoneNumber", "operator": "=", "value": "2000"}, ["1000"]),
        ({"field": "company", "operator": "ilike", "value": "acme"}, ["1001"]),
        ({"field": "description", "operator": "contains_all", "list": ["URGENT", "vip"]}, ["1000"]),
        (
            {"field": "description", "operator": "contains_all", "list": ["urgent"]},
            ["1000", "1002"],
        ),
        ({"field": "description", "operator": "contains_all", "value": ["%"]}, []),
        ({"field": "dueDate", "operator": ">", "value": "2018-07-05"}, ["1001", "1002"]),
        ({"field": "dueDate", "operator": "<=", "value": "2018-07-06"}, ["1000", "1001"]),
        ({"field": "dueDate", "operator": "is not null"}, ["1000", "1001", "1002"]),
        ({"field": "dueDate", "operator": "is null"}, []),
        ({"field": "queueId", "operator": "=", "value": 2}, ["1002"]),
        ({"field": "queueId", "operator": "<", "value": 2}, ["1000", "1001"]),
        ({"field": "clotured", "operator": "=", "value": True}, ["1002"]),
        ({"field": "clotured", "operator": "!=", "value": True}, ["1000", "1001"]),
        ({"field": "preferredPeriodUuid", "operator": "is not null"}, ["1000", "1001", "1002"]),
        ({"field": "preferredPeriodUuid", "operator": "is null"}, []),
        (
            {
                "field": "preferredPeriodUuid",
                "operator": "!=",
                "value": "00000000-0000-0000-0000-000000000000",
            },
            ["1000", "1001", "1002"],
        ),
        ({"field": "listUuid", "operator": "like", "value": "%"}, ["1000", "1001", "1002"]),
        ({"field": "uuid", "operator": "is not null"}, ["1000", "1001", "1002"]),
        ({"field": "listUuid", "operator": "is null"}, []),
    ],
)
def test_every_operator(xivo: TestClient, condition: dict[str, Any], expected: list[str]) -> None:
    assert sorted(find(xivo, condition)) == expected


def test_uuid_fields(xivo: TestClient, data: dict[str, Any]) -> None:
    _first, second = data["lists"]
    assert find(xivo, {"field": "listUuid", "operator": "=", "value": second}) == ["1002"]
    made = data["made"][1]["uuid"]
    assert find(xivo, {"field": "uuid", "operator": "=", "value": made.upper()}) == ["1001"]
    period = data["period"]["uuid"]
    assert len(find(xivo, {"field": "preferredPeriodUuid", "operator": "=", "value": period})) == 3


def test_every_whitelisted_field_accepts_its_operators(xivo: TestClient) -> None:
    samples = {"text": "x", "uuid": "00000000-0000-0000-0000-000000000001", "int": 1,
               "date": "2020-01-01", "bool": True}  # fmt: skip
    for field, kind in FILTER_FIELDS.items():
        for operator in KIND_OPERATORS[kind]:
            value: Any = samples[kind.value]
            if operator.value in ("like", "ilike"):
                value = "x%"
            condition = {"field": field, "operator": operator.value, "value": value}
            if operator.value == "contains_all":
                condition = {"field": field, "operator": "contains_all", "list": ["x"]}
            response = xivo.post(FIND, json={"filters": [condition]})
            assert response.status_code == 200, (field, operator, response.text)
            assert response.json() == {"total": 0, "list": []}


@pytest.mark.usefixtures("data")
def test_order_paging_and_order_alone(xivo: TestClient) -> None:
    latest_first = {"field": "dueDate", "order": "DESC"}
    assert find(xivo, latest_first) == ["1002", "1001", "1000"]
    by_date = {"field": "dueDate", "order": "ASC"}
    assert find(xivo, by_date, offset=1, limit=1) == ["1001"]
    response = xivo.post(FIND, json={"filters": [by_date], "offset": 1, "limit": 1}).json()
    assert response["total"] == 3
    both = {"field": "queueId", "operator": "=", "value": 1, "order": "DESC"}
    assert find(xivo, both, {"field": "phoneNumber", "order": "DESC"}) == ["1001", "1000"]


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    "body",
    [
        {"filters": [{"field": "password", "operator": "=", "value": "x"}]},
        {"filters": [{"field": "customer_number", "operator": "=", "value": "1000"}]},
        {"filters": [{"field": "phoneNumber", "operator": "~", "value": "1000"}]},
        {"filters": [{"field": "phoneNumber", "operator": "= 1 OR 1=1 --", "value": "x"}]},
        {"filters": [{"field": "phoneNumber) OR 1=1 --", "operator": "=", "value": "x"}]},
        {"filters": [{"field": "phoneNumber", "operator": "=", "value": 1000}]},
        {"filters": [{"field": "queueId", "operator": "=", "value": "1 OR 1=1"}]},
        {"filters": [{"field": "queueId", "operator": "like", "value": "1%"}]},
        {"filters": [{"field": "clotured", "operator": ">", "value": True}]},
        {"filters": [{"field": "dueDate", "operator": "=", "value": "2018-07-05' OR '1'='1"}]},
        {"filters": [{"field": "uuid", "operator": "=", "value": "' OR 1=1 --"}]},
        {"filters": [{"field": "phoneNumber", "order": "ASC; DROP TABLE callbacks"}]},
        {"filters": [{"field": "phoneNumber"}]},
        {"filters": [{"field": "phoneNumber", "operator": "=", "value": "1", "sql": "1=1"}]},
        {"filters": [{"field": "description", "operator": "contains_all", "list": []}]},
        {"filters": "phoneNumber = 1000"},
        {"filters": [], "limit": 0},
        {"filters": [], "limit": 1001},
        {"filters": [], "offset": -1},
        {"filters": [], "limit": "10"},
        {"filters": [], "where": "1=1"},
    ],
)
def test_unknown_fields_operators_and_bad_values_are_400(
    xivo: TestClient, body: dict[str, Any]
) -> None:
    response = xivo.post(FIND, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "InvalidRequest"


@pytest.mark.usefixtures("data")
def test_injection_in_values_is_only_data(xivo: TestClient) -> None:
    attempts = [
        "' OR '1'='1",
        "1000' --",
        "1000; DROP TABLE callbacks; --",
        "%' OR 1=1 --",
        "\\",
        "*",
        "[",
        "?",
        "1000\x00",
    ]
    for value in attempts:
        for operator in ("=", "like", "ilike", "!="):
            response = xivo.post(FIND, json={
                "filters": [{"field": "phoneNumber", "operator": operator, "value": value}]
            })  # fmt: skip
            # NUL is refused (400); everything else is a value compared as such
            assert response.status_code == (400 if "\x00" in value else 200), response.text
            if operator in ("=", "like", "ilike") and response.status_code == 200:
                assert response.json()["total"] == 0, (operator, value)
    assert sorted(find(xivo)) == ["1000", "1001", "1002"]  # the table is intact
