"""The GMS dialect's one place where errors become `{"message", "exception"}` answers.

Each operation has its exception class, as the document shows: CallbackServiceException (start,
queries), CallbackException (cancel), CallbackExceptionAvailability (reschedule, availability);
a start refused for a full bucket at a desired time is a CallbackAvailabilityException with the
proposed `availability`. Refusals are 400; an unknown service 404, missing credentials 401,
missing rights 403, the database down 503, an unexpected error 500 (logged). The engine's
`desired_time` is named as the operation's caller sent it (`_desired_time`, `_new_desired_time`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.dialects.gms import wire
from ringback.dialects.gms.auth import CHALLENGE
from ringback.domain import errors

log = logging.getLogger("ringback.dialects.gms")

PACKAGE = "com.genesyslab.gsg.services.callback"
SERVICE_EXCEPTION = f"{PACKAGE}.CallbackServiceException"
CALLBACK_EXCEPTION = f"{PACKAGE}.CallbackException"
AVAILABILITY_EXCEPTION = f"{PACKAGE}.CallbackAvailabilityException"
EXCEPTION_AVAILABILITY = f"{PACKAGE}.CallbackExceptionAvailability"
#: GMS names two closed reasons; a closed date or holiday closes a whole day, as a weekday does
GMS_CLOSED_REASON = {"closed_no_match": "closed_no_match"}


class Operation(StrEnum):
    """The GMS operations, each with its own exception class."""

    START = "start"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    QUERY = "query"
    AVAILABILITY = "availability"
    ADMIN = "admin"


EXCEPTION = {
    Operation.START: SERVICE_EXCEPTION,
    Operation.CANCEL: CALLBACK_EXCEPTION,
    Operation.RESCHEDULE: EXCEPTION_AVAILABILITY,
    Operation.QUERY: SERVICE_EXCEPTION,
    Operation.AVAILABILITY: EXCEPTION_AVAILABILITY,
    Operation.ADMIN: SERVICE_EXCEPTION,
}


#: how each operation's request names the engine's `desired_time`
DESIRED_TIME = {Operation.START: "_desired_time", Operation.RESCHEDULE: "_new_desired_time"}


class BodyTooLarge(errors.Invalid):
    """A body sent without a Content-Length that grew past the limit while being read."""


STATUS: dict[type[errors.RingbackError], int] = {
    BodyTooLarge: 413,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.Unavailable: 503,
}


def body(message: str, exception: str, **extra: Any) -> dict[str, Any]:
    """Return a GMS error body: message, exception, then any extra member."""
    return {"message": message, "exception": exception, **extra}


def answer(operation: Operation, exc: Exception) -> JSONResponse:
    """Return the answer for an error raised while serving `operation`."""
    exception = EXCEPTION[operation]
    if not isinstance(exc, errors.RingbackError):
        log.exception("unexpected error in GMS operation %s", operation.value, exc_info=exc)
        return JSONResponse(body("internal error", exception), status_code=500)
    if "request_id" in exc.details:  # gone, never there, or past the point of no return
        verb = "cancel" if operation is Operation.CANCEL else "reschedule"
        request_id = exc.details["request_id"]
        return _json(body(f"No such request to {verb} : [{request_id}]", exception), 400)
    if isinstance(exc, errors.NotFound):
        return _json(body(exc.message, exception), 404)  # the service itself is unknown
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    if status != 400:
        return _json(body(exc.message, exception), status)
    return _json(_refusal(operation, exc), 400)


async def http_error(_request: Any, exc: Exception) -> JSONResponse:
    """Answer a path or method the dialect does not serve (404, 405) in GMS's shape."""
    assert isinstance(exc, StarletteHTTPException)
    content = body(str(exc.detail), SERVICE_EXCEPTION)
    return JSONResponse(content, status_code=exc.status_code, headers=exc.headers)


def _json(content: dict[str, Any], status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
    return JSONResponse(content, status_code=status, headers=headers)


def _refusal(operation: Operation, exc: errors.RingbackError) -> dict[str, Any]:
    exception = EXCEPTION[operation]
    if isinstance(exc, errors.CapacityFull):
        return _full(operation, exc)
    if isinstance(exc, errors.Closed) and operation is Operation.AVAILABILITY and exc.at:
        message = f"Office is closed at {wire.timestamp(exc.at)}. No time slots proposed."
        return body(message, exception, availability={})
    if isinstance(exc, errors.Closed):
        return body(closed_message(exc), exception)
    if isinstance(exc, errors.Invalid) and "exception_rule" in exc.details:
        return body(number_refused(exc), exception)
    if isinstance(exc, errors.Invalid) and exc.field == "desired_time":
        return body(in_request_words(operation, exc.message), exception)
    return body(exc.message, exception)


def _full(operation: Operation, exc: errors.CapacityFull) -> dict[str, Any]:
    start, end = wire.timestamp(exc.bucket_start), wire.timestamp(exc.bucket_end)
    asked_at = exc.details.get("asked_at")
    if isinstance(asked_at, datetime):
        # An immediate request: GMS names the instant it was asked at and proposes nothing.
        at = wire.timestamp(asked_at)
        return body(f"Too many requests around this desired time : {at}", SERVICE_EXCEPTION)
    exception = AVAILABILITY_EXCEPTION if operation is Operation.START else EXCEPTION[operation]
    message = f"Too many requests at desired time [{start}, {end}]. Proposing time slots."
    return body(message, exception, availability=wire.slots(exc.proposals))


def closed_message(exc: errors.Closed) -> str:
    """Return GMS's closed message: a JSON text naming the reason, or why callbacks are off."""
    if exc.reason == "disabled":
        return exc.message
    reason = GMS_CLOSED_REASON.get(exc.reason, "closed_day_of_week")
    return json.dumps({"status": "closed", "reason": reason}, separators=(",", ":"))


def number_refused(exc: errors.Invalid) -> str:
    """Return GMS's message for a number refused by an exception pattern."""
    number, rule = exc.details.get("number", ""), exc.details["exception_rule"]
    return (
        f"Customer Number [{number}] is not allowed. Check option 'exceptions' : "
        f"details={{number_exceptions={rule}}}"
    )


def in_request_words(operation: Operation, message: str) -> str:
    """Name the engine's `desired_time` as the operation's request does (`_desired_time`...)."""
    name = DESIRED_TIME.get(operation)
    return message.replace("desired_time", name, 1) if name else message
