"""Who may call the GMS dialect: HTTP Basic, Bearer, a trusted host; rights per service."""

from __future__ import annotations

import base64
import dataclasses

from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.settings import Settings
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN
from tests.dialects.gms.conftest import (
    ADMIN,
    BASE,
    CALLBACK_EXCEPTION,
    EXCEPTION_AVAILABILITY,
    SERVICE_EXCEPTION,
    add_service,
    error,
)

START = {"_customer_number": "5115"}


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def test_without_credentials_the_answer_is_401_with_a_challenge(
    gms: TestClient, core: Core
) -> None:
    add_service(core)
    del gms.headers["Authorization"]
    response = gms.post(f"{BASE}/BasicCallback", json=START)
    body = error(response, SERVICE_EXCEPTION, 401)
    assert body["message"] == "authentication required"
    assert "Basic" in response.headers["WWW-Authenticate"]
    for header in ("Basic %%%", basic("admin", "wrong"), "Digest abc", "Bearer nope"):
        response = gms.post(f"{BASE}/BasicCallback", json=START, headers={"Authorization": header})
        error(response, SERVICE_EXCEPTION, 401)


def test_basic_and_bearer_credentials_are_accepted(gms: TestClient, core: Core) -> None:
    add_service(core, dedup="false")
    for header in (basic("admin", ADMIN_PASSWORD), f"Bearer {SERVICE_TOKEN}"):
        response = gms.post(f"{BASE}/BasicCallback", json=START, headers={"Authorization": header})
        assert response.status_code == 200, response.text


def test_a_trusted_host_needs_no_credentials(settings: Settings, core: Core) -> None:
    add_service(core)
    trusted = settings.model_copy(update={"trusted_hosts": ["testclient"]})
    # the wing reads its settings from the Core it is built on
    with TestClient(bootstrap.build_app(dataclasses.replace(core, settings=trusted))) as client:
        assert client.post(f"{BASE}/BasicCallback", json=START).status_code == 200
        bad = client.post(f"{BASE}/BasicCallback", json=START, headers={"Authorization": "x y"})
        assert bad.status_code == 401  # credentials, when given, decide


def test_a_supervisor_sees_only_the_services_of_their_queues(gms: TestClient, core: Core) -> None:
    mine = add_service(core, "Mine")
    add_service(core, "Theirs")
    supervisor = User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(mine.id,)))
    core.users.create(Principal.service(), supervisor, password="sup-password-1")
    headers = {"Authorization": basic("sup", "sup-password-1")}
    assert gms.post(f"{BASE}/Mine", json=START, headers=headers).status_code == 200
    error(gms.post(f"{BASE}/Theirs", json=START, headers=headers), SERVICE_EXCEPTION, 404)
    assert list(gms.get(ADMIN, headers=headers).json()) == ["Mine"]


def test_a_foreign_service_is_answered_exactly_as_an_unknown_one(
    gms: TestClient, core: Core
) -> None:
    mine = add_service(core, "Mine")
    add_service(core, "Theirs")
    theirs_id = gms.post(f"{BASE}/Theirs", json=START).json()["_id"]
    supervisor = User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(mine.id,)))
    core.users.create(Principal.service(), supervisor, password="sup-password-1")
    headers = {"Authorization": basic("sup", "sup-password-1")}
    for name in ("Theirs", "Nobodys"):
        calls = (
            (gms.post(f"{BASE}/{name}", json=START, headers=headers), SERVICE_EXCEPTION),
            (gms.get(f"{BASE}/{name}", params={"customer_number": "5115"}, headers=headers),
             SERVICE_EXCEPTION),
            (gms.get(f"{BASE}/{name}/availability", headers=headers), EXCEPTION_AVAILABILITY),
            (gms.get(ADMIN, params={"target": name}, headers=headers), SERVICE_EXCEPTION),
        )  # fmt: skip
        for response, exception in calls:
            body = error(response, exception, 404)
            assert body["message"] == f"queue {name!r} does not exist"
    response = gms.delete(f"{BASE}/Theirs/{theirs_id}", headers=headers)
    assert error(response, CALLBACK_EXCEPTION, 404)["message"] == "queue 'Theirs' does not exist"
    assert (
        gms.get(f"{BASE}/Theirs", params={"customer_number": "5115"}).json()[0]["_id"] == theirs_id
    )
