"""/api/v1/users: accounts, profiles, rights; the password is write-only."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.helpers import (
    V1,
    assert_error,
    create_agent,
    create_queue,
    create_user,
    created,
    ok,
    user_logins,
    user_token,
)
from tests.conftest import ADMIN_PASSWORD

DEFAULT_RIGHTS = {
    "queueIds": [],
    "groupIds": [],
    "incallIds": [],
    "recordingAccess": True,
    "dissuasionAccess": False,
}
RIGHTS = {
    "queueIds": [1, 2],
    "groupIds": [7],
    "incallIds": [3],
    "recordingAccess": False,
    "dissuasionAccess": True,
}


def assert_no_password(response_text: str, password: str) -> None:
    assert password not in response_text
    assert "password" not in response_text.lower()


def test_the_first_admin_exists(api: TestClient) -> None:
    admin = ok(api.get(f"{V1}/users/admin"))
    assert admin["login"] == "admin"
    assert admin["profile"] == "admin"
    assert_no_password(api.get(f"{V1}/users/admin").text, ADMIN_PASSWORD)


def test_a_user_is_created_with_default_rights(api: TestClient) -> None:
    user = create_user(api, "alice", firstname="Alice", name="Martin", profile="teacher")
    assert user == {
        "login": "alice",
        "firstname": "Alice",
        "name": "Martin",
        "profile": "teacher",
        "rights": DEFAULT_RIGHTS,
    }
    assert ok(api.get(f"{V1}/users/alice")) == user
    assert user_logins(api) == ["admin", "alice"]


@pytest.mark.parametrize("profile", ["admin", "supervisor", "teacher"])
def test_every_profile_and_its_rights_read_back(api: TestClient, profile: str) -> None:
    user = create_user(api, "bob", profile=profile, rights=RIGHTS)
    assert (user["profile"], user["rights"]) == (profile, RIGHTS)
    assert ok(api.get(f"{V1}/users/bob"))["rights"] == RIGHTS


def test_the_password_never_appears_in_any_answer(api: TestClient) -> None:
    secret = "s3cret-passphrase"
    texts = [
        api.post(f"{V1}/users", json={"login": "carol", "password": secret}).text,
        api.get(f"{V1}/users/carol").text,
        api.get(f"{V1}/users").text,
        api.put(f"{V1}/users/carol", json={"password": secret + "2", "profile": "admin"}).text,
    ]
    for text in texts:
        assert_no_password(text, secret)


def test_a_created_user_can_log_in(api: TestClient) -> None:
    create_user(api, "dave", password="dave-password")
    assert user_token(api, "dave", "dave-password")


def test_put_replaces_names_profile_and_rights(api: TestClient) -> None:
    create_user(api, "erin", firstname="Erin", name="Old", rights=RIGHTS)
    replaced = ok(api.put(f"{V1}/users/erin", json={"name": "New", "profile": "teacher"}))
    assert replaced == {
        "login": "erin",
        "firstname": "",
        "name": "New",
        "profile": "teacher",
        "rights": DEFAULT_RIGHTS,
    }
    assert ok(api.get(f"{V1}/users/erin")) == replaced


def test_put_without_a_password_keeps_the_old_one(api: TestClient) -> None:
    create_user(api, "fay", password="first-password")
    ok(api.put(f"{V1}/users/fay", json={"firstname": "Fay"}))
    assert user_token(api, "fay", "first-password")


def test_put_with_a_password_changes_it(api: TestClient) -> None:
    create_user(api, "gus", password="first-password")
    ok(api.put(f"{V1}/users/gus", json={"password": "second-password"}))
    assert user_token(api, "gus", "second-password")
    refused = api.post(f"{V1}/auth/token", json={"login": "gus", "password": "first-password"})
    assert_error(refused, 401, "unauthenticated")


def test_delete_removes_the_user_and_its_tokens(api: TestClient, anonymous: TestClient) -> None:
    create_user(api, "hal", password="hal-password")
    token = user_token(api, "hal", "hal-password")
    assert anonymous.get(f"{V1}/users/hal", headers={"X-Auth-Token": token}).status_code == 200
    response = api.delete(f"{V1}/users/hal")
    assert response.status_code == 204
    assert response.content == b""
    assert user_logins(api) == ["admin"]
    assert_error(api.get(f"{V1}/users/hal"), 404, "not_found")
    gone = anonymous.get(f"{V1}/queues", headers={"X-Auth-Token": token})
    assert_error(gone, 401, "unauthenticated")


def test_deleting_a_user_unlinks_its_agent(api: TestClient) -> None:
    create_queue(api)
    create_user(api, "ivy")
    create_agent(api, 1, login="ivy", queues=[{"queue_id": 1, "penalty": 0}])
    assert api.delete(f"{V1}/users/ivy").status_code == 204
    assert ok(api.get(f"{V1}/agents/1"))["login"] is None


def test_the_last_admin_cannot_be_deleted(api: TestClient) -> None:
    assert_error(api.delete(f"{V1}/users/admin"), 409, "conflict")
    assert user_logins(api) == ["admin"]
    assert user_token(api, "admin", ADMIN_PASSWORD)


def test_an_admin_can_be_deleted_while_another_remains(api: TestClient) -> None:
    create_user(api, "boss", profile="admin")
    assert api.delete(f"{V1}/users/admin").status_code == 204
    assert user_logins(api) == ["boss"]
    assert_error(api.delete(f"{V1}/users/boss"), 409, "conflict")


def test_the_last_admin_cannot_be_demoted(api: TestClient) -> None:
    response = api.put(f"{V1}/users/admin", json={"profile": "supervisor"})
    assert_error(response, 409, "conflict")
    assert ok(api.get(f"{V1}/users/admin"))["profile"] == "admin"


def test_a_duplicate_login_is_refused(api: TestClient) -> None:
    create_user(api, "jo", firstname="First")
    response = api.post(f"{V1}/users", json={"login": "jo", "password": "other-password"})
    assert_error(response, 409, "conflict", "login")
    assert ok(api.get(f"{V1}/users/jo"))["firstname"] == "First"


@pytest.mark.parametrize(
    ("method", "body"), [("get", None), ("put", {"name": "x"}), ("delete", None)]
)
def test_an_unknown_user_is_not_found(api: TestClient, method: str, body: object) -> None:
    assert_error(api.request(method.upper(), f"{V1}/users/nobody", json=body), 404, "not_found")
    assert user_logins(api) == ["admin"]


BAD_USERS: list[tuple[dict[str, Any], str]] = [
    ({"password": "password-1"}, "login"),
    ({"login": "", "password": "password-1"}, "login"),
    ({"login": "with space", "password": "password-1"}, "login"),
    ({"login": "x" * 65, "password": "password-1"}, "login"),
    ({"login": 12, "password": "password-1"}, "login"),
    ({"login": "kim", "password": "short"}, "password"),
    ({"login": "kim", "password": 12345678}, "password"),
    ({"login": "kim", "profile": "root"}, "profile"),
    ({"login": "kim", "firstname": 1}, "firstname"),
    ({"login": "kim", "name": "x" * 129}, "name"),
    ({"login": "kim", "rights": {"queueIds": ["1"]}}, "rights.queueIds.0"),
    ({"login": "kim", "rights": {"recordingAccess": "yes"}}, "rights.recordingAccess"),
    ({"login": "kim", "rights": {"admin": True}}, "rights.admin"),
    ({"login": "kim", "role": "admin"}, "role"),
]


@pytest.mark.parametrize(("body", "field"), BAD_USERS)
def test_a_bad_user_is_refused_and_nothing_is_written(
    api: TestClient, body: dict[str, Any], field: str
) -> None:
    assert_error(api.post(f"{V1}/users", json=body), 400, "invalid", field)
    assert user_logins(api) == ["admin"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"login": "other"}, "login"),
        ({"password": "short"}, "password"),
        ({"profile": "owner"}, "profile"),
        ({"rights": {"queueIds": "1"}}, "rights.queueIds"),
    ],
)
def test_a_bad_replacement_changes_nothing(
    api: TestClient, body: dict[str, Any], field: str
) -> None:
    before = create_user(api, "lea", password="lea-password", firstname="Lea", rights=RIGHTS)
    assert_error(api.put(f"{V1}/users/lea", json=body), 400, "invalid", field)
    assert ok(api.get(f"{V1}/users/lea")) == before
    assert user_token(api, "lea", "lea-password")


def test_a_user_without_a_password_cannot_log_in(api: TestClient) -> None:
    created(api.post(f"{V1}/users", json={"login": "nopass"}))
    response = api.post(f"{V1}/auth/token", json={"login": "nopass", "password": "anything-1"})
    assert_error(response, 401, "unauthenticated")
