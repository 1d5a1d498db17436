"""GMS on the wire: JSON or form bodies, ISO 8601 times with milliseconds, request items, and
ringback's callback states in GMS's words (`_callback_state`, `_callback_reason`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.states import TERMINAL_STATES, Reason, State

#: where a request's URL points, as the document shows it (relative to the web application)
URL_BASE = "/1/service/callback"
FORM = "application/x-www-form-urlencoded"
#: the instants a request may name: far enough from datetime's limits that a bucket, a proposal
#: window or a time zone can still be added to them without overflowing
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
#: the keys of a start request that are not attached data
START_KEYS = ("_customer_number", "_desired_time")
IMMEDIATE_TEXT = "You will receive the call shortly"
DEFERRED_TEXT = "You will receive the call when the office opens"
#: the GMS default of the admin query's `max`, also its ceiling: 500 requests per service
ADMIN_MAX = 500

S = State
CALLBACK_STATE: dict[State, str] = {
    S.SCHEDULED: "SCHEDULED",
    S.WAITING: "QUEUED",
    S.DISPATCHING: "QUEUED",
    S.OFFERED: "QUEUED",
    S.RESERVED: "ROUTING",
    S.DIALING: "PROCESSING",
    S.COMPLETED: "COMPLETED",
    S.FAILED: "COMPLETED",
    S.CANCELLED: "COMPLETED",
    S.EXPIRED: "COMPLETED",
}
CALLBACK_REASON: dict[Reason, str] = {
    Reason.COMPLETED: "AGENT_CONNECTED",
    Reason.CANCELLED: "CANCELLED",
    Reason.TTL: "FAIL_TIMEOUT_TTL",
    Reason.MISSED: "FAIL_TIMEOUT_TTL",
    Reason.INVALID_NUMBER: "FAIL_NO_CUSTOMER_NUMBER",
    Reason.AGENT_ABANDONED: "FAIL_AGENT_CONNECT",
    Reason.MAX_ATTEMPTS: "FAIL_CALL_TO_CUSTOMER",
    Reason.NO_ANSWER: "FAIL_CALL_TO_CUSTOMER",
    Reason.BUSY: "FAIL_CALL_TO_CUSTOMER",
    Reason.FAILED: "FAIL_ERROR",
    Reason.IVR_FAILURE: "FAIL_ERROR",
    Reason.TIMEOUT: "FAIL_ERROR",
}
#: the reason a terminal callback stored without one is shown with
_IMPLIED_REASON = {
    S.COMPLETED: Reason.COMPLETED,
    S.CANCELLED: Reason.CANCELLED,
    S.EXPIRED: Reason.TTL,
}


def fields(raw: bytes, content_type: str) -> dict[str, Any]:
    """Return the body's keys: a JSON object, or a form; an empty body is no keys."""
    if not raw.strip():
        return {}
    if content_type.startswith(FORM) or (not content_type and not raw.lstrip().startswith(b"{")):
        return _form(raw)
    try:
        parsed = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise errors.Invalid("the body's JSON is nested too deeply") from None
    except ValueError as exc:  # not JSON, not UTF-8, NaN, or an integer too long to convert
        raise errors.Invalid(f"the body is neither a JSON object nor a form: {exc}") from None
    if not isinstance(parsed, dict):
        raise errors.Invalid("the body must be a JSON object")
    return parsed


def _no_constant(name: str) -> Any:
    """Refuse NaN and Infinity: they are not JSON, and PostgreSQL refuses to store them."""
    raise ValueError(f"{name} is not a JSON value")


def _form(raw: bytes) -> dict[str, Any]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.Invalid(f"the form body cannot be read: {exc}") from None
    return dict(pairs)


def customer_number(values: dict[str, Any]) -> str:
    """Return a start request's `_customer_number`; Invalid when it is missing or blank."""
    number = text(values, "_customer_number")
    if not number or not number.strip():
        raise errors.Invalid("_customer_number is required", field="_customer_number")
    return number


def properties(values: dict[str, Any]) -> dict[str, Any]:
    """Return a start request's attached data: every key but the callback's own."""
    return {key: value for key, value in values.items() if key not in START_KEYS}


def new_desired_time(values: dict[str, Any]) -> datetime:
    """Return a reschedule request's `_new_desired_time`; Invalid when it is missing."""
    desired = instant(text(values, "_new_desired_time"), "_new_desired_time")
    if desired is None:
        raise errors.Invalid("_new_desired_time is required", field="_new_desired_time")
    return desired


