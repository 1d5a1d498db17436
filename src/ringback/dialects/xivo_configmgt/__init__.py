"""The XiVO config-mgt dialect: `/configmgt/api/1.0/...`, JSON in the document's shapes.

`build(services, settings)` returns the sub-application mounted at PREFIX. Every answer, error
or not, is JSON; errors are `{"error": "<Id>", "message": "..."}` (errors.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ringback.dialects.bodies import read_capped
from ringback.dialects.xivo_configmgt import auth, errors, routes, wire
from ringback.services.ports import Clock
from ringback.services.xivo_agent import XivoAgentService
from ringback.services.xivo_configmgt import XivoConfigMgtService
from ringback.services.xivo_dissuasion import XivoDissuasionService, directory_sound_files
from ringback.services.xivo_ports import XivoStore
from ringback.settings import Settings

PREFIX = "/configmgt/api/1.0"


@dataclass
class XivoServices:
    """The use cases behind the dialect."""

    configmgt: XivoConfigMgtService
    agent: XivoAgentService
    dissuasion: XivoDissuasionService


def build_services(store: XivoStore, clock: Clock, settings: Settings) -> XivoServices:
    """Wire the XiVO use cases to the store, with the dissuasion settings."""
    sound_files = directory_sound_files(Path(settings.xivo_sounds_dir))
    return XivoServices(
        configmgt=XivoConfigMgtService(store, clock),
        agent=XivoAgentService(store, clock),
        dissuasion=XivoDissuasionService(
            store, sound_files, settings.xivo_default_dissuasion_queue
        ),
    )


def build(services: Any, settings: Settings) -> ASGIApp:
    """Return the config-mgt application for `services`."""
    app = FastAPI(title="ringback XiVO config-mgt dialect", docs_url=None, redoc_url=None)
    # an unknown path or method answers in the dialect's shape too, not FastAPI's {"detail"}
    app.add_exception_handler(HTTPException, _routing_error)  # type: ignore[arg-type]
    handlers = routes.Handlers(services, settings)
    for method, path, handler in handlers.table():
        app.add_api_route(
            path, _endpoint(services, settings, handler), methods=[method], name=handler.__name__
        )
    return CollapseSlashes(app)


def _endpoint(services: Any, settings: Settings, handler: routes.Handler) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            body = await _capped_body(request, settings.max_body_bytes)
            call = routes.Call(
                actor=lambda: auth.principal(request.headers, services.users),
                body=body,
                path=dict(request.path_params),
                query=request.query_params,
            )
            return await run_in_threadpool(handler, call)
        except Exception as exc:  # the one place every error becomes the document's shape
            return errors.response(exc)

    return endpoint


async def _capped_body(request: Request, limit: int) -> bytes:
    """Read the body; one sent without Content-Length (chunked) is stopped past `limit` too."""
    body = await read_capped(request, limit)
    if len(body) > limit:
        raise wire.TooLarge(f"the body exceeds {limit} bytes", field="body")
    return body


ROUTING_ERRORS = {404: "NotFound", 405: "MethodNotAllowed"}


async def _routing_error(request: Request, exc: HTTPException) -> JSONResponse:
    error_id = ROUTING_ERRORS.get(exc.status_code, "InvalidRequest")
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return JSONResponse(errors.body(error_id, message), exc.status_code, headers=exc.headers)


class CollapseSlashes:
    """Serve `/1.0//callback_lists` (the document's own curl) as `/1.0/callback_lists`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = dict(scope)
            scope["path"] = re.sub("/{2,}", "/", scope["path"])
            scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)
