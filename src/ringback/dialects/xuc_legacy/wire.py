"""Reading xuc 1.0 requests (path segments, JSON bodies); writing the history and the events."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ringback.dialects.xuc_legacy.errors import XucError
from ringback.dialects.xuc_legacy.phones import (
    AgentChanged,
    AgentSession,
    CallStep,
    CallStepped,
    HistoryEntry,
    LineChanged,
    PhoneFact,
    PhoneState,
)
from ringback.domain import errors
from ringback.domain.callbacks import StateChange
from ringback.domain.people import check_login
from ringback.services.ports import ForwardKind

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 255
#: ids are stored as 32-bit integers: a larger one names nothing
MAX_ID = 2**31 - 1
#: a dialplan variable's name, as Asterisk accepts it
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
#: characters no field of a phone request may hold
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: one JSON event POSTed to the eventUrl
Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Target:
    """The `$domain/$username/` part of a path (either may be empty)."""

    domain: str
    username: str

    @classmethod
    def of(cls, rest: str) -> Target:
        """Split the path after the method name."""
        parts = rest.split("/")
        domain = parts[0] if parts else ""
        username = parts[1] if len(parts) > 1 else ""
        return cls(domain.strip(), username.strip())

    def user(self) -> str:
        """Return the username, which this method needs along with the domain."""
        self.need_domain()
        if not self.username:
            raise XucError(400, "InvalidParameter", "the path needs $domain/$username/")
        return known_shape(self.username)

    def need_domain(self) -> str:
        """Return the domain, which this method needs."""
        if not self.domain:
            raise XucError(400, "InvalidParameter", "the path needs $domain/")
        return self.domain


def known_shape(username: str) -> str:
    """Return a username that could be a login; any other names nobody (and never reaches SQL,
    where PostgreSQL refuses a NUL)."""
    try:
        check_login(username)
    except errors.Invalid as exc:
        raise errors.NotFound(f"user {username[:64]!r} does not exist") from exc
    return username


class Body:
    """A request's JSON object, read field by field with the document's error on bad input."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) > MAX_BODY_BYTES:
            raise XucError(413, "InvalidJson", f"the body exceeds {MAX_BODY_BYTES} bytes")
        try:
            value = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise XucError(400, "InvalidJson", f"the body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise XucError(400, "InvalidJson", "the body must be a JSON object")
        if not _encodable(value):
            # "\ud800" is valid JSON but no character: the database could not store it.
            raise XucError(400, "InvalidJson", "the body holds a lone surrogate, not text")
        self._fields: dict[str, Any] = value

    def text(self, name: str, *, required: bool = True, secret: bool = False) -> str:
        """Return a string field (a number is accepted and read as its digits).

        A `secret` (a password) is taken as typed: control characters only make it wrong.
        """
        value = self._fields.get(name)
        if value is None:
            if required:
                raise XucError(400, "InvalidJson", f"{name} is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise XucError(400, "InvalidJson", f"{name} must be a string")
        text = str(value)
        if len(text) > MAX_TEXT:
            raise XucError(400, "InvalidJson", f"{name} is longer than {MAX_TEXT} characters")
        if not secret and CONTROL.search(text):
            raise XucError(400, "InvalidJson", f"{name} holds a control character")
        return text

    def boolean(self, name: str) -> bool:
        """Return a required true/false field."""
        value = self._fields.get(name)
        if not isinstance(value, bool):
            raise XucError(400, "InvalidJson", f"{name} must be true or false")
        return value

    def integer(self, name: str) -> int:
        """Return a required whole-number field (a string of digits is accepted)."""
        value = self._fields.get(name)
        if isinstance(value, str) and _is_whole_number(value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
            raise XucError(400, "InvalidJson", f"{name} must be a number from 0 to {MAX_ID}")
        return value

    def variables(self, name: str) -> dict[str, str]:
        """Return an optional object of dialplan variables: names to texts (numbers as text)."""
        value = self._fields.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise XucError(400, "InvalidJson", f"{name} must be a JSON object")
        return {
            _variable_name(name, key): _variable_value(name, key, v) for key, v in value.items()
        }


def _variable_name(field_name: str, key: str) -> str:
    if not VARIABLE_NAME.fullmatch(key):
        raise XucError(
            400, "InvalidJson", f"{field_name}: {key[:64]!r} is not a variable name ([A-Za-z0-9_])"
        )
    return key


def _variable_value(field_name: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise XucError(400, "InvalidJson", f"{field_name}.{key} must be a text or a number")
    text = str(value)
    if len(text) > MAX_TEXT or CONTROL.search(text):
        raise XucError(
            400,
            "InvalidJson",
            f"{field_name}.{key} must be printable, {MAX_TEXT} characters at most",
        )
    return text


def _encodable(value: Any) -> bool:
    """Tell whether every string of a parsed JSON value can be written as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_whole_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also says yes to '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def count(query: dict[str, str], name: str) -> int | None:
    """Return a whole-number query parameter, or None when absent."""
    value = query.get(name)
    if value is None:
        return None
    if not _is_whole_number(value.strip()):
        raise XucError(400, "InvalidParameter", f"{name} must be a whole number")
    return int(value)


def history(entries: list[HistoryEntry], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Return a call history as the document shows it, times in the server's time zone."""
    return [
        {
            "start": entry.start.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            "duration": _duration(entry.duration),
            "srcUsername": entry.src_username,
            "dstUsername": entry.dst_username,
            "status": entry.status.value,
        }
        for entry in entries
    ]


def _duration(duration: timedelta) -> str:
    seconds = max(0, int(duration.total_seconds()))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# The events POSTed to the eventUrl: {"username": ..., "message": {"msgType", "ctiMessage"}}.


def phone_message(fact: PhoneFact) -> Message:
    """Return a phone fact as the xuc message that tells it."""
    if isinstance(fact, LineChanged):
        return _user_config(fact.phone)
    if isinstance(fact, AgentChanged):
        return _agent_state(fact.session, logged_in=fact.logged_in)
    return _phone_event(fact)


def callback_message(change: StateChange) -> Message:
    """Return a callback's change of state, in the xuc message shape."""
    return _envelope(
        None,
        "CallbackEvent",
        {
            "eventId": change.id,
            "eventType": "Callback" + change.to_state.value.capitalize(),
            "callbackId": str(change.callback_id),
            "queueId": change.queue_id,
            "state": change.to_state.value,
            "previousState": change.from_state.value if change.from_state else None,
            "reason": change.reason,
            "actor": change.actor,
            "at": change.at.strftime("%Y-%m-%d %H:%M:%S"),
        },
    )


def _envelope(username: str | None, msg_type: str, cti_message: dict[str, Any]) -> Message:
    return {"username": username, "message": {"msgType": msg_type, "ctiMessage": cti_message}}


def _user_config(state: PhoneState) -> Message:
    """A user's DND and forwards, as xuc's UserConfigUpdate names them."""
    unc, na, busy = (state.forward(kind) for kind in _FORWARD_ORDER)
    return _envelope(
        state.username,
        "UserConfigUpdate",
        {
            "dndEnabled": state.dnd,
            "uncFwdEnabled": unc.enabled,
            "uncFwdDestination": unc.destination,
            "naFwdEnabled": na.enabled,
            "naFwdDestination": na.destination,
            "busyFwdEnabled": busy.enabled,
            "busyFwdDestination": busy.destination,
            "lineNumber": state.line,
        },
    )


def _agent_state(session: AgentSession, *, logged_in: bool) -> Message:
    """An agent's state, as xuc's AgentStateEvent names it."""
    return _envelope(
        session.username,
        "AgentStateEvent",
        {
            "name": _AGENT_STATES[(logged_in, session.paused)],
            "agentId": session.agent_id,
            "agentNumber": session.agent_number,
            "phoneNb": session.phone_number,
            "since": session.since.strftime("%Y-%m-%d %H:%M:%S"),
        },
    )


def _phone_event(fact: CallStepped) -> Message:
    """A PhoneEvent exactly as the xuc document shows it."""
    call = fact.call
    outgoing = fact.username == call.src_username and fact.line == call.src_number
    linked_id = _channel_id(call.id, call.start, 0)
    user_data: dict[str, Any] = {"XIVO_USERID": call.src_username or ""}
    if call.queue_id is not None:
        user_data["XIVO_QUEUEID"] = str(call.queue_id)
    if call.caller_id_name:
        user_data["XIVO_CALLERIDNAME"] = call.caller_id_name
    user_data.update({str(k): v for k, v in call.variables.items()})
    return _envelope(
        fact.username,
        "PhoneEvent",
        {
            "eventType": _CALL_EVENTS[fact.step],
            "DN": fact.line,
            "otherDN": call.dst_number if outgoing else call.src_number,
            "linkedId": linked_id,
            "uniqueId": linked_id if outgoing else _channel_id(call.id, call.start, 1),
            "userData": user_data,
        },
    )


def _channel_id(call_id: str, start: datetime, channel: int) -> str:
    """Return an Asterisk-style channel id ("<epoch>.<sequence>"), stable for a call."""
    sequence = int(call_id.replace("-", "")[:5], 16) * 2 + channel
    return f"{int(start.timestamp())}.{sequence}"


_CALL_EVENTS = {
    CallStep.DIALING: "EventDialing",
    CallStep.RINGING: "EventRinging",
    CallStep.ESTABLISHED: "EventEstablished",
    CallStep.RELEASED: "EventReleased",
}
_AGENT_STATES = {
    (True, False): "AgentReady",
    (True, True): "AgentOnPause",
    (False, False): "AgentLoggedOut",
    (False, True): "AgentLoggedOut",
}
_FORWARD_ORDER = (ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER, ForwardKind.BUSY)
