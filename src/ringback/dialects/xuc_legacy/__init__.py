"""The deprecated xuc 1.0 APIs: phone control and call history at `/xuc/api/1.0/...`.

As the xuc document says, they answer only clients whose address is listed (here in the
setting `deprecated_api_hosts`, xuc's DEPRECATED_API_HOST); anyone else gets a 403 in the
document's error shape. `build(services, settings)` returns an application answering below
PREFIX, mounted there by bootstrap or served alone on xuc's port.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ringback.dialects.bodies import read_capped
from ringback.dialects.xuc_legacy import errors, handlers
from ringback.dialects.xuc_legacy.errors import XucError
from ringback.dialects.xuc_legacy.wire import MAX_BODY_BYTES, Target
from ringback.domain.hours import zone
from ringback.services.phones import PhoneService
from ringback.settings import Settings

__all__ = ["PREFIX", "PhoneService", "build"]

PREFIX = "/xuc/api/1.0"
VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def build(services: Any, settings: Settings) -> FastAPI:
    """Return the xuc 1.0 application on `services`, open to `settings.deprecated_api_hosts`."""
    app = FastAPI(title="ringback xuc 1.0 dialect", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.redirect_slashes = False  # a POST redirected for a slash is a POST lost
    allowed = frozenset(settings.deprecated_api_hosts)
    local_zone = zone(settings.timezone)

    async def serve(request: Request) -> Response:
        try:
            _check_host(request, allowed)
            method = _method(request)
            call = handlers.Request(
                target=Target.of(request.path_params.get("rest", "")),
                body=await _body(request),
                query=dict(request.query_params),
                phones=services.phones,
                zone=local_zone,
            )
            result = await run_in_threadpool(method.handler, call)
        except Exception as exc:  # the one place every error takes the document's shape
            return errors.response(exc)
        return Response(status_code=200) if result is None else JSONResponse(result)

    app.add_route("/{method}/{rest:path}", serve, methods=VERBS, include_in_schema=False)
    app.add_route("/{method}", serve, methods=VERBS, include_in_schema=False)
    return app


def _check_host(request: Request, allowed: frozenset[str]) -> None:
    host = request.client.host if request.client else ""
    if host not in allowed:
        raise XucError(
            403,
            "DeprecatedApiNotAllowed",
            f"the deprecated 1.0 APIs are not enabled for {host or 'this client'}",
        )


def _method(request: Request) -> handlers.Method:
    name = request.path_params["method"]
    method = handlers.METHODS.get(name)
    if method is None:
        raise XucError(404, "UnknownMethod", f"no 1.0 method named {name!r}")
    if request.method != method.verb:
        raise XucError(405, "MethodNotAllowed", f"{name} answers {method.verb} only")
    return method


async def _body(request: Request) -> bytes:
    """Read the body, stopping past the limit (wire.Body refuses it)."""
    return await read_capped(request, MAX_BODY_BYTES)
