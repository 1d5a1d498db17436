"""Who calls xuc 2.0: the xuc token of a request, and the SSO identities (OIDC, CAS, proxy)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from ringback.dialects.xuc.errors import XucError
from ringback.dialects.xuc.jwks import JwksCache, KeysUnavailable, UnknownKey
from ringback.dialects.xuc.sessions import XucAuthService
from ringback.domain.people import Principal


@dataclass(frozen=True, slots=True)
class SsoConfig:
    """Where SSO identities come from: the OIDC keys, the CAS server, the front proxy."""

    oidc_keys: JwksCache | str | None = None
    cas_server_url: str | None = None
    proxy_header: str | None = None
    proxies: frozenset[str] = frozenset()


def caller(sessions: XucAuthService, headers: Mapping[str, str]) -> Principal:
    """Return the user whose xuc token the request carries."""
    return sessions.principal(token_of(headers.get("authorization"), headers.get("x-auth-token")))


def token_of(authorization: str | None, x_auth_token: str | None) -> str:
    """Return the token of an `X-Auth-Token` or `Authorization: Bearer` header."""
    if x_auth_token:
        return x_auth_token.strip()
    return bearer(authorization)


def bearer(authorization: str | None) -> str:
    """Return the token of an `Authorization: Bearer <token>` header."""
    if authorization is None or not authorization.strip():
        raise XucError("AuthorizationHeaderNotFound", 401, "an Authorization header is required")
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise XucError("BearerNotFound", 401, "the Authorization header must be 'Bearer <token>'")
    return value.strip()


def oidc_keys(config: SsoConfig, sessions: XucAuthService) -> JwksCache | str:
    """Return the keys OIDC access tokens are checked with, if OIDC is enabled."""
    if config.oidc_keys is None or sessions.oidc is None:
        raise XucError("OidcNotEnabled", 400, "OpenID Connect authentication is not enabled")
    return config.oidc_keys


def access_token(query: Mapping[str, str], headers: Mapping[str, str]) -> str:
    """Return the OIDC access token of `?token=` or of the Bearer header."""
    token = query.get("token") or _bearer_or_nothing(headers.get("authorization"))
    if not token.strip():
        raise XucError(
            "OidcInvalidParameter", 400, "an access token is required (?token= or Bearer)"
        )
    return token.strip()


def _bearer_or_nothing(authorization: str | None) -> str:
    """The Bearer token, or "" — the OIDC part's only word for a missing token is its own."""
    try:
        return bearer(authorization)
    except XucError:
        return ""


async def key_for(keys: JwksCache | str, token: str) -> Any:
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


def cas_server(config: SsoConfig) -> str:
    """Return the CAS server's URL, if one is configured."""
    if not config.cas_server_url:
        raise XucError("CasServerUrlNotSet", 400, "no CAS server is configured")
    return config.cas_server_url


def cas_ticket(query: Mapping[str, str]) -> tuple[str, str]:
    """Return the service and the ticket a CAS login names."""
    service = query.get("service", "").strip()
    ticket = query.get("ticket", "").strip()
    if not service or not ticket:
        raise XucError("CasServerInvalidParameter", 400, "service and ticket are required")
    return service, ticket


def proxy_login(config: SsoConfig, client: str | None, headers: Mapping[str, str]) -> str:
    """Return the login the trusted front proxy asserts in its header."""
    if config.proxy_header is None:
        raise XucError("SsoAuthenticationFailed", 401, "SSO authentication is not enabled")
    if not _is_proxy(client or "", config.proxies):
        raise XucError(
            "SsoAuthenticationFailed", 401, "the request did not come through the SSO proxy"
        )
    login = headers.get(config.proxy_header, "").strip()
    if not login:
        raise XucError("SsoAuthenticationFailed", 401, f"the proxy sent no {config.proxy_header}")
    return login


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
