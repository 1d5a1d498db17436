"""The GMS routes: one table of operations, registered in one loop behind one endpoint wrapper.

The wrapper reads the body under its cap, finds the caller, runs the handler in the thread pool
and turns any error into the operation's `{"message", "exception"}` body (errors.py). Each
handler parses with wire.py, calls one GmsService use case and renders with wire.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.dialects.bodies import read_capped
from ringback.dialects.gms import auth, errors, wire
from ringback.dialects.gms.errors import Operation
from ringback.dialects.gms.service import GmsService
from ringback.domain.people import Principal
from ringback.services.users import UserService

CALLBACK = "/service/callback/{service}"
REQUEST = f"{CALLBACK}/{{request_id}}"
ADMIN = "/admin/callback/queues"


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP call as a handler sees it: who calls, the path and query, the body."""

    actor: Principal
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    content_type: str

    def fields(self) -> dict[str, Any]:
        """Return the body's keys (JSON object or form)."""
        return wire.fields(self.body, self.content_type)


Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def build(
    gms: GmsService,
    users: UserService,
    *,
    trusted_hosts: Collection[str],
    max_body_bytes: int,
) -> FastAPI:
    """Return the GMS application (its paths relative to where it is mounted)."""
    app = FastAPI(
        title="ringback Genesys GMS dialect", docs_url=None, redoc_url=None, openapi_url=None
    )
    # an unknown path or method answers in the dialect's shape too, not FastAPI's {"detail"}
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    wrap = _Wrapper(users, frozenset(trusted_hosts), max_body_bytes)
    for method, path, operation, handler in Handlers(gms).table():
        app.add_api_route(
            path,
            wrap(operation, handler),
            methods=[method],
            name=handler.__name__,
            include_in_schema=False,
        )
    return app


class Handlers:
    """Every GMS operation, bound to the service."""

    def __init__(self, gms: GmsService) -> None:
        self.gms = gms

    def table(self) -> list[tuple[str, str, Operation, Handler]]:
        """Return (method, path, operation, handler), in the order the paths are tried."""
        return [
            ("POST", CALLBACK, Operation.START, self.start),
            ("GET", CALLBACK, Operation.QUERY, self.query),
            ("GET", f"{CALLBACK}/availability", Operation.AVAILABILITY, self.availability),
            ("DELETE", REQUEST, Operation.CANCEL, self.cancel),
            ("PUT", REQUEST, Operation.RESCHEDULE, self.reschedule),
            ("GET", ADMIN, Operation.ADMIN, self.queues),
        ]

    def start(self, call: Call) -> Response:
        values = call.fields()
        number = wire.customer_number(values)
        desired = wire.instant(wire.text(values, "_desired_time"), "_desired_time")
        service = call.path["service"]
        started = self.gms.start(call.actor, service, number, desired, wire.properties(values))
        return JSONResponse(wire.started(started.callback, immediate=started.immediate))

    def query(self, call: Call) -> Response:
        service = call.path["service"]
        found = self.gms.outstanding(call.actor, service, wire.queried_number(call.query))
        return JSONResponse([wire.outstanding_item(service, callback) for callback in found])

    def availability(self, call: Call) -> Response:
        at = wire.instant(call.query.get("timestamp"), "timestamp")
        return JSONResponse(wire.slots(self.gms.availability(call.actor, call.path["service"], at)))

    def cancel(self, call: Call) -> Response:
        self.gms.cancel(call.actor, call.path["service"], call.path["request_id"])
        return Response(status_code=200)

    def reschedule(self, call: Call) -> Response:
        desired = wire.new_desired_time(call.fields())
        path = call.path
        self.gms.reschedule(call.actor, path["service"], path["request_id"], desired)
        return Response(status_code=200)

    def queues(self, call: Call) -> Response:
        end = wire.instant(call.query.get("end_time"), "end_time")
        target, limit = call.query.get("target") or None, wire.admin_max(call.query.get("max"))
        found = self.gms.queued(call.actor, target, end, limit)
        return JSONResponse(wire.admin_queues(found))


class _Wrapper:
    """Makes each handler an endpoint: body, caller, thread pool, and every error answered."""

    def __init__(self, users: UserService, trusted_hosts: frozenset[str], max_body: int) -> None:
        self._users = users
        self._trusted = trusted_hosts
        self._max_body = max_body

    def __call__(self, operation: Operation, handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                body = await self._body(request)
                actor = await run_in_threadpool(auth.caller, request, self._users, self._trusted)
                call = Call(
                    actor=actor,
                    path=request.path_params,
                    query=request.query_params,
                    body=body,
                    content_type=request.headers.get("content-type", ""),
                )
                return await run_in_threadpool(handler, call)
            except Exception as exc:  # the one place every error becomes a GMS error body
                return errors.answer(operation, exc)

        return endpoint

    async def _body(self, request: Request) -> bytes:
        body = await read_capped(request, self._max_body)
        if len(body) > self._max_body:
            raise errors.BodyTooLarge(f"the body is larger than {self._max_body} bytes")
        return body
