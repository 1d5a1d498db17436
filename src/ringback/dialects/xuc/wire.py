"""Reading xuc requests: the caller's token, JSON bodies, and CSV cells."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from ringback.dialects.xuc.errors import Part, XucError, bad_json, missing_body
from ringback.domain.people import Principal
from ringback.services.xuc_auth import XucAuthService

#: the document's mobile examples end their object with a comma: `{ "token": "1234-5678", }`
TRAILING_COMMA = re.compile(r",\s*}\s*$")
#: cells a spreadsheet would run as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: a phone number in international form is data, not a formula
PHONE = re.compile(r"^\+[0-9 ]+$")


def token_of(authorization: str | None, x_auth_token: str | None) -> str:
    """Return the token of an `X-Auth-Token` or `Authorization: Bearer` header."""
    if x_auth_token:
        return x_auth_token.strip()
    return bearer(authorization)


def bearer(authorization: str | None) -> str:
    """Return the token of an `Authorization: Bearer <token>` header."""
    if authorization is None or not authorization.strip():
        raise XucError("AuthorizationHeaderNotFound", 401, "an Authorization header is required")
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise XucError("BearerNotFound", 401, "the Authorization header must be 'Bearer <token>'")
    return value.strip()


def caller(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_auth_token: Annotated[str | None, Header()] = None,
) -> Principal:
    """Return the user whose xuc token the request carries."""
    service: XucAuthService = request.app.state.services.xuc_auth
    return service.principal(token_of(authorization, x_auth_token))


Caller = Annotated[Principal, Depends(caller)]


def json_object(body: bytes, part: Part, *, lenient: bool = False) -> dict[str, Any]:
    """Parse a body that must be a JSON object; `lenient` forgives a trailing comma."""
    if not body.strip():
        raise missing_body(part)
    try:
        text = body.decode("utf-8")
        value = _loads(text, lenient)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad_json(part, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise bad_json(part, "the body must be a JSON object")
    if not _encodable(value):
        # "\ud800" is valid JSON but no character: the database could not store it.
        raise bad_json(part, "the body holds a lone surrogate (\\ud800-\\udfff), not text")
    return value


def _encodable(value: Any) -> bool:
    """Tell whether every string of a parsed JSON value can be written as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _loads(text: str, lenient: bool) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if lenient and TRAILING_COMMA.search(text):
            return json.loads(TRAILING_COMMA.sub("}", text))
        raise


def safe_cell(value: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula (phone numbers excepted)."""
    if value.startswith(FORMULA_START) and not PHONE.match(value):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """Undo `safe_cell`, so that an exported file imports back as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
