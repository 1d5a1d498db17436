"""Who may call xuc 1.0: only the client addresses listed in `deprecated_api_hosts`.

As in xuc (DEPRECATED_API_HOST) there are no other credentials: a listed host is trusted with
every user's phone. The address is the TCP peer's.
"""

from __future__ import annotations

from starlette.requests import Request

from ringback.dialects.xuc_legacy.errors import XucError


def check_host(request: Request, allowed: frozenset[str]) -> None:
    """Refuse, in the document's shape, a client whose address is not listed."""
    host = request.client.host if request.client else ""
    if host not in allowed:
        raise XucError(
            403,
            "DeprecatedApiNotAllowed",
            f"the deprecated 1.0 APIs are not enabled for {host or 'this client'}",
        )
