"""Credentials the dialects share: HTTP Basic, Bearer tokens, and trusted client addresses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection

from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.services.users import UserService

MALFORMED = "authentication required: malformed Basic credentials"


def principal(
    authorization: str | None,
    client_host: str | None,
    users: UserService,
    trusted_hosts: Collection[str],
) -> Principal:
    """Return the caller; credentials, when given, decide even for a trusted host."""
    if authorization:
        return from_authorization(authorization, users)
    if client_host is not None and client_host in trusted_hosts:
        return Principal.service()
    raise errors.Unauthenticated("authentication required")


def from_authorization(authorization: str, users: UserService) -> Principal:
    """Return who an `Authorization: Basic ...` or `Bearer ...` header names."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        login, password = basic(value.strip())
        return Principal.of(users.authenticate(login, password))
    if scheme.lower() == "bearer" and value.strip():
        return users.principal_for(value.strip())
    raise errors.Unauthenticated("authentication required: unsupported Authorization scheme")


def basic(value: str) -> tuple[str, str]:
    """Decode Basic credentials (base64 of `login:password`) into login and password."""
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise errors.Unauthenticated(MALFORMED) from exc
    login, colon, password = text.partition(":")
    if not colon:
        raise errors.Unauthenticated(MALFORMED)
    return login, password
