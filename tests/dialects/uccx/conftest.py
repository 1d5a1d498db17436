"""A UCCX client on the whole application: dates in Europe/Paris, the test client trusted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import unescape

import pytest
from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.queues import Queue, QueueSettings
from ringback.settings import Settings
from tests.conftest import ADMIN_PASSWORD, SERVICE_TOKEN

URL = "/callbackmanagement"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings of a UCCX test server; the TestClient's address ("testclient") is trusted."""
    return Settings(
        database_url=database_url,
        api_token=SERVICE_TOKEN,  # type: ignore[arg-type]
        admin_password=ADMIN_PASSWORD,  # type: ignore[arg-type]
        fast_password_hash=True,
        max_body_bytes=1024 * 1024,
        dispatcher=False,
        timezone="Europe/Paris",
        trusted_hosts=["testclient"],
    )


@pytest.fixture
def uccx(settings: Settings, core: Core) -> Iterator[TestClient]:
    """A client of /callbackmanagement from a trusted host."""
    with TestClient(bootstrap.build_app(core), raise_server_exceptions=False) as c:
        yield c


def add_queue(core: Core, name: str = "Main", **settings: Any) -> Queue:
    """Create a CSQ through the queue service."""
    return core.queues.create(Principal.service(), QueueSettings(name=name, **settings))


def call(client: TestClient, operation: str, **params: str) -> str:
    """GET an operation and return the answer's text, failing unless it is HTTP 200 XML."""
    response = client.get(URL, params={"operation": operation, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=UTF-8"
    return response.text


def answer(description: str = "", code: int = 0, *elements: str) -> str:
    """The exact text of an answer: declaration, Response, Description, Code, then `elements`."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Response>",
        f"\t<Description>{description}</Description>",
        f"\t<Code>{code}</Code>",
        *elements,
        "</Response>",
    ]
    return "\n".join(lines) + "\n"


def failed(text: str) -> str:
    """Return the Description (unescaped) of a Code -1 answer, failing if it is not one."""
    assert "\t<Code>-1</Code>\n" in text, text
    start = text.index("<Description>") + len("<Description>")
    description = text[start : text.index("</Description>")]
    assert description, text
    return unescape(description)


ADD_EXAMPLE = {
    "id": "12346",
    "dnis": "1233457",
    "targetcsq": "Main",
    "origincsq": "Main",
    "prompt": "p1.wav",
    "sessionid": "1300234",
    "implid": "123123/6",
    "contactid": "4455667788",
    "queuestarttime": "123243242342",
    "language": "en_US",
    "customvar1": "c1",
    "customvar2": "c2",
    "customvar3": "c3",
    "customvar4": "c4",
    "customvar5": "c5",
}
