"""The Genesys GMS Callback Services dialect, under `/genesys/1`, answering JSON.

`build(services, settings)` returns the application of the paths below PREFIX, which the
composition root mounts at PREFIX. Every handler parses, calls one GmsService use case and
renders; every error becomes the operation's own `{"message", "exception"}` body (errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.dialects.bodies import read_capped
from ringback.dialects.gms import auth, wire
from ringback.dialects.gms.errors import BodyTooLarge, Operation, answer, http_error
from ringback.dialects.gms.service import ADMIN_MAX, Started
from ringback.domain import errors as domain_errors
from ringback.domain.people import Principal
from ringback.settings import Settings

PREFIX = "/genesys/1"
CALLBACK = "/service/callback/{service}"
#: the keys of a start request that are not attached data
START_KEYS = ("_customer_number", "_desired_time")
IMMEDIATE_TEXT = "You will receive the call shortly"
DEFERRED_TEXT = "You will receive the call when the office opens"

Work = Callable[[Principal, "Body"], Response]


def build(services: Any, settings: Settings) -> FastAPI:
    """Return the GMS application for `services` (paths below PREFIX)."""
    app = FastAPI(
        title="ringback Genesys GMS dialect", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.add_exception_handler(StarletteHTTPException, http_error)
    serve = _Server(services, settings)

    @app.post(CALLBACK, include_in_schema=False)
    async def start(request: Request, service: str) -> Response:
        return await serve(request, Operation.START, partial(_start, services, service))

    @app.get(CALLBACK, include_in_schema=False)
    async def query(request: Request, service: str) -> Response:
        params = request.query_params
        number = params.get("customer_number") or params.get("_customer_number") or ""
        return await serve(request, Operation.QUERY, partial(_query, services, service, number))

    @app.get(f"{CALLBACK}/availability", include_in_schema=False)
    async def availability(request: Request, service: str) -> Response:
        at = request.query_params.get("timestamp")
        work = partial(_availability, services, service, at)
        return await serve(request, Operation.AVAILABILITY, work)

    @app.delete(f"{CALLBACK}/{{request_id}}", include_in_schema=False)
    async def cancel(request: Request, service: str, request_id: str) -> Response:
        work = partial(_cancel, services, service, request_id)
        return await serve(request, Operation.CANCEL, work)

    @app.put(f"{CALLBACK}/{{request_id}}", include_in_schema=False)
    async def reschedule(request: Request, service: str, request_id: str) -> Response:
        work = partial(_reschedule, services, service, request_id)
        return await serve(request, Operation.RESCHEDULE, work)

    @app.get("/admin/callback/queues", include_in_schema=False)
    async def queues(request: Request) -> Response:
        work = partial(_queues, services, dict(request.query_params))
        return await serve(request, Operation.ADMIN, work)

    return app


@dataclass(frozen=True, slots=True)
class Body:
    """A request's body and how it says it is encoded."""

    raw: bytes
    content_type: str

    def fields(self) -> dict[str, Any]:
        """Return the body's keys (JSON object or form)."""
        return wire.fields(self.raw, self.content_type)


class _Server:
    """Reads the body, authenticates the caller, and turns every error into the answer."""

    def __init__(self, services: Any, settings: Settings) -> None:
        self._users = services.users
        self._trusted = frozenset(settings.trusted_hosts)
        self._max_body = settings.max_body_bytes

    async def __call__(self, request: Request, operation: Operation, work: Work) -> Response:
        try:
            body = Body(await self._body(request), request.headers.get("content-type", ""))
            actor = await run_in_threadpool(self._actor, request)
            return await run_in_threadpool(work, actor, body)
        except Exception as exc:  # the one place every error becomes a GMS error body
            return answer(operation, exc)

    def _actor(self, request: Request) -> Principal:
        host = request.client.host if request.client else None
        authorization = request.headers.get("authorization")
        return auth.principal(authorization, host, self._users, self._trusted)

    async def _body(self, request: Request) -> bytes:
        body = await read_capped(request, self._max_body)
        if len(body) > self._max_body:
            raise BodyTooLarge(f"the body is larger than {self._max_body} bytes")
        return body


def _start(services: Any, service: str, actor: Principal, body: Body) -> Response:
    values = body.fields()
    number = wire.text(values, "_customer_number")
    if not number or not number.strip():
        raise domain_errors.Invalid("_customer_number is required", field="_customer_number")
    desired = wire.instant(wire.text(values, "_desired_time"), "_desired_time")
    properties = {key: value for key, value in values.items() if key not in START_KEYS}
    started: Started = services.gms.start(actor, service, number, desired, properties)
    return JSONResponse(_started(started))


def _started(started: Started) -> dict[str, Any]:
    request_id = str(started.callback.id)
    if not started.immediate:
        return {"_id": request_id}
    callback = started.callback
    deferred = callback.next_action_at != callback.created_at  # out of hours: at the opening
    text = DEFERRED_TEXT if deferred else IMMEDIATE_TEXT
    return {
        "ID": "0",
        "Action": "ConfirmationDialog",
        "Text": text,
        "OkTitle": "Ok",
        "_id": request_id,
    }


def _query(services: Any, service: str, number: str, actor: Principal, _: Body) -> Response:
    if not number.strip():
        raise domain_errors.Invalid("customer_number is required", field="customer_number")
    found = services.gms.outstanding(actor, service, number)
    return JSONResponse([wire.outstanding_item(service, callback) for callback in found])


def _availability(
    services: Any, service: str, at: str | None, actor: Principal, _: Body
) -> Response:
    room = services.gms.availability(actor, service, wire.instant(at, "timestamp"))
    return JSONResponse(wire.slots(room))


def _cancel(services: Any, service: str, request_id: str, actor: Principal, _: Body) -> Response:
    services.gms.cancel(actor, service, request_id)
    return Response(status_code=200)


def _reschedule(
    services: Any, service: str, request_id: str, actor: Principal, body: Body
) -> Response:
    values = body.fields()
    desired = wire.instant(wire.text(values, "_new_desired_time"), "_new_desired_time")
    if desired is None:
        raise domain_errors.Invalid("_new_desired_time is required", field="_new_desired_time")
    services.gms.reschedule(actor, service, request_id, desired)
    return Response(status_code=200)


def _queues(services: Any, params: dict[str, str], actor: Principal, _: Body) -> Response:
    end = wire.instant(params.get("end_time"), "end_time")
    found = services.gms.queued(actor, params.get("target") or None, end, _max(params.get("max")))
    return JSONResponse({
        service: [wire.admin_item(service, callback) for callback in callbacks]
        for service, callbacks in found.items()
    })  # fmt: skip


def _max(raw: str | None) -> int:
    """The per-service limit: the GMS default 500, also its ceiling."""
    if raw is None or not raw.strip():
        return ADMIN_MAX
    if not raw.strip().isdecimal() or int(raw) < 1:  # isdigit() would let "²" through to int()
        raise domain_errors.Invalid(f"max must be a positive integer, got {raw!r}", field="max")
    return min(int(raw), ADMIN_MAX)
