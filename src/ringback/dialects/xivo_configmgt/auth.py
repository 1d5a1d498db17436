"""Who calls config-mgt: `X-Auth-Token` (the service token, or a user token), Basic or Bearer."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.services.users import UserService

MALFORMED = "malformed Basic credentials"


def principal(headers: Mapping[str, str], users: UserService) -> Principal:
    """Return the caller; the service token is compared in constant time by the user service."""
    token = headers.get("x-auth-token")
    if token:
        return users.principal_for(token)
    authorization = headers.get("authorization", "").strip()
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return users.principal_for(value.strip())
    if scheme.lower() == "basic":
        login, password = _basic(value.strip())
        return Principal.of(users.authenticate(login, password))
    raise errors.Unauthenticated("the X-Auth-Token header is required")


def _basic(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise errors.Unauthenticated(MALFORMED) from exc
    login, colon, password = decoded.partition(":")
    if not colon:
        raise errors.Unauthenticated(MALFORMED)
    return login, password
