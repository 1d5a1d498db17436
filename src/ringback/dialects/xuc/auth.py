"""Authentication: `/auth/login`, `/auth/check`, `/auth/oidc`, `/auth/cas`, `/auth/sso`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool

from ringback.dialects.xuc import cas
from ringback.dialects.xuc.errors import Part, XucError, bad_json
from ringback.dialects.xuc.jwks import JwksCache, KeysUnavailable, UnknownKey
from ringback.dialects.xuc.wire import bearer, json_object
from ringback.services.xuc_auth import IssuedToken, XucAuthService

router = APIRouter()


@dataclass(frozen=True, slots=True)
class SsoConfig:
    """Where SSO identities come from: the OIDC keys, the CAS server, the front proxy."""

    oidc_keys: JwksCache | str | None = None
    cas_server_url: str | None = None
    proxy_header: str | None = None
    proxies: frozenset[str] = frozenset()


def _service(request: Request) -> XucAuthService:
    service: XucAuthService = request.app.state.services.xuc_auth
    return service


def _sso(request: Request) -> SsoConfig:
    config: SsoConfig = request.app.state.sso
    return config


def _with_ttl(issued: IssuedToken) -> dict[str, Any]:
    return {"login": issued.login, "token": issued.token, "TTL": issued.ttl_seconds}


def _without_ttl(issued: IssuedToken) -> dict[str, Any]:
    # The SSO answers of the document show only login and token.
    return {"login": issued.login, "token": issued.token}


@router.post("/auth/login")
async def login(request: Request) -> dict[str, Any]:
    body = json_object(await request.body(), Part.AUTH)
    name, password = body.get("login"), body.get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        raise bad_json(Part.AUTH, "login and password must be strings")
    if set(body) != {"login", "password"}:
        raise bad_json(Part.AUTH, "the body holds only login and password")
    address = request.client.host if request.client else "unknown"
    issued = await run_in_threadpool(_service(request).login, name, password, address)
    return _with_ttl(issued)


@router.get("/auth/check")
def check(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    return _with_ttl(_service(request).check(bearer(authorization)))


@router.get("/auth/oidc")
async def oidc(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    keys = _sso(request).oidc_keys
    if keys is None or _service(request).oidc is None:
        raise XucError("OidcNotEnabled", 400, "OpenID Connect authentication is not enabled")
    token = request.query_params.get("token") or _bearer_or_nothing(authorization)
    if not token.strip():
        raise XucError(
            "OidcInvalidParameter", 400, "an access token is required (?token= or Bearer)"
        )
    key = await _key_for(keys, token.strip())
    issued = await run_in_threadpool(_service(request).oidc_login, token.strip(), key)
    return _without_ttl(issued)


def _bearer_or_nothing(authorization: str | None) -> str:
    """The Bearer token, or "" — the OIDC part's only word for a missing token is its own."""
    try:
        return bearer(authorization)
    except XucError:
        return ""


async def _key_for(keys: JwksCache | str, token: str) -> Any:
    """Return the key that must have signed `token`: the PEM, or the JWKS key it names."""
    if isinstance(keys, str):
        return keys
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = await keys.key_for(kid if isinstance(kid, str) else None)
    except (jwt.PyJWTError, UnknownKey) as exc:
        raise XucError("OidcAuthenticationFailed", 401, f"invalid access token: {exc}") from exc
    except KeysUnavailable as exc:
        raise XucError("UnhandledError", 503, str(exc)) from exc
    return key.key


@router.get("/auth/cas")
async def cas_login(request: Request) -> dict[str, Any]:
    server = _sso(request).cas_server_url
    if not server:
        raise XucError("CasServerUrlNotSet", 400, "no CAS server is configured")
    service = request.query_params.get("service", "").strip()
    ticket = request.query_params.get("ticket", "").strip()
    if not service or not ticket:
        raise XucError("CasServerInvalidParameter", 400, "service and ticket are required")
    user = await cas.validate(server, service, ticket)
    return _without_ttl(await run_in_threadpool(_service(request).login_as, user))


def _is_proxy(host: str, proxies: frozenset[str]) -> bool:
    """Tell whether `host` is one of the proxies, given as addresses or networks (CIDR)."""
    if host in proxies:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for proxy in proxies:
        try:
            if address in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


@router.get("/auth/sso")
def sso(request: Request) -> dict[str, Any]:
    config = _sso(request)
    if config.proxy_header is None:
        raise XucError("SsoAuthenticationFailed", 401, "SSO authentication is not enabled")
    host = request.client.host if request.client else ""
    if not _is_proxy(host, config.proxies):
        raise XucError(
            "SsoAuthenticationFailed", 401, "the request did not come through the SSO proxy"
        )
    login = request.headers.get(config.proxy_header, "").strip()
    if not login:
        raise XucError("SsoAuthenticationFailed", 401, f"the proxy sent no {config.proxy_header}")
    return _without_ttl(_service(request).login_as(login))
