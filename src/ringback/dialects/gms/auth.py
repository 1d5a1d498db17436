"""Who calls the GMS dialect: HTTP Basic, a Bearer token, or a trusted client address."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request

from ringback.dialects.credentials import principal
from ringback.domain.people import Principal
from ringback.services.users import UserService

__all__ = ["CHALLENGE", "caller", "principal"]

CHALLENGE = 'Basic realm="ringback", Bearer realm="ringback"'


def caller(request: Request, users: UserService, trusted_hosts: Collection[str]) -> Principal:
    """Return who sends `request`: its credentials, else its address if that is trusted."""
    host = request.client.host if request.client else None
    return principal(request.headers.get("authorization"), host, users, trusted_hosts)
