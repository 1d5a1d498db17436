"""connect, dnd and the three forwards: the document's examples, their errors, their effect."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.services.ports import Forward, ForwardKind
from tests.dialects.xuc_legacy.conftest import PASSWORD, URL, outbox, phone_store, post


def stored_phone(core: Core, username: str) -> Any:
    with phone_store(core).transaction() as tx:  # the store, as a restart would read it
        return tx.xuc_phones.get_phone(username)


def last_message(core: Core) -> dict[str, Any]:
    message: dict[str, Any] = outbox(core)[-1]["message"]
    return message


# connect


def test_connect_with_the_right_password_gives_the_user_a_line(xuc: TestClient, core: Core) -> None:
    response = post(xuc, "connect/avencall.com/bruce/", {"password": PASSWORD})
    assert response.status_code == 200
    assert response.content == b""
    assert stored_phone(core, "bruce").line == "1000"


@pytest.mark.parametrize("username", ["bruce", "nobody", "%00", "x" * 100])
def test_connect_refuses_a_wrong_password_and_an_unknown_user_alike(
    xuc: TestClient, username: str
) -> None:
    response = post(xuc, f"connect/avencall.com/{username}/", {"password": "wrong"})
    assert response.status_code == 401
    assert response.json() == {
        "error": "InvalidCredentials",
        "message": "Invalid username or password",
    }


def test_connect_as_the_documents_curl_writes_it_names_no_user(xuc: TestClient) -> None:
    # curl -XPOST -d '{"password":""}' .../xuc/api/1.0/connect/avencall.com//
    response = post(xuc, "connect/avencall.com//", {"password": ""})
    assert response.status_code == 400
    assert response.json() == {
        "error": "InvalidParameter",
        "message": "the path needs $domain/$username/",
    }


def test_connect_with_a_lone_surrogate_is_invalid_json(xuc: TestClient) -> None:
    response = xuc.post(f"{URL}/connect/avencall.com/bruce/", content=b'{"password": "\\ud800"}')
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidJson"


def test_connect_needs_a_password(xuc: TestClient) -> None:
    response = post(xuc, "connect/avencall.com/bruce/", {})
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidJson", "message": "password is required"}


def test_lines_count_up_from_the_first_line(xuc: TestClient, core: Core) -> None:
    for name in ("bruce", "alicej", "cquefia"):
        assert post(xuc, f"dnd/avencall.com/{name}/", {"state": False}).status_code == 200
    assert [stored_phone(core, n).line for n in ("bruce", "alicej", "cquefia")] == [
        "1000",
        "1001",
        "1002",
    ]


# dnd


@pytest.mark.parametrize("state", [True, False])
def test_dnd_is_kept_and_posted(xuc: TestClient, core: Core, state: bool) -> None:
    response = post(xuc, "dnd/avencall.com/bruce/", {"state": state})
    assert response.status_code == 200
    assert stored_phone(core, "bruce").dnd is state
    message = last_message(core)
    assert message["username"] == "bruce"
    assert message["message"]["msgType"] == "UserConfigUpdate"
    assert message["message"]["ctiMessage"]["dndEnabled"] is state


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        (b'{"state": "yes"}', "InvalidJson", "state must be true or false"),
        (b"{}", "InvalidJson", "state must be true or false"),
        (b'{"state": tru', "InvalidJson", None),
        (b"[true]", "InvalidJson", "the body must be a JSON object"),
    ],
)
def test_dnd_refuses_a_bad_body(
    xuc: TestClient, core: Core, raw: bytes, error: str, message: str | None
) -> None:
    response = xuc.post(
        f"{URL}/dnd/avencall.com/bruce/", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == error
    if message:
        assert response.json()["message"] == message
    assert stored_phone(core, "bruce") is None


def test_dnd_of_an_unknown_user_is_not_found(xuc: TestClient) -> None:
    response = post(xuc, "dnd/avencall.com/john/", {"state": True})
    assert response.status_code == 404
    assert response.json() == {"error": "UserNotFound", "message": "user john does not exist"}


@pytest.mark.parametrize("username", ["%00", "a%20b", "x" * 300, "%C3%A9"])
def test_a_username_no_login_can_have_is_not_found(
    xuc: TestClient, core: Core, username: str
) -> None:
    for method, body in (("dnd", {"state": True}), ("uncForward", {"state": False})):
        response = post(xuc, f"{method}/avencall.com/{username}/", body)
        assert response.status_code == 404, method
        assert response.json()["error"] == "UserNotFound"
    history = xuc.get(f"{URL}/historyByUsername/avencall.com/{username}/?size=1")
    assert history.json()["error"] == "UserNotFound"
    assert post(xuc, f"handshake/avencall.com/{username}", {}).status_code == 404
    assert stored_phone(core, "bruce") is None


def test_dnd_answers_only_post(xuc: TestClient) -> None:
    response = xuc.get(f"{URL}/dnd/avencall.com/bruce/")
    assert response.status_code == 405
    assert response.json() == {"error": "MethodNotAllowed", "message": "dnd answers POST only"}


def test_an_unknown_method_is_named(xuc: TestClient) -> None:
    response = post(xuc, "reboot/avencall.com/bruce/", {})
    assert response.status_code == 404
    assert response.json() == {"error": "UnknownMethod", "message": "no 1.0 method named 'reboot'"}


def test_the_path_without_its_trailing_slash_is_the_same_method(
    xuc: TestClient, core: Core
) -> None:
    assert post(xuc, "dnd/avencall.com/bruce", {"state": True}).status_code == 200
    assert stored_phone(core, "bruce").dnd is True


# forwards


@pytest.mark.parametrize(
    ("method", "kind", "cti"),
    [
        ("uncForward", ForwardKind.UNCONDITIONAL, "uncFwd"),
        ("naForward", ForwardKind.NO_ANSWER, "naFwd"),
        ("busyForward", ForwardKind.BUSY, "busyFwd"),
    ],
)
def test_each_forward_is_kept_and_posted(
    xuc: TestClient, core: Core, method: str, kind: ForwardKind, cti: str
) -> None:
    body = {"state": True, "destination": "1102"}
    assert post(xuc, f"{method}/avencall.com/bruce/", body).status_code == 200
    assert stored_phone(core, "bruce").forward(kind) == Forward(True, "1102")
    sent = last_message(core)["message"]["ctiMessage"]
    assert (sent[f"{cti}Enabled"], sent[f"{cti}Destination"]) == (True, "1102")

    assert post(xuc, f"{method}/avencall.com/bruce/", {"state": False}).status_code == 200
    assert stored_phone(core, "bruce").forward(kind) == Forward(False, "")


def test_the_forwards_are_independent(xuc: TestClient, core: Core) -> None:
    post(xuc, "uncForward/avencall.com/bruce/", {"state": True, "destination": "1102"})
    post(xuc, "busyForward/avencall.com/bruce/", {"state": True, "destination": "1103"})
    phone = stored_phone(core, "bruce")
    assert phone.forward(ForwardKind.UNCONDITIONAL) == Forward(True, "1102")
    assert phone.forward(ForwardKind.BUSY) == Forward(True, "1103")
    assert phone.forward(ForwardKind.NO_ANSWER) == Forward(False, "")


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ({"state": True}, "InvalidJson", "destination is required"),
        ({"state": True, "destination": ""}, "InvalidParameter", None),
        ({"destination": "1102"}, "InvalidJson", "state must be true or false"),
        ({"state": True, "destination": ["1102"]}, "InvalidJson", "destination must be a string"),
        ({"state": True, "destination": "1" * 41}, "InvalidParameter", "destination is too long"),
        (
            {"state": True, "destination": "reception"},
            "InvalidParameter",
            "destination must be a number (digits, * and #, maybe after a +)",
        ),
        (
            {"state": False, "destination": "11+02"},
            "InvalidParameter",
            "destination must be a number (digits, * and #, maybe after a +)",
        ),
        ({"state": True, "destination": "1102\n"}, "InvalidJson", None),
    ],
)
def test_a_forward_refuses_a_bad_body(
    xuc: TestClient, core: Core, body: dict[str, Any], error: str,
    message: str | None,
) -> None:  # fmt: skip
    response = post(xuc, "uncForward/avencall.com/bruce/", body)
    assert response.status_code == 400
    assert response.json()["error"] == error
    if message:
        assert response.json()["message"] == message
    phone = stored_phone(core, "bruce")
    assert phone is None or not phone.forward(ForwardKind.UNCONDITIONAL).enabled


def test_a_body_over_the_limit_is_refused(xuc: TestClient, core: Core) -> None:
    big = b'{"state": true, "pad": "' + b"x" * (64 * 1024) + b'"}'
    response = xuc.post(
        f"{URL}/dnd/avencall.com/bruce/", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"error": "InvalidJson", "message": "the body exceeds 65536 bytes"}
    assert stored_phone(core, "bruce") is None


def test_a_forward_may_send_calls_to_an_international_number(xuc: TestClient, core: Core) -> None:
    body = {"state": True, "destination": "+33123456789"}
    assert post(xuc, "naForward/avencall.com/bruce/", body).status_code == 200
    phone = stored_phone(core, "bruce")
    assert phone.forward(ForwardKind.NO_ANSWER) == Forward(True, "+33123456789")
