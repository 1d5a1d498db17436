"""The Ameyo wire: the login request, and a listed callback as the document shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ringback.dialects.ameyo.params import json_object, to_epoch_ms
from ringback.dialects.ameyo.service import AmeyoCallback
from ringback.domain import errors

#: the largest customerId shown as a number (a Java long); larger or non-numeric ones stay text
MAX_LONG = 2**63 - 1


@dataclass(frozen=True, slots=True)
class LoginRequest:
    """`{userId, token, forceLogin, terminalInfo}`; the token is the user's password."""

    user_id: str
    token: str


def login_request(body: bytes) -> LoginRequest:
    """Read a userLogin body; forceLogin must be a boolean and terminalInfo an object if given."""
    data = json_object(body)
    user_id, token = data.get("userId"), data.get("token")
    if not isinstance(user_id, str) or not user_id:
        raise errors.Invalid("userId is required and must be a string", field="userId")
    if not isinstance(token, str) or not token:
        raise errors.Invalid("token is required and must be a string", field="token")
    if "forceLogin" in data and not isinstance(data["forceLogin"], bool):
        raise errors.Invalid("forceLogin must be true or false", field="forceLogin")
    if data.get("terminalInfo") is not None and not isinstance(data["terminalInfo"], dict):
        raise errors.Invalid("terminalInfo must be an object", field="terminalInfo")
    return LoginRequest(user_id, token)


def listed_callback(listed: AmeyoCallback, *, info: bool) -> dict[str, Any]:
    """Return one item of a listing, with the document's fields in its order."""
    callback = listed.callback
    item: dict[str, Any] = {
        "customerCallbackId": str(callback.id),
        "campaignId": callback.queue_id,
        "callbackTime": to_epoch_ms(listed.callback_time),
        "selfCallback": callback.self_callback,
        "userId": listed.user_id,
        "phone": callback.customer_number,
        "customerId": customer_id(callback.customer_id),
        "dateAdded": to_epoch_ms(callback.created_at),
    }
    if info:
        item["info"] = dict(callback.properties)
    return item


def customer_id(value: str) -> int | str | None:
    """Return a customer id as Ameyo's number when it is one, else as given (None: none)."""
    if not value:
        return None
    if value.isascii() and value.isdigit() and int(value) <= MAX_LONG:
        return int(value)
    return value
