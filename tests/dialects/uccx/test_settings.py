"""getsettings and setsettings: the schema, the round trip, all-or-nothing, hostile XML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.testing import FakeClock
from tests.dialects.uccx.conftest import URL, add_queue, answer, call, failed

NEW_SETTINGS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Settings>
  <callback>
    <uccx>
      <master_node>10.1.10.160</master_node>
      <port>9080</port>
      <sendback_prefix>callback</sendback_prefix>
      <connect_timeout_seconds>1.5</connect_timeout_seconds>
      <read_timeout_seconds>4</read_timeout_seconds>
      <contact_data_url>http://10.1.10.160:9080/contactrealtimedata</contact_data_url>
      <contact_data_token>abc123</contact_data_token>
    </uccx>
    <csqs>
      <csq>
        <id>1</id>
        <name>Main</name>
        <aliases><value>Sales</value><value>Ventes</value></aliases>
        <timezone>Europe/Paris</timezone>
        <business_hours><value>Mon-Fri 08:00-18:00</value></business_hours>
        <max_attempts>5</max_attempts>
        <accepting_callbacks>false</accepting_callbacks>
      </csq>
      <csq>
        <name>Support</name>
        <dispatch_mode>position</dispatch_mode>
      </csq>
    </csqs>
  </callback>
</Settings>
"""


def _set(client: TestClient, body: bytes) -> str:
    response = client.post(URL, params={"operation": "setsettings"}, content=body)
    assert response.status_code == 200, response.text
    return response.text


def _queues(core: Core) -> list[tuple[int, str, tuple[str, ...], int]]:
    return [
        (q.id, q.name, q.settings.aliases, q.settings.max_attempts)
        for q in core.queues.list(Principal.service())
    ]


def test_setsettings_replaces_csqs_and_the_connection(
    uccx: TestClient, core: Core, clock: FakeClock
) -> None:
    add_queue(core, "Main")
    clock.set(datetime(2026, 3, 2, 14, 30, 5, tzinfo=UTC))
    assert _set(uccx, NEW_SETTINGS) == answer()
    assert _queues(core) == [(1, "Main", ("Sales", "Ventes"), 5), (2, "Support", (), 3)]
    status = call(uccx, "checkserverstatus")
    assert "<UCCXMasterNode>10.1.10.160</UCCXMasterNode>" in status
    assert "<SettingsLastUpdate>02/03/2026 15:30:05</SettingsLastUpdate>" in status
    assert "<AcceptingCallbacks>false<" in call(uccx, "checkcsqstatus", csq="Ventes")
    shown = call(uccx, "getsettings")
    assert "\t\t\t\t<master_node>10.1.10.160</master_node>\n" in shown
    assert "<contact_data_token>abc123</contact_data_token>" in shown


def test_getsettings_round_trips(uccx: TestClient, core: Core) -> None:
    _set(uccx, NEW_SETTINGS)
    first = call(uccx, "getsettings")
    before = core.queues.list(Principal.service())
    assert _set(uccx, first.encode()) == answer()  # the whole answer, posted back as it is
    assert call(uccx, "getsettings") == first
    assert core.queues.list(Principal.service()) == before
    start, end = first.index("<Settings>"), first.index("</Settings>") + len("</Settings>")
    _set(uccx, first[start:end].encode())  # or only its <Settings>
    assert call(uccx, "getsettings") == first


