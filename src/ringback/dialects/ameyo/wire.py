"""The Ameyo wire: parameters and bodies read, listed callbacks rendered as the document shows.

The document gives getFiltered's parameters as "URL Parameters" of a POST, Exotel's page as the
query string of a GET: both are read, and either may also carry them in a JSON object (or a form)
body, the query string winning when both name a parameter. A body of another type is refused.
Times are epoch milliseconds both ways.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from ringback.dialects.ameyo.errors import UNSUPPORTED_MEDIA_TYPE, AmeyoFailure
from ringback.dialects.ameyo.service import AmeyoCallback, CallbackFilter
from ringback.domain import errors

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
INTEGER = re.compile(r"^[+-]?[0-9]{1,19}$")
#: ids, limits and offsets are Java ints in Ameyo
MAX_INT = 2**31 - 1
#: epoch milliseconds up to the year 3000 (a date beyond means a unit mistake)
MAX_EPOCH_MS = 32_503_680_000_000
#: the most userIds one listing may name
MAX_USER_IDS = 500
#: the largest customerId shown as a number (a Java long); larger or non-numeric ones stay text
MAX_LONG = 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DATE_PARAMETERS = ("fromDateAdded", "toDateAdded", "fromDateScheduled", "toDateScheduled")


class Params:
    """Parameters by name, each with every value given for it (all as text)."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = dict(values)

    @classmethod
    def of(cls, query: Iterable[tuple[str, str]], body: bytes, content_type: str) -> Params:
        """Merge the query string with a JSON object or form body; the query string wins."""
        values: dict[str, list[str]] = {}
        for name, value in query:
            values.setdefault(name, []).append(value)
        for name, texts in _body_values(body, content_type).items():
            values.setdefault(name, texts)
        return cls(values)

    def has(self, name: str) -> bool:
        """Tell whether `name` was given."""
        return name in self._values

    def text(self, name: str) -> str | None:
        """Return the one value of `name`, None when absent."""
        texts = self._values.get(name)
        if not texts:
            return None
        if len(texts) > 1:
            raise errors.Invalid(f"{name} is given more than once", field=name)
        return texts[0].strip()

    def texts(self, name: str) -> list[str]:
        """Return every value of `name`, comma-separated values split apart."""
        found = [part.strip() for text in self._values.get(name, []) for part in text.split(",")]
        return [text for text in found if text]


def integer(params: Params, name: str, *, required: bool, low: int = 0) -> int | None:
    """Return `name` as an integer between `low` and MAX_INT."""
    text = params.text(name)
    if text is None or text == "":
        if required:
            raise errors.Invalid(f"{name} is required", field=name)
        return None
    if not INTEGER.match(text) or not low <= int(text) <= MAX_INT:
        raise errors.Invalid(f"{name} must be an integer from {low} to {MAX_INT}", field=name)
    return int(text)


def required_integer(params: Params, name: str, *, low: int = 0) -> int:
    """Return `name` as an integer between `low` and MAX_INT; refuse its absence."""
    value = integer(params, name, required=True, low=low)
    assert value is not None  # integer() refuses the absence of a required parameter
    return value


def boolean(params: Params, name: str) -> bool:
    """Return `name` as a boolean, false when absent."""
    text = params.text(name)
    if text is None or text == "":
        return False
    if text.lower() not in ("true", "false"):
        raise errors.Invalid(f"{name} must be true or false", field=name)
    return text.lower() == "true"


def epoch_ms(params: Params, name: str) -> datetime | None:
    """Return `name`, epoch milliseconds, as an instant; None when absent."""
    text = params.text(name)
    if text is None or text == "":
        return None
    if not INTEGER.match(text) or not 0 <= int(text) <= MAX_EPOCH_MS:
        raise errors.Invalid(f"{name} must be epoch milliseconds (like 1521539038782)", field=name)
    return EPOCH + timedelta(milliseconds=int(text))


def to_epoch_ms(moment: datetime) -> int:
    """Return an instant as whole epoch milliseconds, rounded down."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def callback_filter(params: Params) -> CallbackFilter:
    """Return the filter and page a listing asks for (limit and offset are required)."""
    user_ids = tuple(params.texts("userIds"))
    if len(user_ids) > MAX_USER_IDS:
        raise errors.Invalid(f"userIds may name at most {MAX_USER_IDS} users", field="userIds")
    dates = {name: epoch_ms(params, name) for name in DATE_PARAMETERS}
    return CallbackFilter(
        user_ids=user_ids,
        added_from=dates["fromDateAdded"],
        added_to=dates["toDateAdded"],
        scheduled_from=dates["fromDateScheduled"],
        scheduled_to=dates["toDateScheduled"],
        limit=required_integer(params, "limit", low=1),
        offset=required_integer(params, "offset"),
    )


def json_object(body: bytes) -> dict[str, Any]:
    """Return a JSON object body; an empty body is an empty object."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.Invalid(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise errors.Invalid("the body must be a JSON object")
    return value


def _body_values(body: bytes, content_type: str) -> dict[str, list[str]]:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == FORM_TYPE:
        values: dict[str, list[str]] = {}
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise errors.Invalid("the form body is not UTF-8") from exc
        for name, value in pairs:
            values.setdefault(name, []).append(value)
        return values
    if media_type == JSON_TYPE or (not media_type and body.strip()):
        return {name: _texts(name, value) for name, value in json_object(body).items()}
    if body.strip():  # parameters in a body we cannot read would be silently ignored
        raise AmeyoFailure(
            415, UNSUPPORTED_MEDIA_TYPE,
            f"a body must be {JSON_TYPE} or {FORM_TYPE}, not {media_type}", media_type,
        )  # fmt: skip
    return {}


def _texts(name: str, value: Any) -> list[str]:
    """Return a JSON value as the texts a query string would have carried."""
    if isinstance(value, list):
        return [_text(name, item) for item in value]
    return [_text(name, value)]


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if value is None:
        return ""
    raise errors.Invalid(f"{name} must be a string, a number or a boolean", field=name)


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


@dataclass(frozen=True, slots=True)
class Listing:
    """What a listing asks for: its filter and page, and whether items show their info."""

    wanted: CallbackFilter
    info: bool


def listing(params: Params) -> Listing:
    """Read a listing's filter and page (limit and offset are required) and its info flag."""
    return Listing(callback_filter(params), boolean(params, "info"))


def tenant_listing(params: Params) -> Listing:
    """Read a getTenantUserCallbacks listing, which names no campaign."""
    if params.has("campaignId"):  # a filter silently dropped would list too much
        raise errors.Invalid(
            "campaignId is not a parameter of getTenantUserCallbacks; use getFiltered",
            field="campaignId",
        )
    return listing(params)


def check_deleted_id(body: bytes, callback_id: str) -> None:
    """Accept the documented body `{"customerCallbackId": ...}` only if it names the same id."""
    named = json_object(body).get("customerCallbackId")
    if named is not None and str(named) != callback_id:
        raise errors.Invalid(
            f"the body names callback {named} but the URL names {callback_id}",
            field="customerCallbackId",
        )


def listed_callbacks(listed: Iterable[AmeyoCallback], *, info: bool) -> list[dict[str, Any]]:
    """Return a listing's answer: one item per callback."""
    return [listed_callback(item, info=info) for item in listed]


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
