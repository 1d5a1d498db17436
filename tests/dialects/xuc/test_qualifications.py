"""Call qualifications through xuc: the queue's options, answers, and the CSV export."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Agent, Membership, Principal
from ringback.domain.qualifications import Qualification, SubQualification
from ringback.domain.queues import QueueSettings
from tests.dialects.xuc.conftest import API, add_user, login

DOC_ANSWER = {
    "sub_qualification_id": 1, "time": "2018-03-21 17:00:00", "callid": "callid1", "agent": 1,
    "queue": 1, "first_name": "john", "last_name": "doe", "comment": "some comment",
    "custom_data": "some custom data",
}  # fmt: skip
CSV_HEADER = (
    "sub_qualification_id,time,callid,agent,queue,first_name,last_name,comment,custom_data\n"
)


@pytest.fixture
def setup(core: Core, alice: TestClient) -> dict[str, int]:
    """Queue 1 with qualifications 'General Questions' and 'Support', and agent 1 of alice."""
    service = Principal.service()
    queue = core.queues.create(service, QueueSettings(name="Main"))
    assert queue.id == 1
    other = core.queues.create(service, QueueSettings(name="Other"))
    general = core.qualifications.create(
        service,
        Qualification(
            None,
            "General Questions",
            (1,),
            (SubQualification(None, "Common"), SubQualification(None, "Technical")),
        ),
    )
    support = core.qualifications.create(
        service,
        Qualification(
            None,
            "Support",
            (1, other.id),
            (SubQualification(None, "Technical"), SubQualification(None, "General")),
        ),
    )
    core.qualifications.create(
        service, Qualification(None, "Elsewhere", (other.id,), (SubQualification(None, "X"),))
    )
    core.agents.create(
        service, Agent(1, "John", "Doe", "1001", queues=(Membership(1),), login="alice")
    )
    ids = {"other": other.id, "general": general.id or 0, "support": support.id or 0}
    for name, q in (("general", general), ("support", support)):
        ids.update({f"{name}_sub{i}": s.id or 0 for i, s in enumerate(q.sub_qualifications)})
    return ids


def test_queue_qualifications_have_the_documented_shape(
    alice: TestClient, setup: dict[str, int]
) -> None:
    response = alice.get(f"{API}/call_qualification/queue/1")
    assert response.status_code == 200
    ids = setup
    assert response.json() == [
        {
            "id": ids["general"],
            "name": "General Questions",
            "subQualifications": [
                {"id": ids["general_sub0"], "name": "Common"},
                {"id": ids["general_sub1"], "name": "Technical"},
            ],
        },
        {
            "id": ids["support"],
            "name": "Support",
            "subQualifications": [
                {"id": ids["support_sub0"], "name": "Technical"},
                {"id": ids["support_sub1"], "name": "General"},
            ],
        },
    ]


def test_a_queue_the_agent_does_not_work_in_offers_nothing(
    alice: TestClient, setup: dict[str, int]
) -> None:
    assert alice.get(f"{API}/call_qualification/queue/{setup['other']}").json() == []
    assert alice.get(f"{API}/call_qualification/queue/999").json() == []
    assert alice.get(f"{API}/call_qualification/queue/{2**31 - 1}").json() == []


def test_the_documents_answer_is_stored_and_exported(
    alice: TestClient, setup: dict[str, int], core: Core
) -> None:
    answer = {**DOC_ANSWER, "sub_qualification_id": setup["general_sub0"]}
    response = alice.post(f"{API}/call_qualification", json=answer)
    assert response.status_code == 201
    answer_id = response.json()
    assert isinstance(answer_id, int)
    add_user(core, "boss", queue_ids=(1,))
    boss = {"X-Auth-Token": login(alice, "boss")}
    for prefix in (API, "/xuc/api/api/2.0"):
        export = alice.get(f"{prefix}/call_qualification/csv/1/2018-03-21/2018-03-21", headers=boss)
        assert export.status_code == 200
        assert export.headers["content-type"] == "text/csv; charset=UTF-8"
        assert export.content.decode() == CSV_HEADER + (
            f"{setup['general_sub0']},2018-03-21 17:00:00,callid1,1,1,john,doe,"
            "some comment,some custom data\n"
        )
    later = alice.get(
        f"{API}/call_qualification/csv/1/2018-03-21 17:00:01/2018-03-22", headers=boss
    )
    assert later.content.decode() == CSV_HEADER


def test_answer_errors(alice: TestClient, setup: dict[str, int], core: Core) -> None:
    url = f"{API}/call_qualification"
    empty = alice.post(url, content=b"")
    assert empty.status_code == 400
    assert empty.json()["error"] == "JsonBodyNotFound"
    for body in (
        b"{oops",
        b"[]",
        b'{"sub_qualification_id": 1}',
        b'{"sub_qualification_id": "1", "time": "2018-03-21 17:00:00", "callid": "c",'
        b' "agent": 1, "queue": 1}',
    ):
        response = alice.post(url, content=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "JsonErrorDecoding"
    for change in (
        {"time": "yesterday"},
        {"time": "0001-01-01 00:00:00"},  # too close to year 1 to convert between zones
        {"sub_qualification_id": setup["support_sub1"] + 100},
        {"queue": setup["other"]},
        {"queue": 2**63},  # more than the database holds
        {"agent": 2**31},
        {"agent": -1},
    ):
        valid = {**DOC_ANSWER, "sub_qualification_id": setup["general_sub0"]}
        response = alice.post(url, json={**valid, **change})
        assert response.status_code == 400, change
        assert response.json()["error"] == "JsonErrorDecoding"
    # A lone surrogate is valid JSON (and Python text) but cannot be stored as UTF-8.
    lone_surrogate = json.dumps({**valid, "first_name": "\ud800"}).encode()
    response = alice.post(url, content=lone_surrogate)
    assert response.status_code == 400
    assert response.json()["error"] == "JsonErrorDecoding"
    ever = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
    assert core.qualifications.answers(Principal.service(), 1, *ever) == []


def test_export_is_for_the_queues_supervisors(alice: TestClient, setup: dict[str, int]) -> None:
    refused = alice.get(f"{API}/call_qualification/csv/1/2018-03-21/2018-03-22")
    assert refused.status_code == 404
    bad = alice.get(f"{API}/call_qualification/csv/1/soon/later")
    assert bad.status_code == 400
    assert bad.json()["error"] == "JsonErrorDecoding"


def test_export_refuses_dates_at_the_ends_of_the_calendar(
    alice: TestClient, setup: dict[str, int], core: Core
) -> None:
    add_user(core, "boss", queue_ids=(1,))
    boss = {"X-Auth-Token": login(alice, "boss")}
    for period in ("0001-01-01/2018-01-01", "2018-01-01/9999-12-31", "9999-12-31/9999-12-31"):
        response = alice.get(f"{API}/call_qualification/csv/1/{period}", headers=boss)
        assert response.status_code == 400, period
        assert response.json()["error"] == "JsonErrorDecoding"


@pytest.mark.parametrize("queue_id", ["99999999999999999999", "0", "-5", "1.5"])
def test_a_queue_id_of_the_wrong_shape_is_refused(
    alice: TestClient, setup: dict[str, int], queue_id: str
) -> None:
    for path in (f"queue/{queue_id}", f"csv/{queue_id}/2018-01-01/2018-01-02"):
        response = alice.get(f"{API}/call_qualification/{path}")
        assert response.status_code == 400, path
        assert response.json()["error"] == "JsonErrorDecoding"


def test_qualifications_need_a_token(xuc: TestClient) -> None:
    response = xuc.get(f"{API}/call_qualification/queue/1")
    assert response.status_code == 401
    assert response.json()["error"] == "AuthorizationHeaderNotFound"


def test_an_agent_qualifies_only_its_own_calls(
    alice: TestClient, setup: dict[str, int], core: Core
) -> None:
    answer = {**DOC_ANSWER, "sub_qualification_id": setup["general_sub0"], "agent": 2}
    refused = alice.post(f"{API}/call_qualification", json=answer)
    assert refused.status_code == 400
    assert "agent" in refused.json()["message"]
    add_user(core, "boss", queue_ids=(1,))
    boss = {"X-Auth-Token": login(alice, "boss")}
    assert alice.post(f"{API}/call_qualification", json=answer, headers=boss).status_code == 201


def test_an_unknown_api_is_not_found(alice: TestClient) -> None:
    response = alice.get(f"{API}/no/such/api")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"
