"""One function per xuc 1.0 method: read the path and body, call one use case, shape the answer.

Each returns the JSON to answer with, or None for the document's bare 200.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ringback.dialects.xuc_legacy import wire
from ringback.dialects.xuc_legacy.wire import Body, Target
from ringback.domain import errors
from ringback.domain.phones import ForwardKind
from ringback.services.phones import PhoneService, QueueDial


@dataclass(frozen=True, slots=True)
class Request:
    """What a method gets: where it points, its body and query, and the use cases."""

    target: Target
    body: bytes
    query: dict[str, str]
    phones: PhoneService
    zone: ZoneInfo

    def json(self) -> Body:
        """Return the JSON body, checked."""
        return Body(self.body)


def connect(r: Request) -> None:
    """connect: check the user's password (the user's line is made ready)."""
    password = r.json().text("password", secret=True)
    try:
        username = r.target.user()
    except errors.NotFound as exc:  # a name no login can have: answered as any unknown user
        raise errors.Unauthenticated("invalid username or password") from exc
    r.phones.connect(username, password)


def dnd(r: Request) -> None:
    """dnd: turn do-not-disturb on or off."""
    r.phones.set_dnd(r.target.user(), r.json().boolean("state"))


def dial(r: Request) -> None:
    """dial: call a number (made dialable first)."""
    r.phones.dial(r.target.user(), r.json().text("number"))


def dial_by_username(r: Request) -> None:
    """dialByUsername: call another user's line."""
    r.phones.dial_by_username(r.target.user(), r.json().text("username"))


def dial_from_queue(r: Request) -> None:
    """dialFromQueue: call a destination on behalf of a queue."""
    body = r.json()
    request = QueueDial(
        destination=body.text("destination"),
        queue_id=body.integer("queueId"),
        caller_id_name=body.text("callerIdName", required=False),
        caller_id_number=body.text("callerIdNumber", required=False),
        variables=body.variables("variables"),
    )
    r.phones.dial_from_queue(r.target.user(), request)


def _forward(kind: ForwardKind) -> Callable[[Request], None]:
    def set_forward(r: Request) -> None:
        body = r.json()
        state = body.boolean("state")
        destination = body.text("destination", required=state)
        r.phones.set_forward(r.target.user(), kind, state, destination)

    set_forward.__doc__ = f"{kind.value}Forward: set the {kind.name.lower()} forward."
    return set_forward


def handshake(r: Request) -> None:
    """handshake: post again the current state of the domain's users (or of one user)."""
    r.target.need_domain()
    r.phones.handshake(wire.known_shape(r.target.username) if r.target.username else None)


def agent_login(r: Request) -> None:
    """agentLogin: log an agent in on a phone."""
    body = r.json()
    r.phones.agent_login(body.text("agentnumber"), body.text("agentphonenumber"))


def agent_logout(r: Request) -> None:
    """agentLogout: log out the agent of a phone."""
    r.phones.agent_logout(r.json().text("phoneNumber"))


def toggle_pause(r: Request) -> None:
    """togglePause: pause the agent of a phone if ready, make it ready if paused."""
    r.phones.toggle_pause(r.json().text("phoneNumber"))


def history_by_username(r: Request) -> list[dict[str, Any]]:
    """historyByUsername: the user's last `size` calls, or those of the last `days` days."""
    size, days = wire.count(r.query, "size"), wire.count(r.query, "days")
    entries = r.phones.history(r.target.user(), size=size, days=days)
    return wire.history(entries, r.zone)


@dataclass(frozen=True, slots=True)
class Method:
    """A 1.0 method: its HTTP verb and its handler."""

    verb: str
    handler: Callable[[Request], Any]


METHODS: dict[str, Method] = {
    "connect": Method("POST", connect),
    "dnd": Method("POST", dnd),
    "dial": Method("POST", dial),
    "dialByUsername": Method("POST", dial_by_username),
    "dialFromQueue": Method("POST", dial_from_queue),
    "uncForward": Method("POST", _forward(ForwardKind.UNCONDITIONAL)),
    "naForward": Method("POST", _forward(ForwardKind.NO_ANSWER)),
    "busyForward": Method("POST", _forward(ForwardKind.BUSY)),
    "handshake": Method("POST", handshake),
    "agentLogin": Method("POST", agent_login),
    "agentLogout": Method("POST", agent_logout),
    "togglePause": Method("POST", toggle_pause),
    "historyByUsername": Method("GET", history_by_username),
}
