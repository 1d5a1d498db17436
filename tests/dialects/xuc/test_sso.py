"""OpenID Connect (JWKS served on 127.0.0.1, and a PEM), CAS against a local CAS server, SSO."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Iterator
from hashlib import sha256
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from ringback.core import Core
from tests.dialects.xuc.conftest import API, add_user, app_on
from tests.dialects.xuc.servers import serve

ISSUER = "https://idp.example.org/realms/xivo"
AUDIENCE = "xuc"
NOW = 1767603600  # 2026-01-05 09:00 UTC, the test clock
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
OIDC = f"{API}/auth/oidc"


def _jwks() -> bytes:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    return json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()


def access_token(**claims: Any) -> str:
    """An RS256 access token signed with the test key."""
    body = {"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 300, "preferred_username": "alice"}
    body.update(claims)
    return jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[tuple[str, list[str]]]:
    with serve(lambda path, query: (200, _jwks()) if path == "/jwks" else (404, b"")) as s:
        yield s


@pytest.fixture
def xuc_settings(request: pytest.FixtureRequest) -> dict[str, object]:
    mode = getattr(request, "param", "jwks")
    common = {"xuc_oidc_enabled": True, "xuc_oidc_issuer": ISSUER, "xuc_oidc_audience": AUDIENCE}
    if mode == "pem":
        return {**common, "xuc_oidc_public_key": PUBLIC_PEM}
    url = request.getfixturevalue("jwks_server")[0]
    return {**common, "xuc_oidc_jwks_url": f"{url}/jwks"}


@pytest.mark.parametrize("xuc_settings", ["jwks", "pem"], indirect=True)
def test_a_valid_access_token_gives_a_xuc_token(xuc: TestClient, core: Core) -> None:
    add_user(core)
    response = xuc.get(OIDC, params={"token": access_token()})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["login", "token"]
    assert body["login"] == "alice"
    assert (
        xuc.get(f"{API}/contact/personal", headers={"X-Auth-Token": body["token"]}).status_code
        == 200
    )
    bearer = xuc.get(OIDC, headers={"Authorization": f"Bearer {access_token()}"})
    assert bearer.status_code == 200


def _hs256_with_public_key() -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"k1"}').rstrip(b"=")
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 300, "preferred_username": "alice"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signing_input = header + b"." + payload
    signature = hmac.new(PUBLIC_PEM.encode(), signing_input, sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


REFUSED = {
    "expired": lambda: access_token(exp=NOW - 60),
    "wrong audience": lambda: access_token(aud="someone-else"),
    "wrong issuer": lambda: access_token(iss="https://evil.example.org"),
    "alg none": lambda: jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 300, "preferred_username": "alice"},
        key=None,
        algorithm="none",
        headers={"kid": "k1"},
    ),
    "hs256 with the public key": _hs256_with_public_key,
    "not a jwt": lambda: "garbage",
    # NaN compares false with everything, so a naive `exp <= now` never finds it expired
    "exp is NaN": lambda: access_token(exp=float("nan")),
    "exp is infinite": lambda: access_token(exp=float("inf")),
    "unknown kid": lambda: jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 300},
        KEY,
        algorithm="RS256",
        headers={"kid": "other"},
    ),
}


@pytest.mark.parametrize("xuc_settings", ["jwks", "pem"], indirect=True)
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_access_tokens_are_refused(
    xuc: TestClient, core: Core, case: str, xuc_settings: dict[str, object]
) -> None:
    add_user(core)
    if case == "unknown kid" and "xuc_oidc_public_key" in xuc_settings:
        pytest.skip("a PEM has no kid")
    response = xuc.get(OIDC, params={"token": REFUSED[case]()})
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "OidcAuthenticationFailed"


def test_oidc_errors(xuc: TestClient, core: Core) -> None:
    # The OIDC part of the document has one word for a missing token, whatever the header says.
    for headers in ({}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer "}):
        missing = xuc.get(OIDC, headers=headers)
        assert missing.status_code == 400, headers
        assert missing.json()["error"] == "OidcInvalidParameter"
    for name in ("ghost", "a\u0000b", "x" * 500):  # nobody, and names no login can have
        unknown = xuc.get(OIDC, params={"token": access_token(preferred_username=name)})
        assert unknown.status_code == 404, name
        assert unknown.json()["error"] == "UserNotFound"


def test_jwks_is_fetched_once_and_cached(
    xuc: TestClient, core: Core, jwks_server: tuple[str, list[str]]
) -> None:
    add_user(core)
    before = len(jwks_server[1])
    for _ in range(3):
        assert xuc.get(OIDC, params={"token": access_token()}).status_code == 200
    assert len(jwks_server[1]) - before == 1


@pytest.mark.parametrize("xuc_settings", [{}], indirect=False)
def test_oidc_not_enabled(xuc: TestClient) -> None:
    response = xuc.get(OIDC, params={"token": access_token()})
    assert response.status_code == 400
    assert response.json()["error"] == "OidcNotEnabled"


CAS_NS = 'xmlns:cas="http://www.yale.edu/tp/cas"'


def _cas_answer(path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
    if path != "/cas/serviceValidate":
        return 404, b""
    ticket, service = query.get("ticket", [""])[0], query.get("service", [""])[0]
    if ticket == "ST-garbage":
        return 200, b"<html>not cas</html>"
    if ticket.startswith("ST-11") and service == "https://xucmgt.example.org":
        user = ticket.split("-", 2)[2] if ticket.count("-") >= 2 else "alice"
        body = (
            f"<cas:serviceResponse {CAS_NS}><cas:authenticationSuccess><cas:user>{user}</cas:user>"
        )
        return 200, (body + "</cas:authenticationSuccess></cas:serviceResponse>").encode()
    named = ticket.removeprefix("ST-")
    code = named if named.isupper() else "INVALID_TICKET"  # ST-<CODE> asks for that failure
    failure = f'<cas:authenticationFailure code="{code}">no</cas:authenticationFailure>'
    return 200, f"<cas:serviceResponse {CAS_NS}>{failure}</cas:serviceResponse>".encode()


@pytest.fixture
def cas_server() -> Iterator[str]:
    with serve(_cas_answer) as (url, _asked):
        yield url


@pytest.fixture
def cas_client(cas_server: str, database_url: str, core: Core) -> Iterator[TestClient]:
    settings = sso_settings(database_url, xuc_cas_server_url=f"{cas_server}/cas")
    with TestClient(app_on(settings, core), raise_server_exceptions=False) as c:
        yield c


def sso_settings(database_url: str, **extra: object) -> Any:
    from ringback.settings import Settings
    from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

    return Settings(
        database_url=database_url, api_token=SERVICE_TOKEN, admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True, dispatcher=False, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_cas_ticket_gives_a_token(cas_client: TestClient, core: Core) -> None:
    add_user(core)
    response = cas_client.get(
        f"{API}/auth/cas",
        params={"service": "https://xucmgt.example.org", "ticket": "ST-11-alice"},
    )
    assert response.status_code == 200
    assert response.json()["login"] == "alice"
    assert list(response.json()) == ["login", "token"]


@pytest.mark.parametrize(
    ("ticket", "error", "status"),
    [
        ("ST-11-ghost", "UserNotFound", 404),
        ("ST-expired", "CasServerInvalidTicket", 401),
        ("ST-INVALID_REQUEST", "CasServerInvalidRequest", 400),
        ("ST-INVALID_TICKET_SPEC", "CasServerInvalidTicketSpec", 401),
        ("ST-UNAUTHORIZED_SERVICE_PROXY", "CasServerUnauthorizedServiceProxy", 401),
        ("ST-INVALID_PROXY_CALLBACK", "CasServerInvalidProxyCallback", 401),
        ("ST-INVALID_SERVICE", "CasServerInvalidService", 401),
        ("ST-INTERNAL_ERROR", "CasServerInternalError", 502),
        ("ST-garbage", "CasServerInvalidResponse", 502),
    ],
)
def test_cas_failures(cas_client: TestClient, ticket: str, error: str, status: int) -> None:
    response = cas_client.get(
        f"{API}/auth/cas", params={"service": "https://xucmgt.example.org", "ticket": ticket}
    )
    assert response.status_code == status
    assert response.json()["error"] == error


def test_cas_parameters_and_configuration(cas_client: TestClient, xuc: TestClient) -> None:
    missing = cas_client.get(f"{API}/auth/cas", params={"service": "https://x.example.org"})
    assert missing.status_code == 400
    assert missing.json()["error"] == "CasServerInvalidParameter"
    unset = xuc.get(f"{API}/auth/cas", params={"service": "s", "ticket": "t"})
    assert unset.json()["error"] == "CasServerUrlNotSet"


def test_cas_server_unreachable_is_invalid_response(database_url: str, core: Core) -> None:
    with serve(lambda p, q: (200, b"")) as (url, _):
        dead = url
    settings = sso_settings(database_url, xuc_cas_server_url=dead)
    with TestClient(app_on(settings, core)) as client:
        response = client.get(f"{API}/auth/cas", params={"service": "s", "ticket": "ST-1"})
    assert response.status_code == 502
    assert response.json()["error"] == "CasServerInvalidResponse"


def test_sso_from_the_trusted_proxy(database_url: str, core: Core) -> None:
    add_user(core)
    settings = sso_settings(database_url, xuc_sso_enabled=True, xuc_sso_proxies=["testclient"])
    with TestClient(app_on(settings, core)) as client:
        ok = client.get(f"{API}/auth/sso", headers={"X-Remote-User": "alice"})
        assert ok.status_code == 200
        assert ok.json()["login"] == "alice"
        ghost = client.get(f"{API}/auth/sso", headers={"X-Remote-User": "ghost"})
        assert ghost.status_code == 404
        assert ghost.json()["error"] == "UserNotFound"
        none = client.get(f"{API}/auth/sso")
        assert none.json()["error"] == "SsoAuthenticationFailed"


def test_sso_refused_when_disabled_or_not_from_the_proxy(database_url: str, core: Core) -> None:
    add_user(core)
    for extra in ({}, {"xuc_sso_enabled": True, "xuc_sso_proxies": ["10.0.0.1"]}):
        settings = sso_settings(database_url, **extra)
        with TestClient(app_on(settings, core)) as client:
            response = client.get(f"{API}/auth/sso", headers={"X-Remote-User": "alice"})
        assert response.status_code == 401
        assert response.json()["error"] == "SsoAuthenticationFailed"


def test_sso_proxies_may_be_networks(database_url: str, core: Core) -> None:
    from ringback.dialects.xuc.auth import _is_proxy

    assert _is_proxy("10.1.2.3", frozenset({"10.0.0.0/8"}))
    assert not _is_proxy("192.168.1.1", frozenset({"10.0.0.0/8", "not-an-address"}))


def test_unreachable_keys_are_503(database_url: str, core: Core) -> None:
    add_user(core)
    with serve(lambda p, q: (200, b"")) as (url, _):
        dead = url
    settings = sso_settings(
        database_url, xuc_oidc_enabled=True, xuc_oidc_issuer=ISSUER,
        xuc_oidc_audience=AUDIENCE, xuc_oidc_jwks_url=f"{dead}/jwks",
    )  # fmt: skip
    with TestClient(app_on(settings, core)) as client:
        response = client.get(OIDC, params={"token": access_token()})
    assert response.status_code == 503
    assert response.json()["error"] == "UnhandledError"
