"""dial, dialByUsername, dialFromQueue: the document's examples, sanitisation, forwards, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.xuc_legacy.phones import sanitize_number
from ringback.domain import errors
from ringback.settings import Settings
from ringback.testing import FakeClock
from tests.dialects.xuc_legacy.conftest import (
    URL,
    add_queue,
    add_user,
    make_settings,
    outbox,
    post,
)


def history(xuc: TestClient, username: str) -> list[dict[str, Any]]:
    response = xuc.get(f"/xuc/api/1.0/historyByUsername/avencall.com/{username}/?size=10")
    assert response.status_code == 200
    calls: list[dict[str, Any]] = response.json()
    return calls


def phone_events(core: Core) -> list[tuple[str, str, str, str]]:
    """(username, eventType, DN, otherDN) of the PhoneEvents waiting, in order."""
    return [
        (m["username"], c["eventType"], c["DN"], c["otherDN"])
        for m in (e["message"] for e in outbox(core))
        if m["message"]["msgType"] == "PhoneEvent"
        for c in [m["message"]["ctiMessage"]]
    ]


def lines(xuc: TestClient, *names: str) -> None:
    """Give users their lines in this order (1000, 1001...)."""
    for name in names:
        assert post(xuc, f"dnd/avencall.com/{name}/", {"state": False}).status_code == 200


# sanitisation (the document: invalid characters out, international notations, Italy's zero)


@pytest.mark.parametrize(
    ("typed", "region", "dialled"),
    [
        ("1101", "FR", "1101"),
        ("+33 (0)1 23 45 67 89", "FR", "+33123456789"),
        ("+33 ( 0 ) 1.23.45.67.89", "FR", "+33123456789"),
        ("+39 06 1234 5678", "FR", "+390612345678"),  # a bare zero is kept
        ("+33 01 23 45 67 89", "FR", "+330123456789"),
        ("0033 1 23 45 67 89", "FR", "+33123456789"),
        ("00 39 06 1234 5678", "FR", "+390612345678"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("01.23.45.67.89", "FR", "0123456789"),
        ("(06) 12-34-56-78", "FR", "0612345678"),
        ("*8#", "FR", "*8#"),
        ("tel: 1 1 0 2", "FR", "1102"),
    ],
)
def test_numbers_are_made_dialable(typed: str, region: str, dialled: str) -> None:
    assert sanitize_number(typed, region) == dialled


@pytest.mark.parametrize("typed", ["", "abc", "+", "1" * 41])
def test_a_number_without_digits_or_too_long_is_refused(typed: str) -> None:
    with pytest.raises(errors.Invalid):
        sanitize_number(typed, "FR")


# dial


def test_dial_calls_the_sanitised_number(xuc: TestClient, core: Core, clock: FakeClock) -> None:
    response = post(xuc, "dial/avencall.com/bruce/", {"number": "+33 (0)1 23 45 67 89"})
    assert response.status_code == 200
    assert response.content == b""
    assert phone_events(core) == [
        ("bruce", "EventDialing", "1000", "+33123456789"),
        ("bruce", "EventEstablished", "1000", "+33123456789"),
        ("bruce", "EventReleased", "1000", "+33123456789"),
    ]
    assert history(xuc, "bruce")[0]["status"] == "ongoing"
    clock.advance(seconds=30)
    assert history(xuc, "bruce") == [
        {
            "start": "2026-01-05 09:00:00",
            "duration": "00:00:22",  # 2 s ringing, 20 s talking
            "srcUsername": "bruce",
            "dstUsername": None,
            "status": "emitted",
        }
    ]


def test_dial_the_documents_example_reaches_the_user_of_that_line(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    lines(xuc, "bruce", "alicej")  # alicej has line 1001
    assert post(xuc, "dial/avencall.com/bruce/", {"number": "1001"}).status_code == 200
    assert phone_events(core)[:2] == [
        ("bruce", "EventDialing", "1000", "1001"),
        ("alicej", "EventRinging", "1001", "1000"),
    ]
    clock.advance(minutes=1)
    assert history(xuc, "alicej")[0] | {"start": ""} == {
        "start": "",
        "duration": "00:00:22",
        "srcUsername": "bruce",
        "dstUsername": "alicej",
        "status": "answered",
    }


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({}, 400, "InvalidJson"),
        ({"number": ""}, 400, "InvalidParameter"),
        ({"number": "call me"}, 400, "InvalidParameter"),
        ({"number": 1101.5}, 400, "InvalidJson"),
    ],
)
def test_dial_refuses_a_bad_number(
    xuc: TestClient, core: Core, body: dict[str, Any], status: int, error: str
) -> None:
    response = post(xuc, "dial/avencall.com/bruce/", body)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert phone_events(core) == []


def test_a_number_given_as_json_number_is_dialled(xuc: TestClient) -> None:
    assert post(xuc, "dial/avencall.com/bruce/", {"number": 1101}).status_code == 200


def test_dial_from_an_unknown_user_is_not_found(xuc: TestClient) -> None:
    response = post(xuc, "dial/avencall.com/john/", {"number": "1101"})
    assert response.status_code == 404
    assert response.json()["error"] == "UserNotFound"


# dialByUsername


def test_dial_by_username_rings_the_other_users_line(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    lines(xuc, "bruce", "alicej")
    response = post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
    assert response.status_code == 200
    clock.advance(minutes=1)
    assert history(xuc, "bruce")[0]["dstUsername"] == "alicej"
    assert history(xuc, "bruce")[0]["status"] == "emitted"
    assert history(xuc, "alicej")[0]["status"] == "answered"


def test_dial_by_username_of_the_documents_john_is_not_found(xuc: TestClient) -> None:
    response = post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "john"})
    assert response.status_code == 404
    assert response.json() == {"error": "UserNotFound", "message": "user john does not exist"}


def test_a_lone_surrogate_is_refused_as_invalid_json(xuc: TestClient, core: Core) -> None:
    add_queue(core, queue_id=5)
    for method, field in (
        ("dialByUsername", "username"), ("dialFromQueue", "callerIdName"), ("dial", "number"),
    ):  # fmt: skip
        body = json.dumps(DIAL_FROM_QUEUE | {"username": "alicej", field: "\udc00"}).encode()
        response = xuc.post(f"{URL}/{method}/avencall.com/bruce/", content=body)
        assert response.status_code == 400, method
        assert response.json()["error"] == "InvalidJson"
    assert history(xuc, "bruce") == []


def test_dial_by_username_needs_a_username(xuc: TestClient) -> None:
    response = post(xuc, "dialByUsername/avencall.com/bruce/", {"username": None})
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidJson", "message": "username is required"}


# how the callee's line treats the call: DND, forwards


def test_a_callee_in_dnd_misses_the_call_without_ringing(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    lines(xuc, "bruce", "alicej")
    post(xuc, "dnd/avencall.com/alicej/", {"state": True})
    post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
    assert phone_events(core) == [
        ("bruce", "EventDialing", "1000", "1001"),
        ("bruce", "EventReleased", "1000", "1001"),
    ]
    assert history(xuc, "alicej")[0]["status"] == "missed"
    assert history(xuc, "alicej")[0]["duration"] == "00:00:00"


def test_an_unconditional_forward_sends_the_call_on(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    lines(xuc, "bruce", "alicej", "cquefia")
    post(xuc, "uncForward/avencall.com/alicej/", {"state": True, "destination": "1002"})
    post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
    clock.advance(minutes=1)
    assert history(xuc, "bruce")[0]["dstUsername"] == "cquefia"
    assert history(xuc, "cquefia")[0]["status"] == "answered"
    assert history(xuc, "alicej") == []


def test_a_busy_callee_forwards_on_busy_or_misses_the_call(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    lines(xuc, "bruce", "alicej", "cquefia")
    post(xuc, "dial/avencall.com/alicej/", {"number": "0612345678"})  # alicej is busy 22 s
    clock.advance(seconds=5)
    post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
    assert history(xuc, "alicej")[0]["status"] == "missed"
    post(xuc, "busyForward/avencall.com/alicej/", {"state": True, "destination": "1002"})
    clock.advance(seconds=5)
    post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
    assert history(xuc, "bruce")[0]["dstUsername"] == "cquefia"


@pytest.fixture
def unanswered(database_url: str) -> Settings:
    return make_settings(database_url, simulator_answer_rate=0.0)


def test_an_unanswered_call_follows_the_no_answer_forward(
    unanswered: Settings, core: Core, clock: FakeClock, database_url: str
) -> None:
    for name in ("bruce", "alicej", "cquefia"):
        add_user(core, name)
    unanswering_core = bootstrap.build_core(unanswered, engine=core.store.engine, clock=clock)
    with TestClient(bootstrap.build_app(unanswering_core)) as xuc:
        lines(xuc, "bruce", "alicej", "cquefia")
        post(xuc, "naForward/avencall.com/alicej/", {"state": True, "destination": "1002"})
        post(xuc, "dialByUsername/avencall.com/bruce/", {"username": "alicej"})
        clock.advance(minutes=2)
        calls = history(xuc, "bruce")
    assert [(c["dstUsername"], c["status"], c["duration"]) for c in calls] == [
        ("cquefia", "emitted", "00:00:18"),  # the second leg starts when the first gives up
        ("alicej", "emitted", "00:00:18"),
    ]
    assert calls[0]["start"] == "2026-01-05 09:00:18"


# dialFromQueue


DIAL_FROM_QUEUE = {
    "destination": "1002",
    "queueId": 5,
    "callerIdName": "Thomas",
    "callerIdNumber": "999999",
    "variables": {"foo": "bar"},
}


def test_dial_from_queue_the_documents_example(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    add_queue(core, "Five", queue_id=5)
    lines(xuc, "bruce", "alicej", "cquefia")  # cquefia has 1002
    response = post(xuc, "dialFromQueue/avencall.com/bruce/", DIAL_FROM_QUEUE)
    assert response.status_code == 200
    ringing = outbox(core)[3]["message"]
    assert ringing == {
        "username": "cquefia",
        "message": {
            "msgType": "PhoneEvent",
            "ctiMessage": {
                "eventType": "EventRinging",
                "DN": "1002",
                "otherDN": "999999",
                "linkedId": ringing["message"]["ctiMessage"]["linkedId"],
                "uniqueId": ringing["message"]["ctiMessage"]["uniqueId"],
                "userData": {
                    "XIVO_USERID": "bruce",
                    "XIVO_QUEUEID": "5",
                    "XIVO_CALLERIDNAME": "Thomas",
                    "foo": "bar",
                },
            },
        },
    }
    clock.advance(minutes=1)
    assert history(xuc, "cquefia")[0]["srcUsername"] == "bruce"
    assert history(xuc, "bruce")[0]["status"] == "emitted"


def test_dial_from_an_unknown_queue_is_not_found(xuc: TestClient, core: Core) -> None:
    response = post(xuc, "dialFromQueue/avencall.com/bruce/", DIAL_FROM_QUEUE)
    assert response.status_code == 404
    assert response.json() == {"error": "QueueNotFound", "message": "queue 5 does not exist"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"queueId": None}, "queueId must be a number from 0 to 2147483647"),
        ({"queueId": "five"}, "queueId must be a number from 0 to 2147483647"),
        ({"queueId": 2**63}, "queueId must be a number from 0 to 2147483647"),
        # str.isdigit() says yes to these, int() refuses the first and reads the second as 1
        ({"queueId": "\u00b2"}, "queueId must be a number from 0 to 2147483647"),
        ({"queueId": "\u0661"}, "queueId must be a number from 0 to 2147483647"),
        ({"destination": None}, "destination is required"),
        ({"variables": ["foo"]}, "variables must be a JSON object"),
        ({"variables": {"foo": {"x": 1}}}, "variables.foo must be a text or a number"),
        ({"variables": {"foo": None}}, "variables.foo must be a text or a number"),
        ({"variables": {"a b": "c"}}, "variables: 'a b' is not a variable name ([A-Za-z0-9_])"),
        (
            {"variables": {"a\u0000": "c"}},
            "variables: 'a\\x00' is not a variable name ([A-Za-z0-9_])",
        ),
        (
            {"variables": {"foo": "x" * 256}},
            "variables.foo must be printable, 255 characters at most",
        ),
        ({"variables": {"foo": "a\nb"}}, "variables.foo must be printable, 255 characters at most"),
        ({"callerIdName": "Tho\u0000mas"}, "callerIdName holds a control character"),
    ],
)
def test_dial_from_queue_refuses_a_bad_body(
    xuc: TestClient, core: Core, change: dict[str, Any], message: str
) -> None:
    add_queue(core)
    response = post(xuc, "dialFromQueue/avencall.com/bruce/", DIAL_FROM_QUEUE | change)
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidJson", "message": message}
