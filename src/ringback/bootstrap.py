"""The composition root: settings -> engine -> store -> core -> dialects -> app and dispatcher."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from ringback import runtime
from ringback.api.app import create_app
from ringback.core import Core, Dialect, Wing
from ringback.dialects import ameyo, gms, uccx, xuc_legacy
from ringback.dialects import xuc as xuc_rest
from ringback.dialects.xivo_configmgt import plugin as xivo_configmgt
from ringback.runtime import DispatchRuntime
from ringback.services import setup
from ringback.services.agents import AgentService
from ringback.services.ameyo import AmeyoService, SessionPolicy
from ringback.services.callbacks import CallbackService
from ringback.services.events import EventService
from ringback.services.gms import GmsService
from ringback.services.passwords import Argon2PasswordHasher
from ringback.services.ports import Clock
from ringback.services.qualifications import QualificationService
from ringback.services.queues import QueueService
from ringback.services.uccx import UccxService
from ringback.services.users import UserService
from ringback.services.webhooks import OutboxService, WebhookService
from ringback.settings import Settings
from ringback.store import migrate
from ringback.store.engine import build_engine
from ringback.store.transaction import SqlStore

#: every dialect this server speaks, in the order their routes are tried
DIALECTS: tuple[Dialect, ...] = (xivo_configmgt.DIALECT,)


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        """Return the current instant."""
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services(Core):
    """The core, and the services of the dialects not yet in a wing of their own."""

    uccx: UccxService
    xuc_auth: xuc_rest.XucAuthService
    contacts: xuc_rest.ContactService
    phones: xuc_legacy.PhoneService
    gms: GmsService
    ameyo: AmeyoService


@dataclass
class Credentials:
    """What a start generated and must print once."""

    admin_password: str | None = None
    service_token: str | None = None
    demo_password: str | None = None
    created: list[str] = field(default_factory=list)


def build_services(
    settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None
) -> Services:
    """Wire the use cases to a store on `settings.database_url` (or on `engine`)."""
    engine = engine or build_engine(settings.database_url, pool_size=settings.db_pool_size)
    store = SqlStore(engine)
    clock = clock or SystemClock()
    hasher = Argon2PasswordHasher(cheap=settings.fast_password_hash)
    users = UserService(store, clock, hasher, timedelta(seconds=settings.token_ttl_seconds))
    callbacks = CallbackService(
        store, clock, offer_timeout=timedelta(seconds=settings.offer_timeout_seconds)
    )
    uccx_service = UccxService(
        store, clock, callbacks, users, offer_timeout_seconds=settings.offer_timeout_seconds
    )
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        hasher=hasher,
        queues=QueueService(store),
        users=users,
        agents=AgentService(store),
        callbacks=callbacks,
        events=EventService(store),
        webhooks=WebhookService(store, clock),
        qualifications=QualificationService(store),
        uccx=uccx_service,
        xuc_auth=xuc_rest.auth_service(settings, store, clock, users),
        contacts=xuc_rest.ContactService(store, clock),
        phones=runtime.phone_service(settings, store, clock, users),
        gms=GmsService(store, clock, callbacks),
        ameyo=AmeyoService(
            store,
            clock,
            users,
            callbacks,
            SessionPolicy(
                ttl=timedelta(seconds=settings.ameyo_session_ttl_seconds),
                max_failed_logins=settings.ameyo_max_failed_logins,
                lockout=timedelta(seconds=settings.ameyo_login_lockout_seconds),
            ),
        ),
    )


def build_wings(core: Core, dialects: Sequence[Dialect] = DIALECTS) -> list[Wing]:
    """Build every dialect's wing on `core`, once."""
    return [dialect.build(core) for dialect in dialects]


def prepare(settings: Settings, services: Services) -> Credentials:
    """Migrate the schema, make sure an admin and a service token exist.

    The demo's data is added afterwards, from the CLI (ringback/demo.py).
    """
    migrate.upgrade(services.store.engine)
    if settings.demo:
        return _demo_credentials(settings, services)
    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    token = settings.api_token.get_secret_value() if settings.api_token else None
    return Credentials(
        admin_password=setup.ensure_admin(
            services.store, services.clock, services.hasher, password
        ),
        service_token=setup.ensure_service_token(services.store, token),
    )


def _demo_credentials(settings: Settings, services: Services) -> Credentials:
    # The demo prints working credentials at every start: it sets them anew when not configured.
    password = (
        settings.admin_password.get_secret_value()
        if settings.admin_password
        else secrets.token_urlsafe(9)
    )
    token = (
        settings.api_token.get_secret_value() if settings.api_token else secrets.token_urlsafe(32)
    )
    setup.ensure_admin(services.store, services.clock, services.hasher, password)
    setup.reset_password(services.store, services.hasher, setup.ADMIN_LOGIN, password)
    setup.ensure_service_token(services.store, token)
    return Credentials(password, token)


def build_runtime(
    settings: Settings, services: Services, wings: Sequence[Wing] = ()
) -> DispatchRuntime:
    """Return a dispatcher runtime on `services`' store and clock, with the wings' additions."""
    service = runtime.dispatch_service(settings, services.store, services.clock)
    outbox = OutboxService(services.store, services.clock)
    return DispatchRuntime(settings, service, services.callbacks, outbox, services.uccx, wings)


def build_app(
    settings: Settings, services: Services, wings: Sequence[Wing] | None = None
) -> FastAPI:
    """Return the ASGI application serving every prefix, with its dispatcher if enabled."""
    built = build_wings(services) if wings is None else list(wings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.dispatcher:
            yield
            return
        dispatch = build_runtime(settings, services, built)
        await dispatch.start()
        app.state.dispatch = dispatch
        app.state.dispatcher_stats = dispatch.dispatcher.stats
        try:
            yield
        finally:
            await dispatch.stop()

    app = create_app(services, max_body_bytes=settings.max_body_bytes, lifespan=lifespan)
    for wing in built:
        app.router.routes.extend(wing.routes)
    _mount_legacy(app, settings, services)
    return app


def _mount_legacy(app: FastAPI, settings: Settings, services: Services) -> None:
    """Serve the dialects not yet in a wing of their own."""
    app.router.routes.append(uccx.route(services, settings))
    for prefix, xuc_app in xuc_rest.build_all(services, settings).items():
        app.mount(prefix, xuc_app)
    app.mount(xuc_legacy.PREFIX, xuc_legacy.build(services, settings))
    app.mount(gms.PREFIX, gms.build(services, settings))
    app.mount(ameyo.PREFIX, ameyo.build(services, settings))
