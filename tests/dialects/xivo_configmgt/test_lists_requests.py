"""Callback lists and requests: create, list (withRequest), delete, one request, CSV import."""

from __future__ import annotations

from uuid import UUID

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.states import State
from tests.dialects.xivo_configmgt.conftest import add_queue, url

CSV_EXAMPLE = (
    "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period\n"
    "      0230210092|0689746321|John|Doe|MyCompany|Call back quickly||\n"
    "      0587963214|0789654123|Alice|O'Neill|YourSociety||2016-08-01|Afternoon"
)
UUID_FORM = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def queues(core: Core) -> None:
    """Queue 1 (queue1), 2 (French numbers, stored in E.164) and 3 (sales)."""
    add_queue(core, "queue1", 1)
    add_queue(core, "queue2", 2, default_country="FR")
    add_queue(core, "sales", 3)


@pytest.fixture
def periods(xivo: TestClient) -> dict[str, str]:
    """The periods "Toute la journée" (default) and "Afternoon"; their uuids by name."""
    made = {}
    for name, start, end, default in (
        ("Toute la journée", "09:00:00", "17:00:00", True),
        ("Afternoon", "14:00:00", "18:00:00", False),
    ):
        body = {"name": name, "periodStart": start, "periodEnd": end, "default": default}
        made[name] = xivo.post(url("/callback_periods"), json=body).json()["uuid"]
    return made


def new_list(xivo: TestClient, name: str = "newlist", queue_id: int = 1) -> str:
    response = xivo.post(url("/callback_lists"), json={"name": name, "queueId": queue_id})
    assert response.status_code == 201, response.text
    return str(response.json()["uuid"])


@pytest.mark.usefixtures("queues")
def test_create_list_answers_the_documents_shape(xivo: TestClient) -> None:
    response = xivo.post(url("/callback_lists"), json={"name": "newlist", "queueId": 1})
    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["callbacks", "name", "queueId", "uuid"]  # the document's POST answer
    assert body["callbacks"] == []
    assert body["name"] == "newlist"
    assert body["queueId"] == 1
    UUID(body["uuid"])


@pytest.mark.usefixtures("queues")
def test_create_list_errors(xivo: TestClient) -> None:
    no_queue = xivo.post(url("/callback_lists"), json={"name": "x", "queueId": 99})
    assert (no_queue.status_code, no_queue.json()["error"]) == (404, "QueueNotFound")
    no_name = xivo.post(url("/callback_lists"), json={"queueId": 1})
    assert (no_name.status_code, no_name.json()["error"]) == (400, "InvalidRequest")
    bad_queue = xivo.post(url("/callback_lists"), json={"name": "x", "queueId": "1"})
    assert bad_queue.status_code == 400
    unknown = xivo.post(url("/callback_lists"), json={"name": "x", "queueId": 1, "extra": 1})
    assert unknown.status_code == 400
    new_list(xivo, "dup")
    dup = xivo.post(url("/callback_lists"), json={"name": "dup", "queueId": 1})
    assert (dup.status_code, dup.json()["error"]) == (409, "Conflict")
    for body in (b"{", b"[1]", b"\xff"):
        broken = xivo.post(url("/callback_lists"), content=body)
        assert (broken.status_code, broken.json()["error"]) == (400, "JsonParsingError")


@pytest.mark.usefixtures("queues")
def test_get_lists_embeds_requests_with_their_period(
    xivo: TestClient, periods: dict[str, str]
) -> None:
    mine = new_list(xivo, "Mine", 2)
    another = new_list(xivo, "another", 2)
    created = xivo.post(url(f"/callback_lists/{mine}/callback_requests"), json={
        "phoneNumber": "0230210092", "mobilePhoneNumber": "0689746321", "firstName": "John",
        "lastName": "Doe", "company": "MyCompany", "description": "Call back quickly",
        "dueDate": "2017-09-27",
    })  # fmt: skip
    assert created.status_code == 201, created.text
    listed = xivo.get(url("/callback_lists")).json()
    assert [(lst["name"], lst["uuid"]) for lst in listed] == [("Mine", mine), ("another", another)]
    request = listed[0]["callbacks"][0]
    assert request == {
        "uuid": created.json()["uuid"],
        "listUuid": mine,
        "phoneNumber": "+33230210092",  # the queue's number policy: E.164
        "mobilePhoneNumber": "+33689746321",
        "firstName": "John",
        "lastName": "Doe",
        "company": "MyCompany",
        "description": "Call back quickly",
        "preferredPeriodUuid": periods["Toute la journée"],
        "dueDate": "2017-09-27",
        "queueId": 2,
        "clotured": False,
        "preferredPeriod": {
            "uuid": periods["Toute la journée"],
            "name": "Toute la journée",
            "periodStart": "09:00:00",
            "periodEnd": "17:00:00",
            "default": True,
        },
    }
    assert list(request) == list(created.json())  # the document's field order
    assert listed[1]["callbacks"] == []
    with_request = xivo.get(url("/callback_lists"), params={"withRequest": "true"}).json()
    assert [lst["uuid"] for lst in with_request] == [mine]
    assert xivo.get(url("/callback_lists"), params={"withRequest": "maybe"}).status_code == 400


