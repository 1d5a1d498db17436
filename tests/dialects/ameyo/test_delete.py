"""DeleteCustomerCallback (document 5.2): DELETE voice/customerCallbacks/{customerCallbackId}."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.states import State
from tests.dialects.ameyo.conftest import (
    CALLBACKS,
    SERVICE,
    SUPERVISOR_PASSWORD,
    add_callback,
    add_queue,
    add_supervisor,
    login,
)

INVALID_ID = "CallBackManager.invalid.campcust.callback.id"


def document_failure(callback_id: str) -> bytes:
    """The document's failure body (5.2.6.2), the error code being Ameyo's status."""
    return (
        b'{"message":null,"info":"[\\"' + INVALID_ID.encode() + b'\\", \\"'
        + callback_id.encode() + b'\\"]","status":512,"errorCode":512}'
    )  # fmt: skip


def test_a_delete_answers_ok_and_cancels_the_callback_through_the_engine(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")

    response = ameyo.delete(f"{CALLBACKS}/{made.id}", headers=session)

    assert response.status_code == 200
    assert response.content == b'"OK"'
    view = core.callbacks.get(SERVICE, made.id)
    assert view.callback.state is State.CANCELLED
    assert [(change.event, change.actor) for change in view.history] == [
        ("create", "service"),
        ("cancel", "admin"),
    ]


def test_the_documented_body_naming_the_same_id_is_accepted(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")

    response = ameyo.request(
        "DELETE", f"{CALLBACKS}/{made.id}", json={"customerCallbackId": str(made.id)},
        headers=session,
    )  # fmt: skip

    assert response.status_code == 200
    assert response.json() == "OK"


def test_a_body_naming_another_id_is_refused_and_changes_nothing(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")

    response = ameyo.request(
        "DELETE", f"{CALLBACKS}/{made.id}", json={"customerCallbackId": str(uuid4())},
        headers=session,
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["info"] == '["RestApi.invalid.parameter", "customerCallbackId"]'
    assert core.callbacks.get(SERVICE, made.id).callback.state is State.WAITING


def test_the_documents_sample_id_unknown_here_gets_the_documents_failure(
    ameyo: TestClient, session: dict[str, str]
) -> None:
    response = ameyo.delete(f"{CALLBACKS}/d810-59423051-cm-0", headers=session)

    assert response.status_code == 512
    assert response.content == document_failure("d810-59423051-cm-0")
    assert response.json() == {
        "message": None,
        "info": '["CallBackManager.invalid.campcust.callback.id", "d810-59423051-cm-0"]',
        "status": 512,
        "errorCode": 512,
    }


def test_a_deleted_or_finished_callback_is_unknown_to_a_second_delete(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")
    assert ameyo.delete(f"{CALLBACKS}/{made.id}", headers=session).status_code == 200

    again = ameyo.delete(f"{CALLBACKS}/{made.id}", headers=session)

    assert again.status_code == 512
    assert again.content == document_failure(str(made.id))


def test_a_callback_being_dialled_is_not_listed_and_cannot_be_deleted(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")
    with core.store.transaction() as tx:  # an agent took it: no longer Ameyo's to delete
        tx.callbacks.update(made.evolve(state=State.RESERVED), expected_version=made.version)

    response = ameyo.delete(f"{CALLBACKS}/{made.id}", headers=session)

    assert response.status_code == 512
    assert response.content == document_failure(str(made.id))
    assert core.callbacks.get(SERVICE, made.id).callback.state is State.RESERVED


def test_a_supervisor_cannot_delete_outside_its_campaigns(ameyo: TestClient, core: Core) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    add_supervisor(core, "sup", 6)
    own = add_callback(core, 6, "+33612345678")
    foreign = add_callback(core, 7, "+33612345679")
    headers = {"sessionId": login(ameyo, "sup", SUPERVISOR_PASSWORD)}

    refused = ameyo.delete(f"{CALLBACKS}/{foreign.id}", headers=headers)
    accepted = ameyo.delete(f"{CALLBACKS}/{own.id}", headers=headers)

    assert refused.status_code == 512
    assert refused.content == document_failure(str(foreign.id))
    assert core.callbacks.get(SERVICE, foreign.id).callback.state is State.WAITING
    assert accepted.status_code == 200


def test_a_malformed_body_is_a_400(ameyo: TestClient, session: dict[str, str], core: Core) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")

    response = ameyo.request("DELETE", f"{CALLBACKS}/{made.id}", content=b"{oops", headers=session)

    assert response.status_code == 400
    assert core.callbacks.get(SERVICE, made.id).callback.state is State.WAITING


def test_a_body_above_the_limit_is_a_413_in_ameyo_shape(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the dialect's own limit answers
        for _ in range(70):
            yield b" " * 1024

    response = ameyo.request("DELETE", f"{CALLBACKS}/{made.id}", content=chunks(), headers=session)

    assert response.status_code == 413
    assert response.json()["info"] == '["RestApi.request.too.large"]'


def test_unknown_paths_and_methods_answer_in_ameyo_shape(
    ameyo: TestClient, session: dict[str, str]
) -> None:
    missing = ameyo.get("/ameyorestapi/voice/nothing", headers=session)
    wrong_method = ameyo.get(f"{CALLBACKS}/d810-59423051-cm-0", headers=session)

    assert missing.status_code == 404
    assert missing.json()["status"] == 404
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405
