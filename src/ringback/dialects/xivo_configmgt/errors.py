"""The config-mgt dialect's one place where errors become `{"error": "<Id>", "message": ...}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from ringback.domain import errors
from ringback.services.xivo_configmgt import ImportRefused

log = logging.getLogger("ringback.dialects.xivo_configmgt")

#: error class -> (status, error id); the first match wins, so subclasses come first
STATUSES: list[tuple[type[errors.RingbackError], int, str]] = [
    (errors.Unauthenticated, 401, "Unauthorized"),
    (errors.Forbidden, 403, "Forbidden"),
    (errors.IllegalTransition, 409, "InvalidState"),
    (errors.Conflict, 409, "Conflict"),
    (errors.Closed, 409, "QueueClosed"),
    (errors.CapacityFull, 409, "CapacityFull"),
    (errors.Unavailable, 503, "Unavailable"),
]


def body(error_id: str, message: str, **extra: Any) -> dict[str, Any]:
    """Return the document's error object."""
    return {"error": error_id, "message": message, **extra}


def response(exc: Exception) -> JSONResponse:
    """Return the answer for an error raised while serving a request."""
    if isinstance(exc, ImportRefused):
        lines = [{"line": p.line, "reason": p.reason} for p in exc.lines]
        return JSONResponse(body("CsvImportError", exc.message, errors=lines), 400)
    if isinstance(exc, errors.Invalid):
        if exc.error_id == "too_large":
            return JSONResponse(body("PayloadTooLarge", exc.message), 413)
        error_id = "JsonParsingError" if exc.field == "body" else "InvalidRequest"
        return JSONResponse(body(error_id, exc.message), 400)
    if isinstance(exc, errors.NotFound):
        kind = exc.details.get("kind", "")
        return JSONResponse(body(f"{kind}NotFound", exc.message), 404)
    for cls, status, error_id in STATUSES:
        if isinstance(exc, cls):
            headers = {"WWW-Authenticate": 'Basic realm="ringback"'} if status == 401 else None
            return JSONResponse(body(error_id, exc.message), status, headers=headers)
    log.exception("unexpected error in the config-mgt dialect", exc_info=exc)
    return JSONResponse(body("InternalError", "internal error"), 500)


def dissuasion_response(operation: str, queue_id: int | str, exc: errors.NotFound) -> JSONResponse:
    """Return the document's words for a missing queue or file of a dissuasion operation."""
    kind = exc.details.get("kind", "")
    if kind == "File":
        sound_file = exc.details.get("sound_file", "")
        message = (f"Unable to perform {operation} on queue {queue_id} with file {sound_file} "
                   "- FileNotFound")  # fmt: skip
        return JSONResponse(body("FileNotFound", message), 404)
    target = exc.details.get("target")
    detail = f": could not find the queue '{target}'" if target else ""
    message = f"Unable to perform {operation} on queue {queue_id}{detail} - QueueNotFound"
    return JSONResponse(body("QueueNotFound", message), 404)
