"""The xuc 1.0 routes: the vendor dispatches on `/{method}`, so one endpoint serves every path
and finds the handler in a table keyed by the method's name.

Each handler reads the path and body with wire.py, calls one use case and returns the JSON to
answer with, or None for the document's bare 200.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.dialects.bodies import read_capped
from ringback.dialects.xuc_legacy import auth, errors, wire
from ringback.dialects.xuc_legacy.errors import XucError
from ringback.dialects.xuc_legacy.service import PhoneService, QueueDial
from ringback.dialects.xuc_legacy.wire import MAX_BODY_BYTES, Body, Target
from ringback.domain import errors as domain_errors
from ringback.services.ports import ForwardKind

VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: the two shapes of a 1.0 path: a method and what follows it (`$domain/$username/`), or alone
PATHS = ("/{method}/{rest:path}", "/{method}")


def build(phones: PhoneService, *, allowed_hosts: frozenset[str], zone: ZoneInfo) -> FastAPI:
    """Return the xuc 1.0 application on `phones`, open to the `allowed_hosts` only."""
    app = FastAPI(title="ringback xuc 1.0 dialect", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.redirect_slashes = False  # a POST redirected for a slash is a POST lost

    async def endpoint(request: Request) -> Response:
        try:
            auth.check_host(request, allowed_hosts)
            method = _method(request)
            call = MethodCall(
                target=Target.of(request.path_params.get("rest", "")),
                body=await read_capped(request, MAX_BODY_BYTES),  # wire.Body refuses a longer one
                query=dict(request.query_params),
                phones=phones,
                zone=zone,
            )
            result = await run_in_threadpool(method.handler, call)
        except Exception as exc:  # the one place every error takes the document's shape
            return errors.response(exc)
        return Response(status_code=200) if result is None else JSONResponse(result)

    for path in PATHS:
        app.add_route(path, endpoint, methods=VERBS, include_in_schema=False)
    return app


def _method(request: Request) -> Method:
    name = request.path_params["method"]
    method = METHODS.get(name)
    if method is None:
        raise XucError(404, "UnknownMethod", f"no 1.0 method named {name!r}")
    if request.method != method.verb:
        raise XucError(405, "MethodNotAllowed", f"{name} answers {method.verb} only")
    return method


@dataclass(frozen=True, slots=True)
class MethodCall:
    """What a method gets: where it points, its body and query, and the use cases."""

    target: Target
    body: bytes
    query: dict[str, str]
    phones: PhoneService
    zone: ZoneInfo

    def json(self) -> Body:
        """Return the JSON body, checked."""
        return Body(self.body)


def connect(r: MethodCall) -> None:
    """connect: check the user's password (the user's line is made ready)."""
    password = r.json().text("password", secret=True)
    try:
        username = r.target.user()
    except domain_errors.NotFound as exc:  # a name no login can have: answered as any unknown user
        raise domain_errors.Unauthenticated("invalid username or password") from exc
    r.phones.connect(username, password)


def dnd(r: MethodCall) -> None:
    """dnd: turn do-not-disturb on or off."""
    r.phones.set_dnd(r.target.user(), r.json().boolean("state"))


def dial(r: MethodCall) -> None:
    """dial: call a number (made dialable first)."""
    r.phones.dial(r.target.user(), r.json().text("number"))


def dial_by_username(r: MethodCall) -> None:
    """dialByUsername: call another user's line."""
    r.phones.dial_by_username(r.target.user(), r.json().text("username"))


def dial_from_queue(r: MethodCall) -> None:
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


def _forward(kind: ForwardKind) -> Callable[[MethodCall], None]:
    def set_forward(r: MethodCall) -> None:
        body = r.json()
        state = body.boolean("state")
        destination = body.text("destination", required=state)
        r.phones.set_forward(r.target.user(), kind, state, destination)

    set_forward.__doc__ = f"{kind.value}Forward: set the {kind.name.lower()} forward."
    return set_forward


def handshake(r: MethodCall) -> None:
    """handshake: post again the current state of the domain's users (or of one user)."""
    r.target.need_domain()
    r.phones.handshake(wire.known_shape(r.target.username) if r.target.username else None)


def agent_login(r: MethodCall) -> None:
    """agentLogin: log an agent in on a phone."""
    body = r.json()
    r.phones.agent_login(body.text("agentnumber"), body.text("agentphonenumber"))


def agent_logout(r: MethodCall) -> None:
    """agentLogout: log out the agent of a phone."""
    r.phones.agent_logout(r.json().text("phoneNumber"))


def toggle_pause(r: MethodCall) -> None:
    """togglePause: pause the agent of a phone if ready, make it ready if paused."""
    r.phones.toggle_pause(r.json().text("phoneNumber"))


def history_by_username(r: MethodCall) -> list[dict[str, Any]]:
    """historyByUsername: the user's last `size` calls, or those of the last `days` days."""
    size, days = wire.count(r.query, "size"), wire.count(r.query, "days")
    entries = r.phones.history(r.target.user(), size=size, days=days)
    return wire.history(entries, r.zone)


@dataclass(frozen=True, slots=True)
class Method:
    """A 1.0 method: its HTTP verb and its handler."""

    verb: str
    handler: Callable[[MethodCall], Any]


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
