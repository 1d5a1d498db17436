"""The native API's one place where domain errors become HTTP answers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.domain import errors

log = logging.getLogger("ringback.api")

STATUS: list[tuple[type[errors.RingbackError], int]] = [
    (errors.Invalid, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.CapacityFull, 409),
    (errors.Closed, 409),
    (errors.Conflict, 409),
    (errors.Unavailable, 503),
]


def error_body(error_id: str, message: str, **extra: Any) -> dict[str, Any]:
    """Return the native API's error shape."""
    return {"error": error_id, "message": message, **extra}


def status_of(exc: errors.RingbackError) -> int:
    """Return the HTTP status of a domain error."""
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def _details(exc: errors.RingbackError) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if isinstance(exc, errors.Invalid | errors.Conflict | errors.NotFound):
        field = getattr(exc, "field", None) or exc.details.get("field")
        if field:
            extra["field"] = field
    if isinstance(exc, errors.Closed):
        extra["reason"] = exc.reason
    if isinstance(exc, errors.CapacityFull):
        extra["proposals"] = {at.isoformat(): room for at, room in exc.proposals.items()}
    return extra


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.RingbackError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, errors.Unauthenticated) else None
    body = error_body(exc.error_id, exc.message, **_details(exc))
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        reason = first.get("ctx", {}).get("error", "malformed")
        return JSONResponse(
            error_body("invalid", f"body is not valid JSON: {reason}", field="body"),
            status_code=400,
        )
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location) or "body"
    message = f"{field}: {first.get('msg', 'is invalid')}"
    return JSONResponse(error_body("invalid", message, field=field), status_code=400)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_id = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(
        error_body(error_id, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal", "an unexpected error occurred"), status_code=500)


def install(app: FastAPI) -> None:
    """Map every error raised under `app` to the native error shape."""
    app.add_exception_handler(errors.RingbackError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
