"""checkserverstatus, checkcsqstatus, authenticateuser, getcsqlist; operation names; credentials."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ringback import __version__, bootstrap
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.settings import Settings
from ringback.testing import FakeClock
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN
from tests.dialects.uccx.conftest import ADD_EXAMPLE, URL, add_queue, answer, call, failed


def _basic(login: str, password: str) -> str:
    return base64.b64encode(f"{login}:{password}".encode()).decode()


def test_checkserverstatus_shows_the_documented_elements(
    uccx: TestClient, services: bootstrap.Services, clock: FakeClock
) -> None:
    add_queue(services)
    call(uccx, "addrecord", **ADD_EXAMPLE)
    clock.set(datetime(2026, 7, 1, 12, 16, 36, tzinfo=UTC))  # summer time in Paris: UTC+2
    assert call(uccx, "checkserverstatus") == answer(
        "", 0,
        "\t<CallbackRequestsInMemory>1</CallbackRequestsInMemory>",
        "\t<SystemTime>7/1/2026 2:16:36 PM</SystemTime>",
        "\t<ServiceLastStarted>1/5/2026 10:00:00 AM</ServiceLastStarted>",
        f"\t<ProductVersion>{__version__}</ProductVersion>",
        "\t<SettingsLastUpdate>05/01/2026 10:00:00</SettingsLastUpdate>",
        "\t<UCCXMasterNode></UCCXMasterNode>",
    )  # fmt: skip


def test_midnight_and_noon_read_as_twelve(uccx: TestClient, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 4, 23, 5, 9, tzinfo=UTC))  # 00:05:09 in Paris
    assert "<SystemTime>1/5/2026 12:05:09 AM</SystemTime>" in call(uccx, "checkserverstatus")
    clock.set(datetime(2026, 1, 5, 11, 0, 0, tzinfo=UTC))
    assert "<SystemTime>1/5/2026 12:00:00 PM</SystemTime>" in call(uccx, "checkserverstatus")


def test_checkcsqstatus_follows_the_switch_and_the_hours(
    uccx: TestClient, services: bootstrap.Services, clock: FakeClock
) -> None:
    add_queue(services, "Main", business_hours=("Mon-Fri 09:00-17:00",))
    add_queue(services, "Off", accepting_callbacks=False)
    assert call(uccx, "checkcsqstatus", csq="Main") == answer(
        "", 0,
        "\t<AcceptingCallbacks>true</AcceptingCallbacks>",
        "\t<SettingsLastUpdate>05/01/2026 10:00:00</SettingsLastUpdate>",
    )  # fmt: skip
    assert "<AcceptingCallbacks>false<" in call(uccx, "checkcsqstatus", csq="Off")
    clock.set(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))  # Monday evening: closed
    assert "<AcceptingCallbacks>false<" in call(uccx, "checkcsqstatus", csq="Main")


def test_an_unknown_csq_is_not_accepting(uccx: TestClient) -> None:
    assert call(uccx, "checkcsqstatus", csq="Nope") == answer(
        "queue 'Nope' does not exist", -1, "\t<AcceptingCallbacks>false</AcceptingCallbacks>"
    )
    assert "csq is required" in failed(call(uccx, "checkcsqstatus"))


def test_authenticateuser_checks_a_ringback_user(uccx: TestClient) -> None:
    good, bad = _basic("admin", ADMIN_PASSWORD), _basic("admin", "wrong-password")
    assert call(uccx, "authenticateuser", token=good) == answer(
        "", 0, "\t<Authenticated>true</Authenticated>"
    )
    assert "<Authenticated>false<" in call(uccx, "authenticateuser", token=bad)
    assert "<Authenticated>false<" in call(uccx, "authenticateuser", token=_basic("nobody", "x"))
    for token in ("", "%%%not-base64", base64.b64encode(b"no-colon").decode()):
        text = call(uccx, "authenticateuser", token=token)
        assert "<Authenticated>false</Authenticated>" in text
        assert "token" in failed(text)


def test_getcsqlist_lists_the_csq_names(uccx: TestClient, services: bootstrap.Services) -> None:
    assert call(uccx, "getcsqlist") == answer("", 0, "\t<csqs></csqs>")
    add_queue(services, "Main")
    add_queue(services, "Support")
    assert call(uccx, "getcsqlist") == answer(
        "", 0, "\t<csqs>", "\t\t<csq>Main</csq>", "\t\t<csq>Support</csq>", "\t</csqs>"
    )


@pytest.mark.parametrize("name", ["getcsqlist", "GETCSQLIST", "GetCsqList"])
def test_operation_names_are_case_insensitive(uccx: TestClient, name: str) -> None:
    assert call(uccx, name) == answer("", 0, "\t<csqs></csqs>")


def test_parameter_names_are_case_insensitive(
    uccx: TestClient, services: bootstrap.Services
) -> None:
    add_queue(services)
    uccx.get(URL, params={"Operation": "AddRecord", "ID": "7", "DNIS": "5115", "TargetCSQ": "Main"})
    assert "<id>7</id>" in call(uccx, "getrecords")


def test_post_is_accepted_with_form_parameters(
    uccx: TestClient, services: bootstrap.Services
) -> None:
    add_queue(services)
    response = uccx.post(URL, data={"operation": "addrecord", "id": "8", "dnis": "5115",
                                    "targetcsq": "Main"})  # fmt: skip
    assert response.status_code == 200
    assert "Record with id 8  was added" in response.text


@pytest.mark.parametrize(
    ("query", "words"),
    [("", "operation is required"), ("?operation=dance", "unknown operation 'dance'")],
)
def test_an_unknown_or_missing_operation_is_code_minus_one(
    uccx: TestClient, query: str, words: str
) -> None:
    response = uccx.get(URL + query)
    assert response.status_code == 200
    assert response.text == answer(words, -1)


@pytest.fixture
def untrusted(settings: Settings, services: bootstrap.Services) -> Iterator[TestClient]:
    """A client whose address is not trusted."""
    closed = settings.model_copy(update={"trusted_hosts": []})
    with TestClient(bootstrap.build_app(closed, services), raise_server_exceptions=False) as c:
        yield c


def test_without_credentials_the_answer_is_401(untrusted: TestClient) -> None:
    response = untrusted.get(URL, params={"operation": "getcsqlist"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.text == answer("authentication required", -1)


@pytest.mark.parametrize(
    "header",
    [f"Basic {_basic('admin', 'wrong-password')}", "Bearer not-a-token", "Digest x", "Basic ???"],
)
def test_bad_credentials_are_refused(untrusted: TestClient, header: str) -> None:
    response = untrusted.get(URL, params={"operation": "getcsqlist"},
                             headers={"Authorization": header})  # fmt: skip
    assert response.status_code == 401
    assert "<Code>-1</Code>" in response.text


@pytest.mark.parametrize(
    "header", [f"Basic {_basic('admin', ADMIN_PASSWORD)}", f"Bearer {SERVICE_TOKEN}"]
)
def test_basic_and_bearer_credentials_are_accepted(untrusted: TestClient, header: str) -> None:
    response = untrusted.get(URL, params={"operation": "getcsqlist"},
                             headers={"Authorization": header})  # fmt: skip
    assert response.status_code == 200
    assert response.text == answer("", 0, "\t<csqs></csqs>")


def test_authenticateuser_needs_no_caller_credentials(untrusted: TestClient) -> None:
    response = untrusted.get(
        URL, params={"operation": "authenticateuser", "token": _basic("admin", ADMIN_PASSWORD)}
    )
    assert response.status_code == 200
    assert "<Authenticated>true</Authenticated>" in response.text


def test_a_supervisor_sees_only_its_csqs(
    untrusted: TestClient, services: bootstrap.Services
) -> None:
    add_queue(services, "Main")
    add_queue(services, "Support")
    user = User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(2,)))
    services.users.create(Principal.service(), user, "password-1")
    auth = {"Authorization": f"Basic {_basic('sup', 'password-1')}"}
    text = untrusted.get(URL, params={"operation": "getcsqlist"}, headers=auth).text
    assert "<csq>Support</csq>" in text
    assert "Main" not in text
    refused = untrusted.get(URL, params={"operation": "getsettings"}, headers=auth).text
    assert "admin rights" in failed(refused)
