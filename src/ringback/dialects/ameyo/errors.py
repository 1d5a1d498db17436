"""The Ameyo dialect's one place where errors become Ameyo failure bodies.

The document shows one failure, for an unknown callback id:
`{"message": null, "info": "[\"CallBackManager.invalid.campcust.callback.id\", \"<id>\"]",
"status": 512, "errorCode": <error_code>}`: `info` is a JSON-encoded list of an i18n key and its
arguments. Every other failure takes the same shape, with the HTTP status in `status` (and, the
document leaving its value open, in `errorCode` too) and a readable `message`.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi.responses import JSONResponse

from ringback.dialects.ameyo.service import LoginsLimited
from ringback.domain import errors

log = logging.getLogger("ringback.dialects.ameyo")

#: Ameyo's own status for "no such campaign or callback" (the document's example)
INVALID_ID = 512
INVALID_CALLBACK = "CallBackManager.invalid.campcust.callback.id"
INVALID_CAMPAIGN = "CallBackManager.invalid.campaign.id"
INVALID_SESSION = "SessionManager.invalid.session.id"
INVALID_CREDENTIALS = "SessionManager.invalid.credentials"
TOO_MANY_LOGINS = "SessionManager.too.many.failed.logins"
INVALID_PARAMETER = "RestApi.invalid.parameter"
TOO_LARGE = "RestApi.request.too.large"
UNSUPPORTED_MEDIA_TYPE = "RestApi.unsupported.media.type"
FORBIDDEN = "RestApi.permission.denied"
CONFLICT = "CallBackManager.callback.changed"
UNAVAILABLE = "RestApi.service.unavailable"
INTERNAL = "RestApi.internal.error"
#: the key of a NotFound, by the operation it happened in
NOT_FOUND_KEYS = {"delete": INVALID_CALLBACK, "getFiltered": INVALID_CAMPAIGN}
#: the key of a refusal by the router itself, by its HTTP status
ROUTE_KEYS = {404: "RestApi.resource.not.found", 405: "RestApi.method.not.allowed"}


class AmeyoFailure(Exception):
    """A failure decided by the dialect itself (a body too large, an unknown route)."""

    def __init__(self, status: int, key: str, message: str, *args: str) -> None:
        super().__init__(message)
        self.status = status
        self.key = key
        self.message = message
        self.args_ = args


def failure(
    status: int, key: str, *args: str, message: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Return an Ameyo failure answer, fields in the document's order."""
    body: dict[str, Any] = {
        "message": message,
        "info": json.dumps([key, *args]),
        "status": status,
        "errorCode": status,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def from_error(operation: str, exc: Exception, subject: str = "") -> JSONResponse:
    """Return the answer for an error raised while serving `operation` about `subject`."""
    if isinstance(exc, AmeyoFailure):
        return failure(exc.status, exc.key, *exc.args_, message=exc.message)
    if isinstance(exc, errors.NotFound) and operation in NOT_FOUND_KEYS:
        return failure(INVALID_ID, NOT_FOUND_KEYS[operation], subject, message=None)
    if isinstance(exc, LoginsLimited):
        return _too_many_logins(exc, subject)
    if isinstance(exc, errors.Unauthenticated):
        if operation == "userLogin":
            return failure(401, INVALID_CREDENTIALS, subject, message=exc.message)
        return failure(401, INVALID_SESSION, message=exc.message)
    if isinstance(exc, errors.RingbackError):
        return _refusal(exc)
    log.exception("unexpected error in Ameyo operation %s", operation, exc_info=exc)
    return failure(500, INTERNAL, message="internal error")


def from_route(status: int, path: str, detail: str) -> JSONResponse:
    """Return the answer for a path, or a method on it, that no Ameyo route serves."""
    return failure(status, ROUTE_KEYS.get(status, INVALID_PARAMETER), path, message=detail)


def _too_many_logins(exc: LoginsLimited, user_id: str) -> JSONResponse:
    seconds = max(1, math.ceil(exc.retry_after.total_seconds()))
    return failure(
        429, TOO_MANY_LOGINS, user_id, message=exc.message, headers={"Retry-After": str(seconds)}
    )


def _refusal(exc: errors.RingbackError) -> JSONResponse:
    if isinstance(exc, errors.Invalid):
        return failure(400, INVALID_PARAMETER, exc.field or "", message=exc.message)
    if isinstance(exc, errors.Forbidden):
        return failure(403, FORBIDDEN, message=exc.message)
    if isinstance(exc, errors.Conflict):
        return failure(409, CONFLICT, message=exc.message)
    if isinstance(exc, errors.Unavailable):
        return failure(503, UNAVAILABLE, message=exc.message)
    return failure(400, INVALID_PARAMETER, message=exc.message)
