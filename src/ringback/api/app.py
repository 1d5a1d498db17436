"""The ASGI application: the native API, health and metrics, and the dialects."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram

from ringback import __version__
from ringback.api import errors, health
from ringback.api.limits import DeclaredBodyLimit
from ringback.api.v1 import agents, auth, callbacks, events, qualifications, queues, users, webhooks
from ringback.core import Core

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_native_api(core: Core, *, max_body_bytes: int) -> FastAPI:
    """Return the /api/v1 application."""
    api = FastAPI(
        title="ringback native API",
        version=__version__,
        description="Administration, callbacks and outcomes. Errors are "
        '`{"error": "<id>", "message": "..."}`.',
        max_body_size=max_body_bytes,
    )
    api.state.core = core
    errors.install(api)
    for module in (auth, queues, users, agents, callbacks, events, webhooks, qualifications):
        api.include_router(module.router)
    return api


def create_app(
    core: Core, *, max_body_bytes: int = 1024 * 1024, lifespan: Lifespan | None = None
) -> FastAPI:
    """Return the whole application on `core` (built by ringback.bootstrap)."""
    app = FastAPI(
        title="ringback", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.core = core
    # Outermost, so that it answers before any mounted application's own limit.
    app.add_middleware(DeclaredBodyLimit, max_body_bytes=max_body_bytes)
    app.state.metrics = _metrics(app, core)
    errors.install(app)
    app.include_router(health.router)
    app.mount("/api/v1", create_native_api(core, max_body_bytes=max_body_bytes))
    return app


def _dispatcher_stats(app: FastAPI) -> dict[str, float] | None:
    stats: Callable[[], dict[str, float]] | None = getattr(app.state, "dispatcher_stats", None)
    return stats() if stats is not None else None


def _metrics(app: FastAPI, core: Core) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(health.CallbackStateCollector(core.callbacks.counts_by_state))
    # The dispatcher, when this process runs one, publishes its stats in app.state.
    registry.register(health.DispatcherCollector(lambda: _dispatcher_stats(app)))
    requests = Counter(
        "ringback_http_requests", "HTTP requests", ["method", "status"], registry=registry
    )
    latency = Histogram("ringback_http_seconds", "HTTP request latency", registry=registry)

    @app.middleware("http")
    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        latency.observe(time.perf_counter() - started)
        requests.labels(request.method, str(response.status_code)).inc()
        return response

    return registry
