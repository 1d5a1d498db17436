"""checkserverstatus, checkcsqstatus, authenticateuser, getcsqlist; operation names; credentials."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ringback import __version__, bootstrap
from ringback.core import Core
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.settings import Settings
from ringback.testing import FakeClock
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN
from tests.dialects.uccx.conftest import ADD_EXAMPLE, URL, add_queue, answer, call, failed


def _basic(login: str, password: str) -> str:
    return base64.b64encode(f"{login}:{password}".encode()).decode()


def test_checkserverstatus_shows_the_documented_elements(
    uccx: TestClient, core: Core, clock: FakeClock
) -> None:
    add_queue(core)
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
    uccx: TestClient, core: Core, clock: FakeClock
) -> None:
    add_queue(core, "Main", business_hours=("Mon-Fri 09:00-17:00",))
    add_queue(core, "Off", accepting_callbacks=False)
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


def test_authenticateuser_stops_answering_after_repeated_wrong_passwords(
    uccx: TestClient, clock: FakeClock
) -> None:
    good, bad = _basic("admin", ADMIN_PASSWORD), _basic("admin", "wrong-password")
    for _ in range(5):
        assert "<Authenticated>false<" in call(uccx, "authenticateuser", token=bad)
    refused = call(uccx, "authenticateuser", token=good)  # even the right password now
    assert "too many failed logins" in failed(refused)
    assert "<Authenticated>false</Authenticated>" in refused
    clock.advance(minutes=16)
    assert "<Authenticated>true<" in call(uccx, "authenticateuser", token=good)


def test_getcsqlist_lists_the_csq_names(uccx: TestClient, core: Core) -> None:
    assert call(uccx, "getcsqlist") == answer("", 0, "\t<csqs></csqs>")
    add_queue(core, "Main")
    add_queue(core, "Support")
    assert call(uccx, "getcsqlist") == answer(
        "", 0, "\t<csqs>", "\t\t<csq>Main</csq>", "\t\t<csq>Support</csq>", "\t</csqs>"
    )


@pytest.mark.parametrize("name", ["getcsqlist", "GETCSQLIST", "GetCsqList"])
def test_operation_names_are_case_insensitive(uccx: TestClient, name: str) -> None:
    assert call(uccx, name) == answer("", 0, "\t<csqs></csqs>")


def test_parameter_names_are_case_insensitive(uccx: TestClient, core: Core) -> None:
    add_queue(core)
    uccx.get(URL, params={"Operation": "AddRecord", "ID": "7", "DNIS": "5115", "TargetCSQ": "Main"})
    assert "<id>7</id>" in call(uccx, "getrecords")


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "Application/X-WWW-Form-Urlencoded; charset=UTF-8"],
)
def test_post_is_accepted_with_form_parameters(
    uccx: TestClient, core: Core, content_type: str
) -> None:
    add_queue(core)
    response = uccx.post(URL, content=b"operation=addrecord&id=8&dnis=5115&targetcsq=Main",
                         headers={"content-type": content_type})  # fmt: skip
    assert response.status_code == 200
    assert "Record with id 8  was added" in response.text


def test_a_body_too_large_is_refused_not_read_in_part(uccx: TestClient, core: Core) -> None:
    add_queue(core)
    # Read in part, this body would add the record without the language given at its end.
    form = b"operation=addrecord&id=8&dnis=5115&targetcsq=Main&pad=%s&language=fr" % (
        b"x" * 300_000
    )
    response = uccx.post(
        URL, content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.text == answer("the body exceeds 262144 bytes", -1)
    assert "<callbackrecords></callbackrecords>" in call(uccx, "getrecords")


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
def untrusted(settings: Settings, core: Core) -> Iterator[TestClient]:
    """A client whose address is not trusted."""
    closed = settings.model_copy(update={"trusted_hosts": []})
    app = bootstrap.build_app(dataclasses.replace(core, settings=closed))
    with TestClient(app, raise_server_exceptions=False) as c:
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


def test_a_supervisor_sees_only_its_csqs(untrusted: TestClient, core: Core) -> None:
    add_queue(core, "Main")
    add_queue(core, "Support")
    user = User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(2,)))
    core.users.create(Principal.service(), user, "password-1")
    auth = {"Authorization": f"Basic {_basic('sup', 'password-1')}"}
    text = untrusted.get(URL, params={"operation": "getcsqlist"}, headers=auth).text
    assert "<csq>Support</csq>" in text
    assert "Main" not in text
    refused = untrusted.get(URL, params={"operation": "getsettings"}, headers=auth).text
    assert "admin rights" in failed(refused)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_wrong_method_is_refused_in_xml(uccx: TestClient, method: str) -> None:
    response = uccx.request(method, URL, params={"operation": "getrecords"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/xml; charset=UTF-8"
    assert response.text == answer(f"method {method} is not allowed; use GET or POST", -1)


def test_a_supervisor_learns_nothing_of_other_csqs_records(
    untrusted: TestClient, core: Core
) -> None:
    add_queue(core, "Main")
    add_queue(core, "Support")
    user = User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(2,)))
    core.users.create(Principal.service(), user, "password-1")
    admin = {"Authorization": f"Basic {_basic('admin', ADMIN_PASSWORD)}"}
    sup = {"Authorization": f"Basic {_basic('sup', 'password-1')}"}
    added = untrusted.get(URL, params={"operation": "addrecord", **ADD_EXAMPLE}, headers=admin)
    assert "<Code>0</Code>" in added.text

    def ask(headers: dict[str, str], operation: str, **params: str) -> str:
        return untrusted.get(URL, params={"operation": operation, **params}, headers=headers).text

    assert "<DNISInUse>true<" in ask(admin, "checkdnisinuse", dnis="1233457")
    assert "<DNISInUse>false<" in ask(sup, "checkdnisinuse", dnis="1233457")
    assert "<CallbackRequestsInMemory>1<" in ask(admin, "checkserverstatus")
    assert "<CallbackRequestsInMemory>0<" in ask(sup, "checkserverstatus")
    supports = {**ADD_EXAMPLE, "id": "2", "targetcsq": "Support"}
    assert "<Code>0</Code>" in ask(sup, "addrecord", **supports)
    assert "<DNISInUse>true<" in ask(sup, "checkdnisinuse", dnis="1233457")
    assert "<CallbackRequestsInMemory>1<" in ask(sup, "checkserverstatus")


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("checkcsqstatus", {"csq": "{csq}"}),
        ("getrecords", {"csq": "{csq}"}),
        ("addrecord", {"id": "9", "dnis": "5115", "targetcsq": "{csq}"}),
        ("getcontactpositionoffset", {"contactid": "1", "targetcsq": "{csq}"}),
    ],
)
def test_a_csq_outside_the_rights_reads_like_an_unknown_one(
    untrusted: TestClient, core: Core, operation: str, params: dict[str, str]
) -> None:
    add_queue(core, "Main")
    add_queue(core, "Support")
    user = User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(2,)))
    core.users.create(Principal.service(), user, "password-1")
    sup = {"Authorization": f"Basic {_basic('sup', 'password-1')}"}

    def refusal(csq: str) -> str:
        given = {name: value.format(csq=csq) for name, value in params.items()}
        response = untrusted.get(URL, params={"operation": operation, **given}, headers=sup)
        return failed(response.text).replace(csq, "CSQ")

    assert refusal("Main") == refusal("Nope") == "queue 'CSQ' does not exist"
