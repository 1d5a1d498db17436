"""GET /agent_config and the queue dissuasion operations, with the documented errors."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Agent, Membership, Principal, Profile
from tests.dialects.xivo_configmgt.conftest import add_queue, add_user, as_user, url


@pytest.fixture
def agents(core: Core) -> None:
    """The document's agents: 1001 (queue1, queue2) and 1002 (queue2)."""
    add_queue(core, "queue1", 1)
    add_queue(core, "queue2", 2)
    service = Principal.service()
    core.agents.create(service, Agent(1, "John", "Doe", "1001",
                                          queues=(Membership(1, 1), Membership(2, 2))))  # fmt: skip
    core.agents.create(service, Agent(2, "Agent", "Two", "1002", queues=(Membership(2, 3),)))


def member(queue_name: str, queue_id: int, number: str, penalty: int, userid: int,
           position: int) -> dict[str, object]:  # fmt: skip
    return {
        "queue_name": queue_name, "queue_id": queue_id, "interface": f"Agent/{number}",
        "penalty": penalty, "commented": 0, "usertype": "Agent", "userid": userid,
        "channel": "Agent", "category": "Queue", "position": position,
    }  # fmt: skip


@pytest.mark.usefixtures("agents")
def test_agent_config_the_documents_example(xivo: TestClient) -> None:
    response = xivo.get(url("/agent_config/1"))
    assert response.status_code == 200
    assert response.json() == {
        "id": 1,
        "firstname": "John", "lastname": "Doe", "number": "1001", "context": "default",
        "member": [member("queue1", 1, "1001", 1, 1, 1), member("queue2", 2, "1001", 2, 1, 1)],
        "numgroup": 1,
        "userid": 1,
    }  # fmt: skip
    assert response.text.startswith('{"id":1,"firstname":"John","lastname":"Doe"')


@pytest.mark.usefixtures("agents")
def test_agent_config_lists_every_agent(xivo: TestClient) -> None:
    response = xivo.get(url("/agent_config"))
    assert response.status_code == 200
    agents = response.json()
    assert [a["id"] for a in agents] == [1, 2]
    # in queue2, agent 1 (penalty 2) comes before agent 2 (penalty 3)
    assert agents[1]["member"] == [member("queue2", 2, "1002", 3, 2, 2)]


@pytest.mark.usefixtures("agents")
def test_agent_config_errors_and_rights(xivo: TestClient, core: Core) -> None:
    for path in ("/agent_config/99", "/agent_config/abc"):
        response = xivo.get(url(path))
        assert (response.status_code, response.json()["error"]) == (404, "AgentNotFound")
    add_user(core, "sup", Profile.SUPERVISOR, queue_ids=(1,))
    seen = xivo.get(url("/agent_config"), headers=as_user(xivo, "sup")).json()
    assert [(a["id"], [m["queue_id"] for m in a["member"]]) for a in seen] == [(1, [1])]
    hidden = xivo.get(url("/agent_config/2"), headers=as_user(xivo, "sup"))
    assert hidden.status_code == 404


@pytest.fixture
def sales(core: Core) -> None:
    """Queue 3 `sales`, queue 4 `support`, queue 5 `switchboard`."""
    add_queue(core, "sales", 3)
    add_queue(core, "support", 4)
    add_queue(core, "switchboard", 5)


@pytest.mark.usefixtures("sales")
def test_dissuasion_is_other_until_set(xivo: TestClient) -> None:
    response = xivo.get(url("/queue/3/dissuasion"))
    assert response.status_code == 200
    assert response.json() == {"id": 3, "name": "sales", "dissuasion": {"type": "other"}}


@pytest.mark.usefixtures("sales")
def test_dissuasions_lists_the_queues_sound_files_and_the_default_queue(xivo: TestClient) -> None:
    response = xivo.get(url("/queue/3/dissuasions"))
    assert response.status_code == 200
    assert response.json() == {
        "id": 3,
        "name": "sales",
        "dissuasions": {
            "soundFiles": [{"soundFile": "sales_audio_file"}, {"soundFile": "sales_audio_file_2"}],
            "queues": [{"queueName": "switchboard"}],
        },
    }


