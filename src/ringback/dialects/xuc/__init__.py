"""The XiVO xuc REST dialect, 2.0 APIs: authentication, personal contacts, qualifications, mobile.

`build_all(services, settings)` returns the applications to mount: the 2.0 API at
`/xuc/api/2.0`, and at `/xuc/api/api/2.0` the qualification CSV export, whose path the document
writes with a double `api`. `/xuc/api/1.0` (deprecated APIs) is served by another package.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.dialects.xuc import auth, contacts, mobile, qualifications
from ringback.dialects.xuc.auth import SsoConfig
from ringback.dialects.xuc.errors import XucError, part_of, response, translate
from ringback.dialects.xuc.jwks import JwksCache
from ringback.domain.errors import RingbackError
from ringback.domain.hours import zone
from ringback.services.contacts import ContactService
from ringback.services.ports import Clock, Store
from ringback.services.qualifications import QualificationService
from ringback.services.throttle import LoginLimits
from ringback.services.users import UserService
from ringback.services.xuc_auth import OidcPolicy, XucAuthService
from ringback.settings import Settings

__all__ = ["ContactService", "QualificationService", "XucAuthService", "auth_service", "build_all"]

PREFIX = "/xuc/api/2.0"
DOUBLE_API_PREFIX = "/xuc/api/api/2.0"


def auth_service(
    settings: Settings, store: Store, clock: Clock, users: UserService
) -> XucAuthService:
    """Return the xuc session service configured by `settings`."""
    secret = settings.xuc_jwt_secret.get_secret_value() if settings.xuc_jwt_secret else None
    limits = LoginLimits(
        per_account=settings.xuc_login_failures_per_account,
        per_address=settings.xuc_login_failures_per_address,
        window=timedelta(seconds=settings.xuc_login_failure_window_seconds),
    )
    return XucAuthService(
        store, clock, users, ttl=timedelta(seconds=settings.xuc_token_ttl_seconds),
        secret=secret, oidc=_oidc_policy(settings), limits=limits,
    )  # fmt: skip


def _oidc_policy(settings: Settings) -> OidcPolicy | None:
    if not settings.xuc_oidc_enabled:
        return None
    if not (settings.xuc_oidc_issuer and settings.xuc_oidc_audience):
        raise ValueError("xuc_oidc_enabled needs xuc_oidc_issuer and xuc_oidc_audience")
    if not (settings.xuc_oidc_jwks_url or settings.xuc_oidc_public_key):
        raise ValueError("xuc_oidc_enabled needs xuc_oidc_jwks_url or xuc_oidc_public_key")
    return OidcPolicy(
        issuer=settings.xuc_oidc_issuer,
        audience=settings.xuc_oidc_audience,
        login_claim=settings.xuc_oidc_login_claim,
        leeway_seconds=settings.xuc_oidc_leeway_seconds,
    )


def _sso_config(settings: Settings) -> SsoConfig:
    keys: JwksCache | str | None = None
    if settings.xuc_oidc_enabled:
        keys = settings.xuc_oidc_public_key or JwksCache(
            str(settings.xuc_oidc_jwks_url), settings.xuc_oidc_jwks_cache_seconds
        )
    return SsoConfig(
        oidc_keys=keys,
        cas_server_url=settings.xuc_cas_server_url,
        proxy_header=settings.xuc_sso_header if settings.xuc_sso_enabled else None,
        proxies=frozenset(settings.xuc_sso_proxies),
    )


def build_all(services: Any, settings: Settings) -> dict[str, FastAPI]:
    """Return the applications to mount, by prefix."""
    main = _app(services, settings)
    for router in (auth.router, contacts.router, qualifications.router, mobile.router):
        main.include_router(router)
    double = _app(services, settings)
    double.add_api_route(
        "/call_qualification/csv/{queue_id}/{start}/{end}", qualifications.export_answers
    )
    return {PREFIX: main, DOUBLE_API_PREFIX: double}


def _app(services: Any, settings: Settings) -> FastAPI:
    app = FastAPI(
        title="ringback xuc 2.0 dialect",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        max_body_size=settings.max_body_bytes,
    )
    app.state.services = services
    app.state.zone = zone(settings.timezone)
    app.state.sso = _sso_config(settings)

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        path: str = request.scope.get("path", "")
        return response(translate(part_of(path[len(_root(request)) :]), exc))

    # Each kind is named: Starlette's handler of bare Exception answers, then re-raises.
    for kind in (XucError, RingbackError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, on_error)
    app.add_exception_handler(Exception, on_error)
    return app


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    path: str = request.scope.get("path", "")
    return root if path.startswith(root) else ""
