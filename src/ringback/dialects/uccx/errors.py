"""The UCCX dialect's one place where errors become `<Code>-1</Code>` answers.

Every refusal is HTTP 200 with Code -1, as the document shows, except three that an HTTP client
must see as such: no valid credentials (401 with a WWW-Authenticate challenge), the database
being unreachable (503), and an unexpected error (500, logged). All of them are XML.
"""

from __future__ import annotations

import logging

from ringback.dialects.uccx.wire import Element, Reply
from ringback.domain import errors

log = logging.getLogger("ringback.dialects.uccx")

CHALLENGE = 'Basic realm="ringback", Bearer realm="ringback"'

#: what an operation's failure answer carries besides Description and Code (the document's)
FAILURE_ELEMENTS: dict[str, list[Element]] = {
    "checkdnisinuse": [("DNISInUse", "false")],
    "checkcsqstatus": [("AcceptingCallbacks", "false")],
    "authenticateuser": [("Authenticated", "false")],
}


def failure(operation: str, description: str, status: int = 200) -> Reply:
    """Return the Code -1 answer of `operation`."""
    return Reply(description, -1, FAILURE_ELEMENTS.get(operation, []), status)


def from_error(operation: str, exc: Exception) -> Reply:
    """Return the answer for an error raised while serving `operation`."""
    if isinstance(exc, errors.Unauthenticated):
        return failure(operation, exc.message, 401)
    if isinstance(exc, errors.Unavailable):
        return failure(operation, exc.message, 503)
    if isinstance(exc, errors.RingbackError):
        return failure(operation, exc.message)
    log.exception("unexpected error in UCCX operation %s", operation, exc_info=exc)
    return failure(operation, "internal error", 500)