@pytest.mark.usefixtures("sales")
def test_set_sound_file_then_queue(xivo: TestClient) -> None:
    put = xivo.put(url("/queue/3/dissuasion/sound_file"), json={"soundFile": "sales_audio_file"})
    assert put.status_code == 200
    assert put.json() == {"id": 3, "soundFile": "sales_audio_file"}
    assert xivo.get(url("/queue/3/dissuasion")).json() == {
        "id": 3, "name": "sales",
        "dissuasion": {"type": "soundFile", "value": {"soundFile": "sales_audio_file"}},
    }  # fmt: skip
    put = xivo.put(url("/queue/3/dissuasion/queue"), json={"queueName": "support"})
    assert put.status_code == 200
    assert put.json() == {"id": 3, "queueName": "support"}
    assert xivo.get(url("/queue/3/dissuasion")).json() == {
        "id": 3, "name": "sales",
        "dissuasion": {"type": "queue", "value": {"queueName": "support"}},
    }  # fmt: skip


@pytest.mark.usefixtures("sales")
def test_the_documented_errors(xivo: TestClient) -> None:
    expected = {
        ("GET", "/queue/9/dissuasion", None):
            "Unable to perform getQueueDissusasion on queue 9 - QueueNotFound",
        ("GET", "/queue/9/dissuasions", None):
            "Unable to perform getQueueDissusasionList on queue 9 - QueueNotFound",
        ("PUT", "/queue/9/dissuasion/sound_file", ("soundFile", "sales_newSoundFile")):
            "Unable to perform updateQueueDissuasion on queue 9 - QueueNotFound",
        ("PUT", "/queue/9/dissuasion/queue", ("queueName", "support")):
            "Unable to perform updateQueueDissuasion on queue 9 - QueueNotFound",
        ("PUT", "/queue/3/dissuasion/queue", ("queueName", "sales_queue")):
            "Unable to perform updateQueueDissuasion on queue 3: could not find the queue "
            "'sales_queue' - QueueNotFound",
    }  # fmt: skip
    for (method, path, field), message in expected.items():
        body = {field[0]: field[1]} if field else None
        response = xivo.request(method, url(path), json=body)
        assert response.status_code == 404, path
        assert response.json() == {"error": "QueueNotFound", "message": message}
    missing = xivo.put(
        url("/queue/3/dissuasion/sound_file"), json={"soundFile": "sales_newSoundFile"}
    )
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "FileNotFound",
        "message": "Unable to perform updateQueueDissuasion on queue 3 with file "
        "sales_newSoundFile - FileNotFound",
    }
    for name in ("support_closed", "../sales_audio_file", "x"):  # another queue's, or a path
        response = xivo.put(url("/queue/3/dissuasion/sound_file"), json={"soundFile": name})
        assert response.json()["error"] == "FileNotFound", name
    bad = xivo.put(url("/queue/3/dissuasion/sound_file"), json={"file": "x"})
    assert (bad.status_code, bad.json()["error"]) == (400, "InvalidRequest")


@pytest.mark.usefixtures("sales")
def test_dissuasion_rights(xivo: TestClient, core: Core) -> None:
    add_user(core, "plain", Profile.SUPERVISOR, queue_ids=(3,))
    add_user(core, "allowed", Profile.SUPERVISOR, queue_ids=(3,), dissuasion_access=True)
    body = {"queueName": "switchboard"}  # the default dissuasion queue, offered to every queue
    refused = xivo.put(url("/queue/3/dissuasion/queue"), json=body, headers=as_user(xivo, "plain"))
    assert (refused.status_code, refused.json()["error"]) == (403, "Forbidden")
    done = xivo.put(url("/queue/3/dissuasion/queue"), json=body, headers=as_user(xivo, "allowed"))
    assert done.status_code == 200
    hidden = xivo.get(url("/queue/4/dissuasion"), headers=as_user(xivo, "allowed"))
    assert hidden.json()["error"] == "QueueNotFound"
    # another supervisor's queue is not a destination: it answers as if it did not exist
    foreign = xivo.put(url("/queue/3/dissuasion/queue"), json={"queueName": "support"},
                       headers=as_user(xivo, "allowed"))  # fmt: skip
    assert (foreign.status_code, foreign.json()) == (404, {
        "error": "QueueNotFound",
        "message": "Unable to perform updateQueueDissuasion on queue 3: could not find the "
                   "queue 'support' - QueueNotFound",
    })  # fmt: skip
    assert xivo.get(url("/queue/3/dissuasion")).json()["dissuasion"]["value"] == {
        "queueName": "switchboard"
    }
