"""The XiVO config-mgt wing's wiring: its use cases on the Core, its application, its demo data."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount

from ringback.core import Core, Wing
from ringback.dialects.xivo_configmgt import demo, http, sql
from ringback.dialects.xivo_configmgt.dissuasion import DissuasionService, directory_sound_files
from ringback.dialects.xivo_configmgt.requests import RequestService
from ringback.dialects.xivo_configmgt.service import ListService
from ringback.dialects.xivo_configmgt.workflow import WorkflowService


class XivoConfigMgtDialect:
    """XiVO's configuration server (config-mgt) and CCAgent's workflow, as a dialect."""

    name = "xivo_configmgt"
    prefix = "/configmgt/api/1.0"

    def build(self, core: Core) -> Wing:
        """Return the wing: the config-mgt application at the prefix, and its demo data."""
        services = build_services(core)
        app = http.build(services, core.settings)
        return Wing(
            name=self.name,
            routes=[Mount(self.prefix, app)],
            demo=lambda: demo.provision(services.lists, services.requests),
        )


def build_services(core: Core) -> http.XivoServices:
    """Return the XiVO use cases on the core's database, clock and callbacks, as configured."""
    store = sql.units_of_work(core)
    settings = core.settings
    sound_files = directory_sound_files(Path(settings.xivo_sounds_dir))
    return http.XivoServices(
        lists=ListService(store),
        requests=RequestService(store, core.callbacks),
        workflow=WorkflowService(store, core.clock),
        dissuasion=DissuasionService(store, sound_files, settings.xivo_default_dissuasion_queue),
        users=core.users,
        agents=core.agents,
        queues=core.queues,
    )


DIALECT = XivoConfigMgtDialect()