def queried_number(query: Mapping[str, str]) -> str:
    """Return the number Query-Callback asks about (`customer_number`, or `_customer_number`)."""
    number = query.get("customer_number") or query.get("_customer_number") or ""
    if not number.strip():
        raise errors.Invalid("customer_number is required", field="customer_number")
    return number


def admin_max(raw: str | None) -> int:
    """Return the admin query's per-service limit: the GMS default 500, also its ceiling."""
    if raw is None or not raw.strip():
        return ADMIN_MAX
    if not raw.strip().isdecimal() or int(raw) < 1:  # isdigit() would let "²" through to int()
        raise errors.Invalid(f"max must be a positive integer, got {raw!r}", field="max")
    return min(int(raw), ADMIN_MAX)


def text(values: dict[str, Any], name: str) -> str | None:
    """Return a string member, None when absent; Invalid when it is not text."""
    value = values.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.Invalid(f"{name} must be a string", field=name)
    return value


def instant(value: str | None, name: str) -> datetime | None:
    """Parse an ISO 8601 time ("2013-05-28T15:30:00.000Z"); without an offset it is UTC."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(cleaned)
        utc = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise errors.Invalid(
            f'{name} {value!r} is not an ISO 8601 time such as "2013-05-28T15:30:00.000Z"',
            field=name,
        ) from None
    if not EARLIEST <= utc < LATEST:
        raise errors.Invalid(
            f"{name} {value!r} is not between the years {EARLIEST.year} and {LATEST.year - 1}",
            field=name,
        )
    return utc


def timestamp(at: datetime) -> str:
    """Show an instant as GMS does: UTC, milliseconds, Z."""
    utc = at.astimezone(UTC)
    return f"{utc.strftime('%Y-%m-%dT%H:%M:%S')}.{utc.microsecond // 1000:03d}Z"


def slots(room: Mapping[datetime, int]) -> dict[str, int]:
    """Return bucket starts and their room as GMS shows them, in time order."""
    return {timestamp(start): left for start, left in sorted(room.items())}


def started(callback: Callback, *, immediate: bool) -> dict[str, Any]:
    """Start-Callback's answer: the id, or for an immediate request the ConfirmationDialog."""
    request_id = str(callback.id)
    if not immediate:
        return {"_id": request_id}
    deferred = callback.next_action_at != callback.created_at  # out of hours: at the opening
    return {
        "ID": "0",
        "Action": "ConfirmationDialog",
        "Text": DEFERRED_TEXT if deferred else IMMEDIATE_TEXT,
        "OkTitle": "Ok",
        "_id": request_id,
    }


def callback_state(state: State, reason: Reason | None) -> tuple[str, str | None]:
    """Show a callback's state as GMS `_callback_state` and `_callback_reason`."""
    if state not in TERMINAL_STATES:
        return CALLBACK_STATE[state], None
    if reason is None:
        reason = _IMPLIED_REASON.get(state, Reason.FAILED)
    return CALLBACK_STATE[state], CALLBACK_REASON.get(reason, "FAIL_ERROR")


def url(service: str, callback: Callback) -> str:
    """Return the request's URL as the document shows it."""
    return f"{URL_BASE}/{service}/{callback.id}"


def desired(callback: Callback) -> datetime:
    """The time a request is for: its desired time, else when it was (or will be) first due."""
    return callback.desired_time or callback.next_action_at or callback.created_at


def outstanding_item(service: str, callback: Callback) -> dict[str, Any]:
    """One item of Query-Callback: `_id`, `desired_time`, `url` (the document's names)."""
    return {
        "_id": str(callback.id),
        "desired_time": timestamp(desired(callback)),
        "url": url(service, callback),
    }


def admin_item(service: str, callback: Callback) -> dict[str, Any]:
    """One request of the admin query, with the keys GMS always returns, in its order."""
    state, reason = callback_state(callback.state, callback.reason)
    return {
        "_id": str(callback.id),
        "_desired_time": timestamp(desired(callback)),
        "_service_name": service,
        "_callback_state": state,
        "_expiration_time": timestamp(callback.expires_at) if callback.expires_at else None,
        "_customer_number": callback.customer_number,
        "_url": url(service, callback),
        "_callback_reason": reason,
    }


def admin_queues(found: Mapping[str, list[Callback]]) -> dict[str, list[dict[str, Any]]]:
    """The admin query's answer: per service name, its requests."""
    return {
        service: [admin_item(service, callback) for callback in callbacks]
        for service, callbacks in found.items()
    }
