"""The UCCX Callback Server dialect: `/callbackmanagement?operation=...`, answering XML.

`build(services, settings)` returns a sub-application answering at PREFIX itself, so that it can
be served alone (the vendor's own port) or routed to from the main application. It is routed,
not mounted: a Starlette mount answers `/callbackmanagement?...` with a redirect to
`/callbackmanagement/?...`, which UCCX scripts do not follow.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from ringback.dialects.bodies import read_capped
from ringback.dialects.uccx import auth, errors, handlers
from ringback.dialects.uccx.settings_xml import MAX_SETTINGS_BYTES
from ringback.dialects.uccx.wire import MEDIA_TYPE, Params, Reply, render
from ringback.domain import errors as domain_errors
from ringback.domain.hours import zone
from ringback.domain.people import Principal
from ringback.settings import Settings

PREFIX = "/callbackmanagement"
FORM = "application/x-www-form-urlencoded"
METHODS = ["GET", "POST"]


def route(services: Any, settings: Settings) -> Route:
    """Return the route that sends PREFIX of the main application to the UCCX application.

    Every method is routed, so that a wrong one is refused by the dialect itself, in XML.
    """
    return Route(PREFIX, endpoint=build(services, settings))


def build(services: Any, settings: Settings) -> FastAPI:
    """Return the UCCX application for `services`, showing dates in `settings.timezone`."""
    app = FastAPI(title="ringback UCCX dialect", docs_url=None, redoc_url=None, openapi_url=None)
    local_zone = zone(settings.timezone)
    trusted = frozenset(settings.trusted_hosts)

    @app.exception_handler(StarletteHTTPException)
    async def refused_by_routing(request: Request, exc: StarletteHTTPException) -> Response:
        """A wrong method (or path, when served alone) gets Code -1 XML, not a JSON body."""
        operation = request.query_params.get("operation", "").lower()
        description = f"{request.method} {request.url.path}: {exc.detail}"
        if exc.status_code == 405:
            description = f"method {request.method} is not allowed; use GET or POST"
        reply = errors.failure(operation, description, exc.status_code)
        headers = {"Allow": ", ".join(METHODS)} if exc.status_code == 405 else None
        return Response(
            render(reply), status_code=exc.status_code, media_type=MEDIA_TYPE, headers=headers
        )

    @app.api_route(PREFIX, methods=METHODS, include_in_schema=False)
    async def callbackmanagement(request: Request) -> Response:
        body = await _body(request)
        operation = request.query_params.get("operation", "")
        try:
            if len(body) > MAX_SETTINGS_BYTES:  # only its start was read: refuse, never half-read
                raise domain_errors.Invalid(f"the body exceeds {MAX_SETTINGS_BYTES} bytes")
            content_type = request.headers.get("content-type", "").lower()  # case-insensitive
            form = body if content_type.startswith(FORM) else None
            params = Params.of(request.query_params.multi_items(), form)
            operation = params.get("operation").strip().lower()
            reply = await run_in_threadpool(
                _serve, services, request, params, body, local_zone, trusted
            )
        except Exception as exc:  # the one place every error becomes Code -1
            reply = errors.from_error(operation.lower(), exc)
        return _response(reply)

    return app


async def _body(request: Request) -> bytes:
    """Read the body up to the settings limit (a bigger one is refused by setsettings)."""
    return await read_capped(request, MAX_SETTINGS_BYTES)


def _serve(
    services: Any,
    request: Request,
    params: Params,
    body: bytes,
    local_zone: ZoneInfo,
    trusted: frozenset[str],
) -> Reply:
    """Authenticate the caller (unless the operation carries its own credential) and serve."""
    operation = params.get("operation").strip().lower()
    if not operation:
        raise domain_errors.Invalid("operation is required", field="operation")
    handler = handlers.OPERATIONS.get(operation)
    if handler is None:
        raise domain_errors.Invalid(f"unknown operation {params.get('operation')!r}")
    host = request.client.host if request.client else None
    if operation in handlers.OPEN_OPERATIONS:
        caller = _nobody
    else:
        actor = auth.principal(request.headers.get("authorization"), host, services.users, trusted)
        caller = lambda: actor  # noqa: E731
    return handler(handlers.Request(caller, params, body, services.uccx, local_zone, host or ""))


def _nobody() -> Principal:
    raise domain_errors.Unauthenticated("authentication required")


def _response(reply: Reply) -> Response:
    headers = {"WWW-Authenticate": errors.CHALLENGE} if reply.status == 401 else None
    return Response(render(reply), status_code=reply.status, media_type=MEDIA_TYPE, headers=headers)