def test_getsettings_shows_the_documented_frame(uccx: TestClient) -> None:
    text = call(uccx, "getsettings")
    assert text.startswith(answer().rsplit("</Response>", 1)[0] + "\t<Settings>\n\t\t<callback>\n")
    assert "\t\t\t<csqs></csqs>\n\t\t</callback>\n\t</Settings>\n</Response>\n" in text


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Settings><callback><uccx><master_node>&lol2;</master_node></uccx></callback></Settings>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Settings><callback><uccx><master_node>&x;</master_node></uccx></callback></Settings>"""


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (BOMB, "refused"),
        (EXTERNAL, "refused"),
        (b"<Settings><callback>", "not well-formed"),
        (b"", "request body"),
        (b"<Other/>", "<Settings>"),
        (b"<Settings/>", "<callback>"),
        (b"<Settings><callback><extra/></callback></Settings>", "unexpected element <extra>"),
        (NEW_SETTINGS.replace(b"<max_attempts>5", b"<max_attempts>0"), "max_attempts"),
        (NEW_SETTINGS.replace(b"<port>9080", b"<port>99999"), "port"),
        (NEW_SETTINGS.replace(b"<port>9080", b"<port>eighty"), "port must be an integer"),
        (NEW_SETTINGS.replace(b"position", b"sometimes"), "dispatch_mode"),
        (NEW_SETTINGS.replace(b"<name>Support", b"<name>Sales"), "'Sales'"),
        (NEW_SETTINGS.replace(b"<name>Support</name>", b""), "needs a <name>"),
        (NEW_SETTINGS.replace(b"<max_attempts>", b"<colour>red</colour><max_attempts>"),
         "unknown setting <colour>"),
        (NEW_SETTINGS.replace(b"Europe/Paris", b"Mars/Olympus"), "time zone"),
        (NEW_SETTINGS.replace(b"<value>Mon-Fri 08:00-18:00", b"<value>Someday"), "business"),
        (NEW_SETTINGS.replace(b"http://10", b"ftp://10"), "contact_data_url"),
        (b"<Settings><callback>" + b"<x/>" * 70000 + b"</callback></Settings>", "bytes"),
        # Nothing given may be dropped without a word, nor reach the database unchecked.
        (NEW_SETTINGS.replace(b"<id>1</id>", b"<id>99999999999</id>"), "id must be an integer"),
        (NEW_SETTINGS.replace(b"<id>1</id>", b"<id>1</id><id>2</id>"), "<id> appears more"),
        (NEW_SETTINGS.replace(b"</callback>", b"</callback><callback></callback>"),
         "<callback> appears more"),
        (NEW_SETTINGS.replace(b"</csqs>", b"</csqs><csqs></csqs>"), "<csqs> appears more"),
        (NEW_SETTINGS.replace(b"<callback>", b"<extra/><callback>"), "unexpected element <extra>"),
        (NEW_SETTINGS.replace(b"<csq>", b"<csq>stray", 1), "<csq> holds text"),
        (NEW_SETTINGS.replace(b"</csq>", b"</csq>stray", 1), "<csqs> holds text"),
        (NEW_SETTINGS.replace(b"<port>9080", b"<port><x/>9080"), "must hold text"),
        (NEW_SETTINGS.replace(b"<value>Sales", b"<value><x/>Sales"), "must hold text"),
    ],
)  # fmt: skip
def test_bad_settings_change_nothing(uccx: TestClient, core: Core, body: bytes, words: str) -> None:
    add_queue(core, "Main")
    before = call(uccx, "getsettings")
    assert words in failed(_set(uccx, body))
    assert call(uccx, "getsettings") == before
    assert "<SettingsLastUpdate>05/01/2026 10:00:00<" in call(uccx, "checkserverstatus")


def test_setsettings_by_get_without_a_body_is_refused(uccx: TestClient) -> None:
    assert "request body" in failed(call(uccx, "setsettings"))


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/xml", "text/xml"]
)
def test_setsettings_reads_the_body_whatever_its_declared_type(
    uccx: TestClient, core: Core, content_type: str
) -> None:
    # `curl --data-binary @settings.xml`, as docs/dialects/uccx.md shows, declares a form body.
    add_queue(core, "Main")
    body = NEW_SETTINGS.replace(b"<contact_data_token>abc123", b"<contact_data_token>a&amp;b=c")
    response = uccx.post(
        URL, params={"operation": "setsettings"}, content=body,
        headers={"content-type": content_type},
    )  # fmt: skip
    assert response.text == answer()
    assert "<contact_data_token>a&amp;b=c</contact_data_token>" in call(uccx, "getsettings")
