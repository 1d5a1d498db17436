"""The Ameyo wing's wiring: registered with bootstrap, served below its prefix, on the core."""

from __future__ import annotations

from starlette.routing import Mount
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.ameyo import plugin
from ringback.dialects.ameyo.service import AmeyoService
from tests.conftest import ADMIN_PASSWORD
from tests.dialects.ameyo.conftest import FILTERED, PREFIX, add_queue

LISTING = {"limit": "1", "campaignId": "6", "offset": "0"}


def test_the_wing_is_registered_and_mounted_at_its_prefix(core: Core) -> None:
    wing = plugin.DIALECT.build(core)

    assert plugin.DIALECT in bootstrap.DIALECTS
    assert (plugin.DIALECT.name, plugin.DIALECT.prefix) == ("ameyo", PREFIX)
    assert wing.name == "ameyo"
    assert [route.path for route in wing.routes if isinstance(route, Mount)] == [PREFIX]


def test_a_session_opened_by_the_service_is_accepted_on_the_wire(
    ameyo: TestClient, ameyo_service: AmeyoService, core: Core
) -> None:
    add_queue(core, 6, "Sales")
    session_id = ameyo_service.login("admin", ADMIN_PASSWORD)

    response = ameyo.get(FILTERED, params=LISTING, headers={"sessionId": session_id})

    assert response.status_code == 200
    assert response.json() == []
