"""The deprecated 1.0 APIs answer only the client addresses listed in deprecated_api_hosts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx2
import pytest
import uvicorn
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.dialects.xuc_legacy.service import PhoneService
from ringback.settings import Settings
from tests.conftest import SERVICE_TOKEN
from tests.dialects.xuc_legacy.conftest import URL, add_user, make_settings, outbox

#: every 1.0 method with the document's example request
EXAMPLES = [
    ("POST", "connect/avencall.com/bruce/", {"password": "bruce-password-1"}),
    ("POST", "dnd/avencall.com/bruce/", {"state": False}),
    ("POST", "dial/avencall.com/bruce/", {"number": "1101"}),
    ("POST", "dialByUsername/avencall.com/bruce/", {"username": "alicej"}),
    (
        "POST",
        "dialFromQueue/avencall.com/bruce/",
        {
            "destination": "1002",
            "queueId": 5,
            "callerIdName": "Thomas",
            "callerIdNumber": "999999",
            "variables": {"foo": "bar"},
        },
    ),
    ("POST", "uncForward/avencall.com/bruce/", {"state": True, "destination": "1102"}),
    ("POST", "naForward/avencall.com/bruce/", {"state": True, "destination": "1102"}),
    ("POST", "busyForward/avencall.com/bruce/", {"state": True, "destination": "1102"}),
    ("POST", "handshake/avencall.com/", None),
    ("POST", "agentLogin/", {"agentphonenumber": "1001", "agentnumber": "2000"}),
    ("POST", "agentLogout/", {"phoneNumber": "1001"}),
    ("POST", "togglePause/", {"phoneNumber": "1001"}),
    ("GET", "historyByUsername/avencall.com/bruce/?size=10", None),
]


def test_no_address_is_allowed_by_default() -> None:
    assert Settings().deprecated_api_hosts == []


@pytest.fixture
def closed(database_url: str, core: Core) -> Iterator[TestClient]:
    """A client whose address ("testclient") is not listed."""
    settings = make_settings(database_url, deprecated_api_hosts=["10.0.0.7"])
    add_user(core, "bruce")
    add_user(core, "alicej")
    with TestClient(bootstrap.build_app(on(settings, core)),
                    raise_server_exceptions=False) as c:  # fmt: skip
        yield c


def on(settings: Settings, core: Core) -> Core:
    """Return core like `core`, on the same database and clock, with other settings.

    The wing reads the settings of the core it is given, as in `ringback serve`.
    """
    return bootstrap.build_core(settings, engine=core.store.engine, clock=core.clock)


@pytest.mark.parametrize(("verb", "path", "body"), EXAMPLES)
def test_an_unlisted_address_is_refused(
    closed: TestClient, core: Core, phones: PhoneService, verb: str, path: str,
    body: object,
) -> None:  # fmt: skip
    response = closed.request(verb, f"{URL}/{path}", json=body)
    assert response.status_code == 403
    assert response.json() == {
        "error": "DeprecatedApiNotAllowed",
        "message": "the deprecated 1.0 APIs are not enabled for testclient",
    }
    assert outbox(core) == []  # nothing happened
    history = phones.history("bruce", size=10)
    assert history == []


def test_an_unknown_method_of_an_unlisted_address_is_refused_too(closed: TestClient) -> None:
    response = closed.post(f"{URL}/nosuchmethod/avencall.com/bruce/", json={})
    assert response.status_code == 403


def test_the_2_0_apis_do_not_depend_on_the_list(closed: TestClient) -> None:
    # The list gates 1.0 only: the native API answers the same client as usual.
    response = closed.get("/api/v1/queues", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert response.status_code == 200


def _serve(settings: Settings, core: Core) -> tuple[uvicorn.Server, str]:
    config = uvicorn.Config(
        bootstrap.build_app(on(settings, core)),
        host="127.0.0.1",
        port=0,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}{URL}"


@pytest.mark.parametrize(("hosts", "status"), [(["127.0.0.1"], 200), (["192.0.2.1"], 403)])
def test_over_a_real_socket_the_client_address_decides(
    database_url: str, core: Core, hosts: list[str], status: int
) -> None:
    add_user(core, "bruce")
    server, url = _serve(make_settings(database_url, deprecated_api_hosts=hosts), core)
    try:
        response = httpx2.post(f"{url}/dnd/avencall.com/bruce/", json={"state": True}, timeout=10)
    finally:
        server.should_exit = True
    assert response.status_code == status
    if status == 403:
        assert response.json()["message"].endswith("for 127.0.0.1")
    expected_dnd = status == 200
    assert any(e["message"]["message"]["ctiMessage"]["dndEnabled"] for e in outbox(core)) is (
        expected_dnd
    )
