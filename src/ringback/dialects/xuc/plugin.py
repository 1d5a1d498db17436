"""Wiring of the xuc 2.0 wing: its use cases on the core, its two applications, its mounts."""

from __future__ import annotations

from datetime import timedelta

from starlette.routing import Mount

from ringback.core import Core, Wing
from ringback.dialects.xuc import http, sql
from ringback.dialects.xuc.auth import SsoConfig
from ringback.dialects.xuc.jwks import JwksCache
from ringback.dialects.xuc.service import ContactService, XucStore
from ringback.dialects.xuc.sessions import OidcPolicy, XucAuthService
from ringback.domain.hours import zone
from ringback.services.throttle import LoginLimits
from ringback.settings import Settings

PREFIX = "/xuc/api/2.0"
#: the qualification CSV export, at the path the document writes with a double `api`
DOUBLE_API_PREFIX = "/xuc/api/api/2.0"


class XucDialect:
    """The XiVO xuc REST 2.0 APIs."""

    name = "xuc"
    prefix = PREFIX

    def build(self, core: Core) -> Wing:
        """Wire the sessions and contacts to `core`; mount the API and the export's double path."""
        settings = core.settings
        store = sql.units_of_work(core)
        handlers = http.XucHandlers(
            _sessions(core, store),
            ContactService(store, core.clock),
            core.qualifications,
            sso=_sso_config(settings),
            zone=zone(settings.timezone),
        )
        limit = settings.max_body_bytes
        return Wing(
            name=self.name,
            routes=[
                Mount(PREFIX, http.app(handlers.routes(), max_body=limit)),
                Mount(DOUBLE_API_PREFIX, http.app(handlers.export_routes(), max_body=limit)),
            ],
        )


DIALECT = XucDialect()


def _sessions(core: Core, store: XucStore) -> XucAuthService:
    """Return the xuc session service, as the core's settings configure it."""
    settings = core.settings
    secret = settings.xuc_jwt_secret.get_secret_value() if settings.xuc_jwt_secret else None
    limits = LoginLimits(
        per_account=settings.xuc_login_failures_per_account,
        per_address=settings.xuc_login_failures_per_address,
        window=timedelta(seconds=settings.xuc_login_failure_window_seconds),
    )
    return XucAuthService(
        store, core.clock, core.users, ttl=timedelta(seconds=settings.xuc_token_ttl_seconds),
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
