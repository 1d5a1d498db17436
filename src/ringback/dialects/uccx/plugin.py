"""Wiring of the UCCX dialect: its services on the core, its route, its telephony adapter."""

from __future__ import annotations

from starlette.routing import Route

from ringback.core import Core, Wing
from ringback.dialects.uccx import http
from ringback.dialects.uccx.csq_settings import UccxSettingsService
from ringback.dialects.uccx.service import UccxService
from ringback.domain.hours import zone
from ringback.domain.queues import TelephonyKind
from ringback.telephony.uccx import UccxTelephony

#: concurrent send-back triggers per process
MAX_CONNECTIONS = 32


class UccxDialect:
    """UCCX's Callback Server API, served at `/callbackmanagement`."""

    name = "uccx"
    prefix = http.PREFIX

    def build(self, core: Core) -> Wing:
        """Return the UCCX route, and the adapter that sends callbacks back to UCCX."""
        settings = UccxSettingsService(core.store, core.clock)
        service = UccxService(core.clock, core.queues, core.callbacks, core.users, settings)
        site = http.Site(
            service=service,
            settings=settings,
            users=core.users,
            zone=zone(core.settings.timezone),
            trusted_hosts=frozenset(core.settings.trusted_hosts),
        )
        # Every method is routed, so that a wrong one is refused by the dialect itself, in XML.
        route = Route(http.PREFIX, endpoint=http.build(site))
        # Reads the stored connection at each request: setsettings applies at once.
        adapter = UccxTelephony(
            settings.connection,
            max_connections=MAX_CONNECTIONS,
            recheck_seconds=core.settings.uccx_recheck_seconds,
        )
        return Wing(name=self.name, routes=[route], telephony={TelephonyKind.UCCX: adapter})


DIALECT = UccxDialect()
