"""userLogin and the sessionId header (mission-anchors §2.4; docs/dialects/ameyo.md)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.services.users import token_digest
from ringback.store.tables import ameyo_sessions
from ringback.testing import FakeClock
from tests.conftest import ADMIN_PASSWORD
from tests.dialects.ameyo.conftest import (
    FILTERED,
    LOGIN,
    SUPERVISOR_PASSWORD,
    add_queue,
    add_supervisor,
    failure,
    login,
)

LISTING = {"limit": "1", "campaignId": "6", "offset": "0"}


def test_a_login_answers_a_session_id_that_opens_the_other_calls(
    ameyo: TestClient, core: Core
) -> None:
    add_queue(core, 6, "Sales")
    session_id = login(ameyo, "admin", ADMIN_PASSWORD)

    response = ameyo.get(FILTERED, params=LISTING, headers={"sessionId": session_id})

    assert response.status_code == 200
    assert response.json() == []


def test_the_exotel_login_body_with_force_login_and_terminal_info_is_accepted(
    ameyo: TestClient,
) -> None:
    body = {"userId": "admin", "token": ADMIN_PASSWORD, "forceLogin": True, "terminalInfo": {}}
    first = ameyo.post(LOGIN, json=body)
    second = ameyo.post(LOGIN, json={**body, "forceLogin": False})

    assert first.status_code == second.status_code == 200
    assert first.json()["sessionId"] != second.json()["sessionId"]


def test_an_unknown_user_and_a_wrong_password_answer_alike(ameyo: TestClient) -> None:
    unknown = ameyo.post(LOGIN, json={"userId": "nobody", "token": ADMIN_PASSWORD})
    wrong = ameyo.post(LOGIN, json={"userId": "admin", "token": "not-the-password"})

    assert unknown.status_code == wrong.status_code == 401
    key = "SessionManager.invalid.credentials"
    assert unknown.json() == failure(401, key, "nobody", message="wrong login or password")
    assert wrong.json() == failure(401, key, "admin", message="wrong login or password")


def test_every_call_without_a_live_session_is_refused_with_401(
    ameyo: TestClient, core: Core
) -> None:
    add_queue(core, 6, "Sales")
    calls = [
        ("GET", FILTERED, {}),
        ("GET", FILTERED, {"sessionId": ""}),
        ("POST", FILTERED, {"sessionId": "made-up"}),
        ("GET", "/ameyorestapi/voice/customerCallbacks/getTenantUserCallbacks", {}),
        ("DELETE", "/ameyorestapi/voice/customerCallbacks/d810-59423051-cm-0", {}),
    ]
    for method, url, headers in calls:
        response = ameyo.request(method, url, params=LISTING, headers=headers)
        assert response.status_code == 401, (method, url, headers)
        body = response.json()
        assert body["status"] == body["errorCode"] == 401
        assert body["info"] == '["SessionManager.invalid.session.id"]'
        assert "sessionId" in body["message"]


def test_a_session_expires_after_its_lifetime(
    ameyo: TestClient, core: Core, clock: FakeClock, settings: Any
) -> None:
    add_queue(core, 6, "Sales")
    headers = {"sessionId": login(ameyo, "admin", ADMIN_PASSWORD)}
    clock.advance(seconds=settings.ameyo_session_ttl_seconds - 1)
    assert ameyo.get(FILTERED, params=LISTING, headers=headers).status_code == 200

    clock.advance(seconds=1)

    assert ameyo.get(FILTERED, params=LISTING, headers=headers).status_code == 401


def test_sessions_are_kept_hashed_and_survive_a_restart(
    ameyo: TestClient, core: Core, settings: Any
) -> None:
    add_queue(core, 6, "Sales")
    session_id = login(ameyo, "admin", ADMIN_PASSWORD)
    with core.store.engine.connect() as connection:
        stored = connection.execute(ameyo_sessions.select()).mappings().all()
    assert [row["session_hash"] for row in stored] == [token_digest(session_id)]

    with TestClient(bootstrap.build_app(core)) as restarted:
        response = restarted.get(FILTERED, params=LISTING, headers={"sessionId": session_id})

    assert response.status_code == 200


def test_a_removed_user_loses_its_sessions(ameyo: TestClient, core: Core) -> None:
    add_queue(core, 6, "Sales")
    add_supervisor(core, "sup", 6)
    headers = {"sessionId": login(ameyo, "sup", SUPERVISOR_PASSWORD)}
    from ringback.domain.people import Principal

    core.users.delete(Principal.service(), "sup")

    assert ameyo.get(FILTERED, params=LISTING, headers=headers).status_code == 401


def test_too_many_failed_logins_lock_the_user_id_out_for_a_while(
    ameyo: TestClient, clock: FakeClock, settings: Any
) -> None:
    wrong = {"userId": "admin", "token": "wrong-password"}
    for _ in range(settings.ameyo_max_failed_logins):
        assert ameyo.post(LOGIN, json=wrong).status_code == 401

    locked = ameyo.post(LOGIN, json={"userId": "admin", "token": ADMIN_PASSWORD})

    assert locked.status_code == 429
    assert locked.json()["info"] == '["SessionManager.too.many.failed.logins", "admin"]'
    assert locked.headers["Retry-After"] == str(settings.ameyo_login_lockout_seconds)
    clock.advance(seconds=settings.ameyo_login_lockout_seconds)
    assert login(ameyo, "admin", ADMIN_PASSWORD)


def test_failures_older_than_the_window_do_not_count(
    ameyo: TestClient, clock: FakeClock, settings: Any
) -> None:
    wrong = {"userId": "admin", "token": "wrong-password"}
    for _ in range(settings.ameyo_max_failed_logins - 1):
        assert ameyo.post(LOGIN, json=wrong).status_code == 401
    clock.advance(seconds=settings.ameyo_login_lockout_seconds)

    assert ameyo.post(LOGIN, json=wrong).status_code == 401
    assert login(ameyo, "admin", ADMIN_PASSWORD)


def test_a_successful_login_clears_the_failures(ameyo: TestClient, settings: Any) -> None:
    wrong = {"userId": "admin", "token": "wrong-password"}
    for _ in range(settings.ameyo_max_failed_logins - 1):
        ameyo.post(LOGIN, json=wrong)
    login(ameyo, "admin", ADMIN_PASSWORD)

    for _ in range(settings.ameyo_max_failed_logins - 1):
        assert ameyo.post(LOGIN, json=wrong).status_code == 401
    assert login(ameyo, "admin", ADMIN_PASSWORD)


def test_a_bad_login_body_is_a_400_in_ameyo_shape(ameyo: TestClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"content": b"{not json"}, ""),
        ({"content": b"[1, 2]"}, ""),
        ({"json": {"token": ADMIN_PASSWORD}}, "userId"),
        ({"json": {"userId": "admin"}}, "token"),
        ({"json": {"userId": 7, "token": ADMIN_PASSWORD}}, "userId"),
        ({"json": {"userId": "admin", "token": "x", "forceLogin": "yes"}}, "forceLogin"),
        ({"json": {"userId": "admin", "token": "x", "terminalInfo": "pc"}}, "terminalInfo"),
    ]
    for request, field in cases:
        response = ameyo.post(LOGIN, **request)
        assert response.status_code == 400, request
        body = response.json()
        assert body["info"] == f'["RestApi.invalid.parameter", "{field}"]'
        assert body["status"] == body["errorCode"] == 400
        assert body["message"]


def test_an_impossible_user_id_is_refused_like_a_wrong_password(ameyo: TestClient) -> None:
    response = ameyo.post(LOGIN, json={"userId": "x" * 300, "token": "anything-at-all"})

    assert response.status_code == 401
    assert response.json()["status"] == 401
