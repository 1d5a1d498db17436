"""The GMS wing's wiring: its service on the Core, its application mounted at its prefix."""

from __future__ import annotations

from starlette.routing import Mount

from ringback.core import Core, Wing
from ringback.dialects.gms import http
from ringback.dialects.gms.service import GmsService


def service(core: Core) -> GmsService:
    """Return the GMS use cases on the Core's clock, queues and callbacks."""
    return GmsService(core.clock, core.queues, core.callbacks)


class GmsDialect:
    """Genesys GMS Callback Services, under /genesys/1."""

    name = "gms"
    prefix = "/genesys/1"

    def build(self, core: Core) -> Wing:
        """Return the wing: the GMS application, mounted at the prefix."""
        app = http.build(
            service(core),
            core.users,
            trusted_hosts=core.settings.trusted_hosts,
            max_body_bytes=core.settings.max_body_bytes,
        )
        return Wing(name=self.name, routes=[Mount(self.prefix, app)])


DIALECT = GmsDialect()
