"""The config-mgt dialect's one place where errors become `{"error": "<Id>", "message": ...}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ringback.dialects.xivo_configmgt.requests import ImportRefused
from ringback.domain import errors
from ringback.services.callbacks.agent_work import Obstacle

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
ROUTING_ERRORS = {404: "NotFound", 405: "MethodNotAllowed"}
#: what the engine's not-found of a field names, in the document's words (`<kind>NotFound`)
KIND_OF_FIELD = {"agent_id": "Agent", "queue_id": "Queue"}
#: the agent workflow's refusals, in XiVO's words (a request; clotured)
OBSTACLE_MESSAGES = {
    Obstacle.TAKEN: "callback request {callback_id} is taken by agent {owner_agent_id}",
    Obstacle.ENDED: "callback request {callback_id} is clotured",
    Obstacle.STARTED: "callback request {callback_id} is started already",
    Obstacle.NOT_HELD: "callback request {callback_id} is not taken by agent {agent_id}",
    Obstacle.DIALLING: "callback request {callback_id} is being dialled; try again",
}


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
        kind = exc.details.get("kind") or KIND_OF_FIELD.get(exc.details.get("field", ""), "")
        return JSONResponse(body(f"{kind}NotFound", exc.message), 404)
    for cls, status, error_id in STATUSES:
        if isinstance(exc, cls):
            headers = {"WWW-Authenticate": 'Basic realm="ringback"'} if status == 401 else None
            return JSONResponse(body(error_id, _message(exc)), status, headers=headers)
    log.exception("unexpected error in the config-mgt dialect", exc_info=exc)
    return JSONResponse(body("InternalError", "internal error"), 500)


def _message(exc: errors.RingbackError) -> str:
    """Word an engine refusal of the agent workflow as XiVO does; any other as it came."""
    obstacle = exc.details.get("obstacle")
    if obstacle is None:
        return exc.message
    return OBSTACLE_MESSAGES[Obstacle(obstacle)].format(**exc.details)


async def routing_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Answer a path or method the dialect does not serve in its shape, not FastAPI's."""
    error_id = ROUTING_ERRORS.get(exc.status_code, "InvalidRequest")
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return JSONResponse(body(error_id, message), exc.status_code, headers=exc.headers)


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
