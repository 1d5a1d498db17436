"""The xuc dialect's one place where errors become answers: `{"error": code, "message": text}`.

Each part of the document has its own error words (contacts: InvalidContact...; qualifications
and mobile: JsonBodyNotFound...; auth: InvalidCredentials...), so the part is chosen by path.
An unexpected exception becomes one logged 500 in the words of its part.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from ringback.dialects.xuc.sessions import Reason, XucAuthFailed
from ringback.domain import errors

log = logging.getLogger("ringback.dialects.xuc")


class Part(Enum):
    """A part of the xuc document, with its own error words."""

    AUTH = "auth"
    CONTACTS = "contacts"
    QUALIFICATIONS = "qualifications"
    MOBILE = "mobile"


@dataclass
class XucError(Exception):
    """An answer the dialect decided on: a xuc error word, an HTTP status and a message."""

    code: str
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)


class BodyTooLarge(Exception):
    """A request body past the limit, refused in the words of the part it was sent to."""


#: what each part answers when its JSON body is missing, and when it is not JSON
MISSING_BODY = {
    Part.AUTH: "InvalidJson",
    Part.CONTACTS: "JsonParsingError",
    Part.QUALIFICATIONS: "JsonBodyNotFound",
    Part.MOBILE: "JsonBodyNotFound",
}
BAD_JSON = {
    Part.AUTH: "InvalidJson",
    Part.CONTACTS: "JsonParsingError",
    Part.QUALIFICATIONS: "JsonErrorDecoding",
    Part.MOBILE: "JsonErrorDecoding",
}
#: a value that breaks a rule, in each part's words
INVALID = {
    Part.AUTH: "InvalidJson",
    Part.CONTACTS: "InvalidContact",
    Part.QUALIFICATIONS: "JsonErrorDecoding",
    Part.MOBILE: "JsonErrorDecoding",
}
UNEXPECTED = {
    Part.AUTH: "UnhandledError",
    Part.CONTACTS: "NotHandledError",
    Part.QUALIFICATIONS: "NotHandledError",
    Part.MOBILE: "NotHandledError",
}
#: the message of a body past the limit, as Starlette's body limit words it
TOO_LARGE = "Content Too Large"
AUTH_STATUS = {
    Reason.INVALID_CREDENTIALS: 401,
    Reason.INVALID_TOKEN: 401,
    Reason.TOKEN_EXPIRED: 401,
    Reason.INVALID_JSON: 401,
    Reason.USER_NOT_FOUND: 404,
    Reason.OIDC_FAILED: 401,
}


def part_of(path: str) -> Part:
    """Return the part of the document a path (below the 2.0 prefix) belongs to."""
    if path.startswith("/auth"):
        return Part.AUTH
    if path.startswith("/contact"):
        return Part.CONTACTS
    if path.startswith("/call_qualification"):
        return Part.QUALIFICATIONS
    return Part.MOBILE


def missing_body(part: Part) -> XucError:
    """The error of a request without the JSON body it needs."""
    return XucError(MISSING_BODY[part], 400, "a JSON body is required")


def bad_json(part: Part, why: str) -> XucError:
    """The error of a body that is not the JSON expected."""
    return XucError(BAD_JSON[part], 400, why)


def invalid(part: Part, why: str) -> XucError:
    """The error of a request value that breaks a rule (a path parameter, mostly)."""
    return XucError(INVALID[part], 400, why)


def translate(part: Part, exc: Exception) -> XucError:
    """Return the answer to an error raised while serving `part`."""
    if isinstance(exc, XucError):
        return exc
    if isinstance(exc, XucAuthFailed):
        return _auth_failure(exc)
    if isinstance(exc, errors.RingbackError):
        return _domain(part, exc)
    if isinstance(exc, BodyTooLarge):
        return XucError(INVALID[part], 413, TOO_LARGE)
    if isinstance(exc, StarletteHTTPException):
        return _http(part, exc)
    log.exception("unexpected error in the xuc dialect", exc_info=exc)
    return XucError(UNEXPECTED[part], 500, "unexpected error; see the server log")


def _http(part: Part, exc: StarletteHTTPException) -> XucError:
    """Routing answers: no such path, method not allowed."""
    if exc.status_code == 404:
        return XucError("NotFound", 404, "no such xuc 2.0 API")
    if exc.status_code == 405:
        return XucError("MethodNotAllowed", 405, "this API does not answer that method")
    word = INVALID[part] if exc.status_code < 500 else UNEXPECTED[part]
    return XucError(word, exc.status_code, str(exc.detail))


def _auth_failure(exc: XucAuthFailed) -> XucError:
    if exc.reason is Reason.TOO_MANY_ATTEMPTS:
        # Same word as a wrong password, so the answer does not tell whether the account exists.
        headers = {"Retry-After": str(exc.retry_after or 1)}
        return XucError(Reason.INVALID_CREDENTIALS.value, 429, exc.message, headers)
    return XucError(exc.reason.value, AUTH_STATUS[exc.reason], exc.message)


def _domain(part: Part, exc: errors.RingbackError) -> XucError:
    if isinstance(exc, errors.Unavailable):
        return XucError("Unreachable", 503, exc.message)
    if isinstance(exc, errors.Unauthenticated):
        return XucError(Reason.INVALID_TOKEN.value, 401, exc.message)
    if part is Part.CONTACTS and isinstance(exc, errors.NotFound):
        return XucError("ContactNotFound", 404, exc.message)
    if part is Part.CONTACTS and isinstance(exc, errors.Conflict):
        return XucError("DuplicateContact", 409, exc.message)
    if isinstance(exc, errors.NotFound):
        return XucError("NotFound", 404, exc.message)
    if isinstance(exc, errors.Forbidden):
        return XucError("Forbidden", 403, exc.message)
    if isinstance(exc, errors.Invalid | errors.Conflict):
        return XucError(INVALID[part], 400, exc.message)
    return XucError(UNEXPECTED[part], 500, exc.message)


def response(error: XucError) -> JSONResponse:
    """Render an error in xuc's shape."""
    return JSONResponse(
        {"error": error.code, "message": error.message},
        status_code=error.status,
        headers=error.headers or None,
    )
