"""Who calls config-mgt: `X-Auth-Token` (the service token, or a user token), Basic or Bearer."""

from __future__ import annotations

from collections.abc import Mapping

from ringback.dialects.credentials import from_authorization
from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.services.users import UserService


def principal(headers: Mapping[str, str], users: UserService) -> Principal:
    """Return the caller; the service token is compared in constant time by the user service."""
    token = headers.get("x-auth-token")
    if token:
        return users.principal_for(token)
    authorization = headers.get("authorization", "").strip()
    if authorization:
        return from_authorization(authorization, users)
    raise errors.Unauthenticated("the X-Auth-Token header is required")
