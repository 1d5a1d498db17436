"""A CSV import of 10,000 lines, on both databases (bench/xivo_csv_import.py times it)."""

from __future__ import annotations

from starlette.testclient import TestClient

from ringback.core import Core
from tests.dialects.xivo_configmgt.conftest import add_queue, url

HEADER = "phoneNumber|mobilePhoneNumber|firstName|lastName|company|description|dueDate|period"
LINES = 10_000


def csv_of(count: int, *, bad_line: int | None = None) -> bytes:
    rows = [HEADER]
    for n in range(count):
        due = "2026-13-01" if bad_line is not None and n + 2 == bad_line else "2026-02-01"
        rows.append(f"0{600000000 + n}|0{700000000 + n}|First{n}|Last{n}|Co|Note {n}|{due}|")
    return "\n".join(rows).encode()


def test_ten_thousand_lines_import_in_one_go(xivo: TestClient, core: Core) -> None:
    add_queue(core, "big", 1, default_country="FR")
    xivo.post(url("/callback_periods"), json={
        "name": "Day", "periodStart": "09:00:00", "periodEnd": "17:00:00", "default": True,
    })  # fmt: skip
    list_id = xivo.post(url("/callback_lists"), json={"name": "big", "queueId": 1}).json()["uuid"]
    path = url(f"/callback_lists/{list_id}/callback_requests/csv")
    refused = xivo.post(path, content=csv_of(LINES, bad_line=9_999))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["line"] == 9_999
    assert xivo.post(url("/callback_requests/find"), json={"filters": []}).json()["total"] == 0
    response = xivo.post(path, content=csv_of(LINES))
    assert response.status_code == 201, response.text[:500]
    assert response.json()["imported"] == LINES
    found = xivo.post(url("/callback_requests/find"), json={
        "filters": [{"field": "lastName", "operator": "=", "value": "Last9999"}],
    }).json()  # fmt: skip
    assert found["total"] == 1
    assert found["list"][0]["phoneNumber"] == "+33600009999"
    assert found["list"][0]["preferredPeriod"]["name"] == "Day"
    again = xivo.post(path, content=csv_of(LINES))  # two open requests per number already
    assert again.status_code == 201
    third = xivo.post(path, content=csv_of(2))
    assert third.status_code == 400
    assert [e["line"] for e in third.json()["errors"]] == [2, 3]
