"""Mobile push registration tokens."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.dialects.xuc.sql import XucSqlTransaction
from ringback.store.transaction import UnitsOfWork
from tests.dialects.xuc.conftest import API


@pytest.mark.parametrize(
    ("path", "platform"),
    [
        ("/config/mobile/push/register/android?apiVersion=2.0", "android"),
        ("/config/mobile/push/register/ios?apiVersion=2.0", "ios"),
        ("/mobile/push/register", "unspecified"),
    ],
)
def test_registration_stores_the_token(
    alice: TestClient, xuc_store: UnitsOfWork[XucSqlTransaction], path: str, platform: str
) -> None:
    response = alice.post(f"{API}{path}", json={"token": "1234-5678"})
    assert response.status_code == 201
    with xuc_store.transaction() as tx:
        assert tx.push_tokens.of_user("alice") == {platform: "1234-5678"}
    alice.post(f"{API}{path}", json={"token": "9999"})
    with xuc_store.transaction() as tx:
        assert tx.push_tokens.of_user("alice") == {platform: "9999"}


def test_the_documents_trailing_comma_is_accepted(alice: TestClient, core: Core) -> None:
    response = alice.post(
        f"{API}/config/mobile/push/register/android?apiVersion=2.0",
        content=b'{ "token": "1234-5678", }',
    )
    assert response.status_code == 201


def test_registration_errors(alice: TestClient) -> None:
    url = f"{API}/config/mobile/push/register/ios"
    empty = alice.post(url, content=b"")
    assert empty.status_code == 400
    assert empty.json()["error"] == "JsonBodyNotFound"
    for body in (b"{oops", b'{"token": 5}', b'{"token": ""}', b'{"token": "a", "x": 1}'):
        response = alice.post(url, content=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "JsonErrorDecoding"
    bad_version = alice.post(f"{url}?apiVersion=latest", json={"token": "a"})
    assert bad_version.json()["error"] == "JsonErrorDecoding"
