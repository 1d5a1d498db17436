"""Login, check, the token on every endpoint, and the login rate limit."""

from __future__ import annotations

import jwt
import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.dialects.xuc.sessions import JWT_SECRET_KEY
from ringback.services.throttle import LoginLimits, LoginThrottle, TooManyAttempts
from ringback.testing import FakeClock
from tests.dialects.xuc.conftest import API, PASSWORD, add_user, login

LOGIN = f"{API}/auth/login"
CHECK = f"{API}/auth/check"
#: the token in the document's examples: HS256, {"login": "vmachin", "expires": 1489998386}
DOC_TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJsb2dpbiI6InZtYWNoaW4iLCJleHBpcmVzIjoxNDg5OTk4Mzg2fQ"
    ".R6bzc5fBRs74l7ZBdLVjSIbNx3j3e07mV6mAX4_sklI"
)


def test_login_answers_login_token_and_ttl(xuc: TestClient, core: Core) -> None:
    add_user(core)
    response = xuc.post(LOGIN, json={"login": "alice", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["login", "token", "TTL"]
    assert body["login"] == "alice"
    assert body["TTL"] == 3600
    assert jwt.get_unverified_header(body["token"])["alg"] == "HS256"
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["login"] == "alice"
    assert claims["expires"] == claims["exp"]


def test_the_generated_secret_is_kept_in_the_database(xuc: TestClient, core: Core) -> None:
    add_user(core)
    token = login(xuc)
    with core.store.transaction() as tx:
        secret = tx.secrets.get(JWT_SECRET_KEY)
    assert secret is not None
    assert jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})


def test_unknown_user_and_wrong_password_answer_alike(xuc: TestClient, core: Core) -> None:
    add_user(core)
    wrong = xuc.post(LOGIN, json={"login": "alice", "password": "nope-nope"})
    unknown = xuc.post(LOGIN, json={"login": "nobody", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {
        "error": "InvalidCredentials", "message": "invalid login or password",
    }  # fmt: skip
    # Names no login can have are unknown users too, on SQLite as on PostgreSQL (NUL).
    for name in ("ali\u0000ce", "x" * 500, "", " alice"):
        odd = xuc.post(LOGIN, json={"login": name, "password": "nope-nope"})
        assert (odd.status_code, odd.json()) == (401, wrong.json()), name


def test_login_needs_json_with_login_and_password(xuc: TestClient) -> None:
    lone_surrogate = b'{"login": "\\ud800", "password": "x"}'  # valid JSON, but no text
    for body in (
        b"", b"{oops", b'{"login": "a"}', b'{"login": 1, "password": "x"}', lone_surrogate,
    ):  # fmt: skip
        response = xuc.post(LOGIN, content=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "InvalidJson"


def test_failed_logins_are_limited_per_account(
    xuc: TestClient, core: Core, clock: FakeClock
) -> None:
    add_user(core)
    for _ in range(5):
        assert xuc.post(LOGIN, json={"login": "alice", "password": "bad-pass"}).status_code == 401
    blocked = xuc.post(LOGIN, json={"login": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "InvalidCredentials"
    assert int(blocked.headers["Retry-After"]) > 0
    unknown = xuc.post(LOGIN, json={"login": "ghost", "password": "bad-pass"})
    assert unknown.status_code == 401  # another account is not blocked
    clock.advance(minutes=16)
    assert xuc.post(LOGIN, json={"login": "alice", "password": PASSWORD}).status_code == 200


def test_failed_logins_are_limited_per_address(xuc: TestClient, core: Core) -> None:
    add_user(core)
    for n in range(20):
        xuc.post(LOGIN, json={"login": f"user{n}", "password": "bad-pass"})
    assert xuc.post(LOGIN, json={"login": "alice", "password": PASSWORD}).status_code == 429


def test_check_answers_a_refreshed_token(xuc: TestClient, core: Core, clock: FakeClock) -> None:
    add_user(core)
    token = login(xuc)
    clock.advance(minutes=30)
    response = xuc.get(CHECK, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["login"] == "alice"
    assert body["TTL"] == 3600
    assert body["token"] != token
    old = jwt.decode(token, options={"verify_signature": False})
    new = jwt.decode(body["token"], options={"verify_signature": False})
    assert new["exp"] - old["exp"] == 30 * 60


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, "AuthorizationHeaderNotFound"),
        ({"Authorization": "Basic YTpi"}, "BearerNotFound"),
        ({"Authorization": "Bearer"}, "BearerNotFound"),
        ({"Authorization": f"Bearer {DOC_TOKEN}"}, "InvalidToken"),
        ({"Authorization": "Bearer not.a.jwt"}, "InvalidToken"),
    ],
)
def test_check_errors(xuc: TestClient, headers: dict[str, str], error: str) -> None:
    response = xuc.get(CHECK, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == error


def test_an_expired_token_is_token_expired(xuc: TestClient, core: Core, clock: FakeClock) -> None:
    add_user(core)
    token = login(xuc)
    clock.advance(seconds=3600)
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-Auth-Token": token}):
        response = xuc.get(
            CHECK if "Authorization" in headers else f"{API}/contact/personal", headers=headers
        )
        assert response.status_code == 401
        assert response.json()["error"] == "TokenExpired"


def test_alg_none_and_a_token_without_login_are_refused(xuc: TestClient, core: Core) -> None:
    add_user(core)
    login(xuc)
    with core.store.transaction() as tx:
        secret = tx.secrets.get(JWT_SECRET_KEY)
    assert secret is not None
    unsigned = jwt.encode({"login": "alice", "exp": 2**40}, key=None, algorithm="none")
    refused = xuc.get(CHECK, headers={"Authorization": f"Bearer {unsigned}"})
    assert refused.json()["error"] == "InvalidToken"
    no_login = jwt.encode({"exp": 2**40}, secret, algorithm="HS256")
    response = xuc.get(CHECK, headers={"Authorization": f"Bearer {no_login}"})
    assert response.status_code == 401
    assert response.json()["error"] == "InvalidJson"


def test_the_token_works_as_x_auth_token_or_bearer(alice: TestClient) -> None:
    token = alice.headers.pop("X-Auth-Token")
    assert alice.get(f"{API}/contact/personal").json()["error"] == "AuthorizationHeaderNotFound"
    assert alice.get(f"{API}/contact/personal", headers={"X-Auth-Token": token}).status_code == 200
    bearer = {"Authorization": f"Bearer {token}"}
    assert alice.get(f"{API}/contact/personal", headers=bearer).status_code == 200


def test_a_deleted_users_token_stops_working(alice: TestClient, core: Core) -> None:
    from ringback.domain.people import Principal

    core.users.delete(Principal.service(), "alice")
    response = alice.get(f"{API}/contact/personal")
    assert response.status_code == 401
    assert response.json()["error"] == "InvalidToken"


def test_the_throttle_keeps_no_login_whole_beyond_any_logins_length() -> None:
    # A megabyte login per failed attempt must not be a megabyte of memory per attempt.
    throttle = LoginThrottle(FakeClock(), LoginLimits(per_account=2, per_address=1000))
    huge = "x" * 1_000_000
    throttle.failed(huge, "10.0.0.1")
    throttle.failed(huge + "y", "10.0.0.2")
    with pytest.raises(TooManyAttempts):
        throttle.check(huge, "10.0.0.3")  # the same account key: the limit holds
    throttle.check("x" * 64, "10.0.0.3")  # a real login (64 at most) keeps its own count
