"""The Ameyo wing's wiring: its service on the core, its routes below /ameyorestapi."""

from __future__ import annotations

from datetime import timedelta

from starlette.routing import Mount

from ringback.core import Core, Wing
from ringback.dialects.ameyo import http, sql
from ringback.dialects.ameyo.service import AmeyoService, SessionPolicy
from ringback.settings import Settings


class AmeyoDialect:
    """The Ameyo callback APIs (sessions, filtered listings, deletion) over the engine."""

    name = "ameyo"
    prefix = "/ameyorestapi"

    def build(self, core: Core) -> Wing:
        """Return the Ameyo wing: its use cases on `core`, served below the prefix."""
        app = http.build_app(build_service(core))
        return Wing(name=self.name, routes=[Mount(self.prefix, app)])


def build_service(core: Core) -> AmeyoService:
    """Return the Ameyo use cases on the core's store, clock, users and callbacks."""
    return AmeyoService(
        sql.units_of_work(core),
        core.clock,
        core.users,
        core.callbacks,
        session_policy(core.settings),
    )


def session_policy(settings: Settings) -> SessionPolicy:
    """Return how long Ameyo sessions live and how failed logins are limited, as configured."""
    return SessionPolicy(
        ttl=timedelta(seconds=settings.ameyo_session_ttl_seconds),
        max_failed_logins=settings.ameyo_max_failed_logins,
        lockout=timedelta(seconds=settings.ameyo_login_lockout_seconds),
    )


DIALECT = AmeyoDialect()
