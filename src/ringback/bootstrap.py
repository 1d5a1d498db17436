"""The composition root: settings -> engine -> store -> core -> dialects -> app and dispatcher.

`build_core` wires the engine's use cases to one store and one clock; `build_wings` hands that
core to every registered dialect once; `build_app` serves the native API and every wing's
routes; `build_runtime` gives the dispatcher the engine's telephony adapters and the wings'.
"""

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
from ringback.dialects.ameyo.plugin import DIALECT as AMEYO
from ringback.dialects.gms.plugin import DIALECT as GMS
from ringback.dialects.uccx.plugin import DIALECT as UCCX
from ringback.dialects.xivo_configmgt.plugin import DIALECT as XIVO_CONFIGMGT
from ringback.dialects.xuc.plugin import DIALECT as XUC
from ringback.dialects.xuc_legacy.plugin import DIALECT as XUC_LEGACY
from ringback.runtime import DispatchRuntime
from ringback.security.passwords import Argon2PasswordHasher
from ringback.services import setup
from ringback.services.agents import AgentService
from ringback.services.callbacks import CallbackService
from ringback.services.events import EventService
from ringback.services.ports import Clock
from ringback.services.qualifications import QualificationService
from ringback.services.queues import QueueService
from ringback.services.users import UserService
from ringback.services.webhooks import OutboxService, WebhookService
from ringback.settings import Settings
from ringback.store import migrate
from ringback.store.engine import build_engine
from ringback.store.transaction import SqlStore

#: every dialect this server speaks, in the order their routes are tried
DIALECTS: tuple[Dialect, ...] = (UCCX, XIVO_CONFIGMGT, XUC, XUC_LEGACY, GMS, AMEYO)


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        """Return the current instant."""
        return datetime.now(UTC)


@dataclass
class Credentials:
    """What a start generated and must print once."""

    admin_password: str | None = None
    service_token: str | None = None
    demo_password: str | None = None
    created: list[str] = field(default_factory=list)


def build_core(
    settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None
) -> Core:
    """Wire the engine's use cases to a store on `settings.database_url` (or on `engine`)."""
    engine = engine or build_engine(settings.database_url, pool_size=settings.db_pool_size)
    store = SqlStore(engine)
    clock = clock or SystemClock()
    hasher = Argon2PasswordHasher(cheap=settings.fast_password_hash)
    offer_timeout = timedelta(seconds=settings.offer_timeout_seconds)
    return Core(
        settings=settings,
        store=store,
        clock=clock,
        hasher=hasher,
        queues=QueueService(store),
        users=UserService(store, clock, hasher, timedelta(seconds=settings.token_ttl_seconds)),
        agents=AgentService(store),
        callbacks=CallbackService(store, clock, offer_timeout=offer_timeout),
        events=EventService(store),
        webhooks=WebhookService(store, clock),
        qualifications=QualificationService(store),
    )


def build_wings(core: Core, dialects: Sequence[Dialect] = DIALECTS) -> list[Wing]:
    """Build every dialect's wing on `core`, once."""
    return [dialect.build(core) for dialect in dialects]


def prepare(core: Core) -> Credentials:
    """Migrate the schema, make sure an admin and a service token exist.

    The demo's data is added afterwards, from the CLI (ringback/demo.py).
    """
    migrate.upgrade(core.store.engine)
    settings = core.settings
    if settings.demo:
        return _demo_credentials(core)
    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    token = settings.api_token.get_secret_value() if settings.api_token else None
    return Credentials(
        admin_password=setup.ensure_admin(core.store, core.clock, core.hasher, password),
        service_token=setup.ensure_service_token(core.store, token),
    )


def _demo_credentials(core: Core) -> Credentials:
    # The demo prints working credentials at every start: it sets them anew when not configured.
    settings = core.settings
    password = (
        settings.admin_password.get_secret_value()
        if settings.admin_password
        else secrets.token_urlsafe(9)
    )
    token = (
        settings.api_token.get_secret_value() if settings.api_token else secrets.token_urlsafe(32)
    )
    setup.ensure_admin(core.store, core.clock, core.hasher, password)
    setup.reset_password(core.store, core.hasher, setup.ADMIN_LOGIN, password)
    setup.ensure_service_token(core.store, token)
    return Credentials(password, token)


def build_runtime(core: Core, wings: Sequence[Wing] | None = None) -> DispatchRuntime:
    """Return a dispatcher runtime on `core`'s store and clock, with the wings' additions."""
    wings = build_wings(core) if wings is None else wings
    service = runtime.dispatch_service(core.settings, core.store, core.clock)
    outbox = OutboxService(core.store, core.clock)
    return DispatchRuntime(core.settings, service, core.callbacks, outbox, wings)


def build_app(core: Core, wings: Sequence[Wing] | None = None) -> FastAPI:
    """Return the ASGI application serving every prefix, with its dispatcher if enabled."""
    built = build_wings(core) if wings is None else list(wings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not core.settings.dispatcher:
            yield
            return
        dispatch = build_runtime(core, built)
        await dispatch.start()
        app.state.dispatch = dispatch
        app.state.dispatcher_stats = dispatch.dispatcher.stats
        try:
            yield
        finally:
            await dispatch.stop()

    app = create_app(core, max_body_bytes=core.settings.max_body_bytes, lifespan=lifespan)
    for wing in built:
        app.router.routes.extend(wing.routes)
    return app
