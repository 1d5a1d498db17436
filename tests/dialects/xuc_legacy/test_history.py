"""historyByUsername with ?size= or ?days=: the document's answer shape, its order, its errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.testing import FakeClock
from tests.dialects.xuc_legacy.conftest import URL, add_user, make_settings, post


def calls(xuc: TestClient, clock: FakeClock) -> None:
    """Four calls as in the document's example, a day apart for the last two."""
    for name in ("bruce", "alicej", "cquefia"):
        post(xuc, f"dnd/avencall.com/{name}/", {"state": False})  # lines 1000, 1001, 1002
    clock.set(datetime(2018, 9, 18, 17, 14, 16, tzinfo=UTC))
    post(xuc, "dialByUsername/avencall.com/cquefia/", {"username": "bruce"})
    clock.set(datetime(2018, 9, 19, 17, 15, tzinfo=UTC))
    post(xuc, "dialByUsername/avencall.com/cquefia/", {"username": "bruce"})
    clock.set(datetime(2018, 9, 20, 17, 19, 40, tzinfo=UTC))
    post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "cquefia"})
    clock.set(datetime(2018, 9, 20, 17, 38, 41, tzinfo=UTC))
    post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
    clock.set(datetime(2018, 9, 20, 18, 0, 0, tzinfo=UTC))


def test_history_by_size_answers_as_the_document_shows(xuc: TestClient, clock: FakeClock) -> None:
    calls(xuc, clock)
    response = xuc.get(f"{URL}/historyByUsername/avencall.com/bruce/?size=3")
    assert response.status_code == 200
    assert response.json() == [
        {"start": "2018-09-20 17:38:41", "duration": "00:00:22", "srcUsername": "bruce",
         "dstUsername": "alicej", "status": "emitted"},
        {"start": "2018-09-20 17:19:40", "duration": "00:00:22", "srcUsername": "bruce",
         "dstUsername": "cquefia", "status": "emitted"},
        {"start": "2018-09-19 17:15:00", "duration": "00:00:22", "srcUsername": "cquefia",
         "dstUsername": "bruce", "status": "answered"},
    ]  # fmt: skip
    assert list(response.json()[0]) == ["start", "duration", "srcUsername", "dstUsername", "status"]


def test_history_by_days_keeps_the_calls_since_that_many_days(
    xuc: TestClient, clock: FakeClock
) -> None:
    calls(xuc, clock)
    one_day = xuc.get(f"{URL}/historyByUsername/avencall.com/bruce/?days=1").json()
    assert [c["start"] for c in one_day] == ["2018-09-20 17:38:41", "2018-09-20 17:19:40"]
    all_days = xuc.get(f"{URL}/historyByUsername/avencall.com/bruce/?days=3").json()
    assert len(all_days) == 4


def test_a_missed_call_is_missed_for_the_callee(
    database_url: str, core: Core, clock: FakeClock
) -> None:
    settings = make_settings(database_url, simulator_answer_rate=0.0)
    add_user(core, "bruce")
    add_user(core, "cquefia")
    built = bootstrap.build_core(settings, engine=core.store.engine, clock=clock)
    with TestClient(bootstrap.build_app(built)) as xuc:
        post(xuc, "dnd/avencall.com/bruce/", {"state": False})
        post(xuc, "dialByUsername/avencall.com/cquefia/", {"username": "bruce"})
        clock.advance(minutes=1)
        history = xuc.get(f"{URL}/historyByUsername/avencall.com/bruce/?size=1").json()
    assert history[0] | {"start": ""} == {
        "start": "", "duration": "00:00:18", "srcUsername": "cquefia", "dstUsername": "bruce",
        "status": "missed",
    }  # fmt: skip


def test_history_dates_are_in_the_servers_time_zone(
    database_url: str, core: Core, clock: FakeClock
) -> None:
    settings = make_settings(database_url, timezone="Europe/Paris")
    add_user(core, "bruce")
    built = bootstrap.build_core(settings, engine=core.store.engine, clock=clock)
    with TestClient(bootstrap.build_app(built)) as xuc:
        post(xuc, "dial/avencall.com/bruce/", {"number": "1101"})
        history = xuc.get(f"{URL}/historyByUsername/avencall.com/bruce/?size=1").json()
    assert history[0]["start"] == "2026-01-05 10:00:00"  # 09:00 UTC


def test_an_empty_history_is_an_empty_list(xuc: TestClient) -> None:
    response = xuc.get(f"{URL}/historyByUsername/avencall.com/alicej/?size=10")
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "give either size or days"),
        ("?size=2&days=2", "give either size or days"),
        ("?size=0", "size must be 1 to 1000"),
        ("?size=1001", "size must be 1 to 1000"),
        ("?days=0", "days must be 1 to 366"),
        ("?size=X", "size must be a whole number"),
        ("?days=-1", "days must be a whole number"),
        ("?size=%C2%B2", "size must be a whole number"),  # '²': isdigit() but not int()
    ],
)
def test_history_refuses_a_bad_query(xuc: TestClient, query: str, message: str) -> None:
    response = xuc.get(f"{URL}/historyByUsername/avencall.com/bruce/{query}")
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidParameter", "message": message}


def test_history_of_an_unknown_user_is_not_found(xuc: TestClient) -> None:
    response = xuc.get(f"{URL}/historyByUsername/avencall.com/john/?size=1")
    assert response.status_code == 404
    assert response.json() == {"error": "UserNotFound", "message": "user john does not exist"}


def test_history_answers_only_get(xuc: TestClient) -> None:
    response = xuc.post(f"{URL}/historyByUsername/avencall.com/bruce/?size=1")
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowed"
