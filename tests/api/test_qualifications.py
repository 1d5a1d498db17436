"""/api/v1/qualifications: admins manage them, supervisors see their queues' ones."""

from __future__ import annotations

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.domain.queues import QueueSettings

URL = "/api/v1/qualifications"


def _queues(core: Core) -> tuple[int, int]:
    one = core.queues.create(Principal.service(), QueueSettings(name="Support"))
    two = core.queues.create(Principal.service(), QueueSettings(name="Sales"))
    return one.id, two.id


def test_create_read_update_delete(admin: TestClient, core: Core) -> None:
    support, sales = _queues(core)
    body = {
        "name": "Support",
        "queue_ids": [support],
        "subQualifications": [{"name": "Technical"}, {"name": "General"}],
    }
    created = admin.post(URL, json=body)
    assert created.status_code == 201
    stored = created.json()
    assert [s["name"] for s in stored["subQualifications"]] == ["Technical", "General"]
    assert admin.get(f"{URL}/{stored['id']}").json() == stored
    kept = stored["subQualifications"][0]
    change = {
        "name": "Help",
        "queue_ids": [support, sales],
        "subQualifications": [kept, {"name": "Billing"}],
    }
    updated = admin.put(f"{URL}/{stored['id']}", json=change).json()
    assert updated["name"] == "Help"
    assert updated["queue_ids"] == [support, sales]
    assert updated["subQualifications"][0] == kept
    assert [s["name"] for s in updated["subQualifications"]] == ["Technical", "Billing"]
    assert admin.delete(f"{URL}/{stored['id']}").status_code == 204
    assert admin.get(f"{URL}/{stored['id']}").status_code == 404


def test_bad_input(admin: TestClient, core: Core) -> None:
    support, _ = _queues(core)
    assert admin.post(URL, json={"name": "", "queue_ids": [support]}).status_code == 400
    unknown_queue = admin.post(URL, json={"name": "x", "queue_ids": [999]})
    assert unknown_queue.status_code == 400
    assert unknown_queue.json()["field"] == "queue_ids"
    created = admin.post(URL, json={"name": "x", "queue_ids": [support]}).json()
    foreign_sub = admin.put(
        f"{URL}/{created['id']}",
        json={"name": "x", "subQualifications": [{"id": 999, "name": "y"}]},
    )
    assert foreign_sub.status_code == 400


def test_supervisors_see_only_their_queues(admin: TestClient, core: Core) -> None:
    support, sales = _queues(core)
    admin.post(URL, json={"name": "S", "queue_ids": [support, sales]})
    admin.post(URL, json={"name": "Only sales", "queue_ids": [sales]})
    core.users.create(
        Principal.service(),
        User(login="sup", profile=Profile.SUPERVISOR, rights=Rights(queue_ids=(support,))),
        "sup-password-1",
    )
    token = admin.post(
        "/api/v1/auth/token", json={"login": "sup", "password": "sup-password-1"}
    ).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    seen = admin.get(URL, headers=headers).json()
    assert [(q["name"], q["queue_ids"]) for q in seen] == [("S", [support])]
    refused = admin.post(URL, json={"name": "mine", "queue_ids": [support]}, headers=headers)
    assert refused.status_code == 403
