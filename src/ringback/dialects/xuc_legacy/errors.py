"""The one place xuc 1.0 errors become the document's `{"error": ..., "message": ...}`."""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse

from ringback.domain import errors

log = logging.getLogger("ringback.dialects.xuc_legacy")


class XucError(Exception):
    """An error the dialect itself finds in the request (host, JSON, method)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


#: which NotFound is which, by the input that named the missing thing
_NOT_FOUND = {
    "agentnumber": "AgentNotFound",
    "phoneNumber": "AgentNotLoggedIn",
    "queueId": "QueueNotFound",
}


def response(exc: Exception) -> JSONResponse:
    """Return the answer to an error, in the document's shape."""
    status, code, message = _classify(exc)
    if status == 500:
        log.exception("xuc 1.0 request failed", exc_info=exc)
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _classify(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, XucError):
        return exc.status, exc.code, exc.message
    if isinstance(exc, errors.Invalid):
        return 400, "InvalidParameter", exc.message
    if isinstance(exc, errors.Unauthenticated):
        return 401, "InvalidCredentials", "Invalid username or password"
    if isinstance(exc, errors.NotFound):
        return 404, _NOT_FOUND.get(str(exc.details.get("field")), "UserNotFound"), exc.message
    if isinstance(exc, errors.Conflict):
        return 409, "Conflict", exc.message
    if isinstance(exc, errors.Unavailable):
        return 503, "Unreachable", exc.message
    return 500, "NotHandledError", "Error not covered in current implementation"
