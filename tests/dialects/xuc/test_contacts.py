"""Personal contacts, with the document's examples and each documented error."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.testclient import TestClient

from ringback.core import Core
from tests.dialects.xuc.conftest import API, add_user, login

URL = f"{API}/contact/personal"
JOHN = {
    "firstname": "doe", "lastname": "john", "number": "1111", "mobile": "2222",
    "fax": "3333", "email": "j.doe@my.corp", "company": "corp",
}  # fmt: skip
DOC_CSV = (
    "company,email,fax,firstname,lastname,mobile,number\n"
    "corp,jdoe@company.corp,3333,John,Doe,2222,1111"
)


def test_create_answers_201_with_the_contact_and_its_id(alice: TestClient) -> None:
    response = alice.post(URL, json=JOHN)
    assert response.status_code == 201
    body = response.json()
    assert list(body) == [
        "id",
        "firstname",
        "lastname",
        "number",
        "mobile",
        "fax",
        "email",
        "company",
    ]
    assert {k: v for k, v in body.items() if k != "id"} == JOHN
    assert alice.get(f"{URL}/{body['id']}").json() == body


def test_list_has_the_documented_shape(alice: TestClient) -> None:
    alice.post(URL, json=JOHN)
    alice.post(URL, json={"firstname": "peter", "lastname": "pan", "number": "1004"})
    assert alice.get(URL).json() == {
        "entries": [
            {"status": -2, "entry": ["doe", "john", "1111", "2222", "false"]},
            {"status": -2, "entry": ["peter", "pan", "1004", "", "false"]},
        ],
        "headers": ["Firstname", "Lastname", "Number", "Mobile", "Favorite"],
    }


def test_update_replaces_the_contact(alice: TestClient) -> None:
    contact_id = alice.post(URL, json=JOHN).json()["id"]
    response = alice.put(f"{URL}/{contact_id}", json={**JOHN, "company": "other corp"})
    assert response.status_code == 200
    assert response.json()["company"] == "other corp"
    assert alice.get(f"{URL}/{contact_id}").json()["company"] == "other corp"


def test_delete_and_delete_all_answer_204(alice: TestClient) -> None:
    first = alice.post(URL, json=JOHN).json()["id"]
    alice.post(URL, json={**JOHN, "number": "4444"})
    assert alice.delete(f"{URL}/{first}").status_code == 204
    assert alice.get(f"{URL}/{first}").status_code == 404
    assert len(alice.get(URL).json()["entries"]) == 1
    response = alice.delete(URL)
    assert response.status_code == 204
    assert response.content == b""
    assert alice.get(URL).json()["entries"] == []


def test_contacts_belong_to_their_user(alice: TestClient, core: Core) -> None:
    contact_id = alice.post(URL, json=JOHN).json()["id"]
    add_user(core, "bob")
    bob = {"X-Auth-Token": login(alice, "bob")}
    assert alice.get(URL, headers=bob).json()["entries"] == []
    assert alice.get(f"{URL}/{contact_id}", headers=bob).json()["error"] == "ContactNotFound"
    assert alice.delete(f"{URL}/{contact_id}", headers=bob).status_code == 404


def test_invalid_contact_is_400(alice: TestClient) -> None:
    for body in (
        {"firstname": "x"},
        {"lastname": "x", "number": 12},
        {"lastname": "x", "number": "1", "age": "3"},
    ):
        response = alice.post(URL, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "InvalidContact"
    assert alice.get(URL).json()["entries"] == []


def test_unknown_contact_is_404(alice: TestClient) -> None:
    for path in ("28079dc0-2c6b-4332-9075-61da9229389f", "not-a-uuid"):
        response = alice.get(f"{URL}/{path}")
        assert response.status_code == 404
        assert response.json()["error"] == "ContactNotFound"
    response = alice.put(f"{URL}/28079dc0-2c6b-4332-9075-61da9229389f", json=JOHN)
    assert response.status_code == 404


def test_duplicate_contact_is_409(alice: TestClient) -> None:
    other = alice.post(URL, json={**JOHN, "number": "9999"}).json()["id"]
    alice.post(URL, json=JOHN)
    response = alice.post(URL, json={**JOHN, "firstname": "DOE"})
    assert response.status_code == 409
    assert response.json()["error"] == "DuplicateContact"
    assert alice.put(f"{URL}/{other}", json=JOHN).status_code == 409


def test_malformed_json_is_json_parsing_error_400(alice: TestClient) -> None:
    lone_surrogate = b'{"lastname": "\\udc00", "number": "1"}'
    for body in (b"{bad", b"", b"[1]", lone_surrogate):
        response = alice.post(URL, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["error"] == "JsonParsingError"
    assert alice.get(URL).json()["entries"] == []


def test_export_is_the_documented_csv(alice: TestClient) -> None:
    alice.post(
        URL, json={**JOHN, "firstname": "John", "lastname": "Doe", "email": "jdoe@company.corp"}
    )
    alice.post(URL, json={"lastname": "Évrard", "number": "+33 1 23", "company": "=cmd()"})
    response = alice.get(f"{API}/contact/export/personal")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=UTF-8"
    assert response.content.decode("utf-8") == (
        "company,email,fax,firstname,lastname,mobile,number\n"
        "corp,jdoe@company.corp,3333,John,Doe,2222,1111\n"
        "'=cmd(),,,,Évrard,,+33 1 23\n"
    )


def test_import_creates_good_lines_and_reports_bad_ones(alice: TestClient) -> None:
    csv = (
        "lastname,firstname,number\n"
        "Wayne,Bruce,1001\n"
        "Hawking,Stephen,1002\n"
        "Kent,Clark,1003,extra\n"
        "Nobody,,\n"
        "Wayne,Bruce,1001\n"
    )
    response = alice.post(
        f"{API}/contact/import/personal", content=csv.encode(),
        headers={"Content-Type": "text/csv;charset=UTF-8"},
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert [c["lastname"] for c in body["created"]] == ["Wayne", "Hawking"]
    assert body["failed"] == [
        {"line": 4, "errors": ["too many fields"]},
        {"line": 5, "errors": ["a contact needs a number, mobile, fax or email"]},
        {"line": 6, "errors": ["the same personal contact exists already"]},
    ]
    ids = {c["id"] for c in body["created"]}
    assert all(alice.get(f"{URL}/{i}").status_code == 200 for i in ids)


def test_import_accepts_the_documents_example_and_round_trips_an_export(alice: TestClient) -> None:
    # The document's curl sends '\n' as two characters; its header is the export's.
    response = alice.post(f"{API}/contact/import/personal", content=DOC_CSV.replace("\n", "\\n"))
    assert response.status_code == 201
    assert response.json()["failed"] == []
    alice.post(URL, json={"lastname": "=x", "number": "1"})
    exported = alice.get(f"{API}/contact/export/personal").content
    alice.delete(URL)
    again = alice.post(f"{API}/contact/import/personal", content=exported)
    assert again.json()["failed"] == []
    assert alice.get(f"{API}/contact/export/personal").content == exported


def test_import_refuses_a_bad_header_or_encoding(alice: TestClient) -> None:
    over_the_csv_cell_limit = b"lastname,number\nok,1\n" + b"x" * 200_000 + b",1"
    for body in (
        b"",
        b"name,number\nx,1",
        "lastname,number\n\xe9,1".encode("latin-1"),
        over_the_csv_cell_limit,
    ):
        response = alice.post(f"{API}/contact/import/personal", content=body)
        assert response.status_code == 400
        assert response.json()["error"] == "InvalidContact"
    assert alice.get(URL).json()["entries"] == []


def test_a_body_over_the_limit_is_refused_in_the_parts_words(alice: TestClient) -> None:
    # Sent in chunks, without Content-Length: the dialect's own limit counts the bytes. (With a
    # Content-Length over the limit, the application's front middleware answers first.)
    def chunks(first: bytes, filler: bytes, times: int) -> Iterator[bytes]:
        yield first
        for _ in range(times):
            yield filler

    csv_body = chunks(b"lastname,number\n", b"x,1\n" * 1024, 70)  # 280 KiB; the limit: 256
    response = alice.post(f"{API}/contact/import/personal", content=csv_body)
    assert response.status_code == 413
    assert response.json()["error"] == "InvalidContact"
    json_body = chunks(b'{"lastname": "', b"x" * 1024, 300)
    response = alice.post(URL, content=json_body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "InvalidContact"
    assert alice.get(URL).json()["entries"] == []
