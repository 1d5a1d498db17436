"""The Ameyo routes: one table of (methods, path, handler), one endpoint wrapper for every row.

The wrapper finds the caller (auth.py) on every route but the login, reads the body under
MAX_BODY_BYTES, runs the handler in the thread pool, and turns any exception into an Ameyo
failure through errors.py. A handler reads the wire, calls one use case and returns the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.dialects.ameyo import auth, errors, wire
from ringback.dialects.ameyo.service import AmeyoService
from ringback.dialects.bodies import read_capped
from ringback.domain.people import Principal

#: the largest body an Ameyo request may carry (a login, a filter, a callback id)
MAX_BODY_BYTES = 64 * 1024
LOGIN_PATH = "/session/userLogin"
LISTING_PATH = "/voice/customerCallbacks/getFiltered"
TENANT_PATH = "/voice/customerCallbacks/getTenantUserCallbacks"
CALLBACK_PATH = "/voice/customerCallbacks/{customerCallbackId}"

#: what a handler answers, rendered as JSON with a 200
Answer = dict[str, Any] | list[dict[str, Any]] | str


@dataclass(slots=True)
class Call:
    """One request as its handler sees it."""

    query: list[tuple[str, str]]
    path: dict[str, str]
    content_type: str
    body: bytes = b""
    #: who holds the session; None on the login route only
    actor: Principal | None = None
    #: the id a failure names (userId, campaignId, customerCallbackId), once the handler has it
    subject: str = ""

    def caller(self) -> Principal:
        """Return who calls, found by the wrapper on every route that needs a session."""
        assert self.actor is not None, "a route served without a session has no caller"
        return self.actor

    def params(self) -> wire.Params:
        """Return the query string's parameters merged with the body's."""
        # A GET body is read too: a filter sent there must apply, not be dropped without a word.
        return wire.Params.of(self.query, self.body, self.content_type)


Handler = Callable[[AmeyoService, Call], Answer]


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the routing table."""

    methods: tuple[str, ...]
    path: str
    #: the Ameyo operation, as errors.py names its failures
    operation: str
    handler: Handler
    needs_session: bool = True


def user_login(service: AmeyoService, call: Call) -> Answer:
    """Open a session for the userId and token of the body."""
    credentials = wire.login_request(call.body)
    call.subject = credentials.user_id
    return {"sessionId": service.login(credentials.user_id, credentials.token)}


def get_filtered(service: AmeyoService, call: Call) -> Answer:
    """List a page of one campaign's scheduled callbacks."""
    given = call.params()
    call.subject = given.text("campaignId") or ""
    campaign_id = wire.required_integer(given, "campaignId")
    asked = wire.listing(given)
    listed = service.campaign_callbacks(call.caller(), campaign_id, asked.wanted)
    return wire.listed_callbacks(listed, info=asked.info)


def get_tenant_user_callbacks(service: AmeyoService, call: Call) -> Answer:
    """List a page of the scheduled callbacks of every campaign the caller sees."""
    asked = wire.tenant_listing(call.params())
    listed = service.tenant_callbacks(call.caller(), asked.wanted)
    return wire.listed_callbacks(listed, info=asked.info)


def delete_customer_callback(service: AmeyoService, call: Call) -> Answer:
    """Delete (cancel) one scheduled callback."""
    callback_id = call.subject = call.path["customerCallbackId"]
    wire.check_deleted_id(call.body, callback_id)
    service.delete_callback(call.caller(), callback_id)
    return "OK"


ROUTES = (
    Route(("POST",), LOGIN_PATH, "userLogin", user_login, needs_session=False),
    Route(("GET", "POST"), LISTING_PATH, "getFiltered", get_filtered),
    Route(("GET", "POST"), TENANT_PATH, "getTenantUserCallbacks", get_tenant_user_callbacks),
    Route(("DELETE",), CALLBACK_PATH, "delete", delete_customer_callback),
)


def build_app(service: AmeyoService) -> FastAPI:
    """Return the Ameyo application, its paths relative to the prefix it is mounted at."""
    app = FastAPI(title="ringback Ameyo dialect", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(StarletteHTTPException)
    async def unknown_route(request: Request, exc: StarletteHTTPException) -> Response:
        return errors.from_route(exc.status_code, request.url.path, str(exc.detail))

    # FastAPI routes, not Starlette's: a GET route of Starlette would answer HEAD too.
    for route in ROUTES:
        endpoint = _endpoint(service, route)
        app.add_api_route(route.path, endpoint, methods=list(route.methods), name=route.operation)
    return app


def _endpoint(service: AmeyoService, route: Route) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        call = Call(request.query_params.multi_items(), dict(request.path_params), content_type)
        try:
            if route.needs_session:
                call.actor = await run_in_threadpool(auth.caller, service, request.headers)
            call.body = await _body(request)
            answer = await run_in_threadpool(route.handler, service, call)
        except Exception as exc:  # the one place an error becomes an Ameyo failure
            return errors.from_error(route.operation, exc, call.subject)
        return JSONResponse(answer)

    return endpoint


async def _body(request: Request) -> bytes:
    """Read the body, refusing one above MAX_BODY_BYTES without reading it all."""
    body = await read_capped(request, MAX_BODY_BYTES)
    if len(body) > MAX_BODY_BYTES:
        raise errors.AmeyoFailure(413, errors.TOO_LARGE, f"the body exceeds {MAX_BODY_BYTES} bytes")
    return body