@pytest.mark.usefixtures("queues", "periods")
def test_create_request_the_documents_example(xivo: TestClient, core: Core) -> None:
    list_id = new_list(xivo)
    response = xivo.post(
        url(f"//callback_lists/{list_id}/callback_requests"),  # the document's double slash
        json={"company": "Cie", "phoneNumber": "0298765432", "mobilePhoneNumber": "0654321234",
              "firstName": "Jack"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["company"] == "Cie"
    assert body["firstName"] == "Jack"
    assert "lastName" not in body
    assert "description" not in body
    assert body["dueDate"] == "2026-01-05"  # today in the queue's time zone by default
    assert body["preferredPeriod"]["name"] == "Toute la journée"  # the default period
    stored = core.callbacks.get(Principal.service(), UUID(body["uuid"])).callback
    assert stored.list_id == UUID(list_id)
    assert stored.state is State.SCHEDULED
    assert stored.next_action_at is None  # waits for an agent: the dispatcher leaves it alone
    history = core.callbacks.get(Principal.service(), stored.id).history
    assert [h.event for h in history] == ["create"]


@pytest.mark.usefixtures("queues", "periods")
def test_create_request_errors(xivo: TestClient) -> None:
    list_id = new_list(xivo)
    path = url(f"/callback_lists/{list_id}/callback_requests")
    cases = [
        ({"firstName": "Jack"}, 400, "InvalidRequest"),
        ({"phoneNumber": "0298765432", "dueDate": "27/09/2017"}, 400, "InvalidRequest"),
        ({"phoneNumber": "0298765432", "period": "Night"}, 400, "InvalidRequest"),
        ({"phoneNumber": "abc"}, 400, "InvalidRequest"),
        ({"phoneNumber": 298765432}, 400, "InvalidRequest"),
        ({"phoneNumber": "0298765432", "owner": "x"}, 400, "InvalidRequest"),
        ({"phoneNumber": "0298765432", "firstName": "x" * 129}, 400, "InvalidRequest"),
    ]
    for body, status, error in cases:
        response = xivo.post(path, json=body)
        assert (response.status_code, response.json()["error"]) == (status, error), body
    missing = xivo.post(url(f"/callback_lists/{UUID(int=1)}/callback_requests"),
                        json={"phoneNumber": "1000"})  # fmt: skip
    assert (missing.status_code, missing.json()["error"]) == (404, "CallbackListNotFound")
    not_uuid = xivo.post(url("/callback_lists/nope/callback_requests"), json={"phoneNumber": "1"})
    assert (not_uuid.status_code, not_uuid.json()["error"]) == (404, "CallbackListNotFound")
    assert xivo.get(url("/callback_lists")).json()[0]["callbacks"] == []  # nothing half-written


@pytest.mark.usefixtures("queues", "periods")
def test_dedup_limits_open_requests_per_number(xivo: TestClient) -> None:
    list_id = new_list(xivo)
    path = url(f"/callback_lists/{list_id}/callback_requests")
    assert xivo.post(path, json={"phoneNumber": "1000"}).status_code == 201
    assert xivo.post(path, json={"phoneNumber": "1000"}).status_code == 201
    third = xivo.post(path, json={"phoneNumber": "1000"})
    assert (third.status_code, third.json()["error"]) == (409, "Conflict")


@pytest.mark.usefixtures("queues", "periods")
def test_csv_import_the_documents_example(xivo: TestClient) -> None:
    list_id = new_list(xivo, queue_id=3)
    response = xivo.post(
        url(f"//callback_lists/{list_id}/callback_requests/csv"),
        content=CSV_EXAMPLE.encode(),
        headers={"Content-Type": "text/plain", "Accept": "text/plain"},
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"listUuid": list_id, "imported": 2}
    requests = xivo.get(url("/callback_lists")).json()[0]["callbacks"]
    by_name = {r["lastName"]: r for r in requests}
    assert by_name["O'Neill"]["dueDate"] == "2016-08-01"
    assert by_name["O'Neill"]["preferredPeriod"]["name"] == "Afternoon"
    assert by_name["Doe"]["preferredPeriod"]["name"] == "Toute la journée"
    assert by_name["Doe"]["description"] == "Call back quickly"


@pytest.mark.usefixtures("queues", "periods")
def test_csv_import_is_all_or_nothing_with_each_lines_reason(xivo: TestClient) -> None:
    list_id = new_list(xivo)
    content = "\n".join([
        "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period",
        "1000||A|||||",
        "|0600000000|B|||||",
        "1001||C||||2016-13-01|",
        "1002||D|||||Night",
        "1003|too|few",
        "",
        "1004||E|||||",
    ])  # fmt: skip
    response = xivo.post(url(f"/callback_lists/{list_id}/callback_requests/csv"),
                         content=content.encode())  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "CsvImportError"
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6]
    reasons = [e["reason"] for e in body["errors"]]
    assert "phoneNumber is required" in reasons[0]
    assert "dueDate" in reasons[1]
    assert "Night" in reasons[2]
    assert "8 fields" in reasons[3]
    assert xivo.get(url("/callback_lists")).json()[0]["callbacks"] == []


@pytest.mark.usefixtures("queues", "periods")
def test_csv_import_counts_dedup_inside_the_file(xivo: TestClient) -> None:
    list_id = new_list(xivo)
    header = "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period"
    content = "\n".join([header, *["1000|||||||"] * 3])
    response = xivo.post(url(f"/callback_lists/{list_id}/callback_requests/csv"),
                         content=content.encode())  # fmt: skip
    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [4]


@pytest.mark.usefixtures("queues", "periods")
def test_csv_import_refuses_a_bad_header_and_the_size_limits(xivo: TestClient, core: Core) -> None:
    list_id = new_list(xivo)
    path = url(f"/callback_lists/{list_id}/callback_requests/csv")
    bad_header = xivo.post(path, content=b"phone|mobile\n1000|")
    assert (bad_header.status_code, bad_header.json()["error"]) == (400, "InvalidRequest")
    empty = xivo.post(path, content=b"")
    assert empty.status_code == 400
    not_utf8 = xivo.post(path, content=b"\xff\xfe")
    assert not_utf8.status_code == 400


def test_csv_size_limits(xivo: TestClient, core: Core, settings: object) -> None:
    add_queue(core, "queue1", 1)
    list_id = new_list(xivo)
    path = url(f"/callback_lists/{list_id}/callback_requests/csv")
    header = "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period"
    settings.xivo_csv_max_lines = 2  # type: ignore[attr-defined]
    too_many = xivo.post(path, content="\n".join([header, *["1|||||||"] * 3]).encode())
    assert (too_many.status_code, too_many.json()["error"]) == (413, "PayloadTooLarge")
    settings.xivo_csv_max_bytes = 1024  # type: ignore[attr-defined]
    too_big = xivo.post(path, content=(header + "\n" + "1|||||||\n" * 200).encode())
    assert (too_big.status_code, too_big.json()["error"]) == (413, "PayloadTooLarge")


@pytest.mark.usefixtures("queues", "periods")
def test_delete_list_answers_the_deleted_list(xivo: TestClient) -> None:
    list_id = new_list(xivo)
    xivo.post(url(f"/callback_lists/{list_id}/callback_requests"), json={"phoneNumber": "1000"})
    response = xivo.delete(url(f"/callback_lists/{list_id}"))
    assert response.status_code == 200
    assert list(response.json()) == ["callbacks", "name", "queueId", "uuid"]  # as documented
    assert response.json()["uuid"] == list_id
    assert len(response.json()["callbacks"]) == 1
    assert xivo.get(url("/callback_lists")).json() == []
    again = xivo.delete(url(f"/callback_lists/{list_id}"))
    assert (again.status_code, again.json()["error"]) == (404, "CallbackListNotFound")
    found = xivo.post(url("/callback_requests/find"), json={"filters": []}).json()
    assert found == {"total": 0, "list": []}  # the requests went with the list


def test_delete_without_a_uuid_says_where_it_goes(xivo: TestClient) -> None:
    response = xivo.delete(url("/callback_lists"))
    assert (response.status_code, response.json()["error"]) == (400, "InvalidRequest")
    assert "/callback_lists/<uuid>" in response.json()["message"]
