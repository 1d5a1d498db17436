"""The demo's XiVO data: periods, and a list on queue Main with requests, made once."""

from __future__ import annotations

from starlette.testclient import TestClient

from ringback import bootstrap, demo
from ringback.core import Core
from ringback.dialects.xivo_configmgt import demo as xivo_demo
from ringback.dialects.xivo_configmgt import plugin
from ringback.dialects.xivo_configmgt.http import XivoServices
from ringback.domain.people import Principal
from tests.dialects.xivo_configmgt.conftest import add_queue, url


def provision(core: Core) -> list[str]:
    """Add the demo data as `ringback serve --demo` does: the engine's, then the wing's."""
    wing = plugin.DIALECT.build(core)
    return demo.prepare(core, [wing], bootstrap.Credentials()).created


def test_the_demo_shows_xivo_lists_and_periods_once(xivo: TestClient, core: Core) -> None:
    created = provision(core)
    assert "XiVO list Rappels clients (3 requests)" in created
    assert provision(core) == []  # a restart adds nothing
    periods = xivo.get(url("/callback_periods")).json()
    assert {p["name"]: p["default"] for p in periods} == {
        "Toute la journée": True, "Matin": False, "Après-midi": False
    }  # fmt: skip
    lists = xivo.get(url("/callback_lists?withRequest=true")).json()
    assert [(lst["name"], lst["queueId"], len(lst["callbacks"])) for lst in lists] == [
        ("Rappels clients", 1, 3)
    ]
    by_name = {r["firstName"]: r["preferredPeriod"]["name"] for r in lists[0]["callbacks"]}
    assert by_name == {"John": "Toute la journée", "Jack": "Matin", "Alice": "Après-midi"}


def test_a_worked_demo_list_is_left_alone(xivo: TestClient, core: Core) -> None:
    provision(core)
    found = xivo.post(url("/callback_requests/find"), json={"filters": []}).json()
    for request in found["list"]:
        moved = xivo.post(url(f"/callback_requests/{request['uuid']}/reschedule"),
                          json={"dueDate": "2030-01-01"})  # fmt: skip
        assert moved.status_code == 200, moved.text
    provision(core)
    again = xivo.post(url("/callback_requests/find"), json={"filters": []}).json()
    assert again["total"] == 3
    assert {r["dueDate"] for r in again["list"]} == {"2030-01-01"}


def test_the_wings_demo_hook_makes_only_xivo_data(core: Core, xivo_services: XivoServices) -> None:
    add_queue(core, "Main", 1)
    created = xivo_demo.provision(xivo_services.lists, xivo_services.requests)
    assert created == [
        "XiVO period Toute la journée", "XiVO period Matin", "XiVO period Après-midi",
        "XiVO list Rappels clients (3 requests)",
    ]  # fmt: skip
    lists = xivo_services.lists.lists(Principal.service())
    assert [(v.callback_list.name, len(v.requests)) for v in lists] == [("Rappels clients", 3)]
    assert [a.id for a in core.agents.list(Principal.service())] == []  # the engine's data
