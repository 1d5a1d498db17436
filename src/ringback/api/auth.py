"""Credentials of the native API: the service token or a user token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ringback.api.state import core_of
from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.services.users import UserService


def bearer_or_header(authorization: str | None, x_auth_token: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer` or `X-Auth-Token` header."""
    if x_auth_token:
        return x_auth_token
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def principal(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_auth_token: Annotated[str | None, Header()] = None,
) -> Principal:
    """Return who calls, or answer 401."""
    token = bearer_or_header(authorization, x_auth_token)
    if token is None:
        raise errors.Unauthenticated("a service or user token is needed (Authorization: Bearer)")
    users: UserService = core_of(request).users
    return users.principal_for(token)


Caller = Annotated[Principal, Depends(principal)]
