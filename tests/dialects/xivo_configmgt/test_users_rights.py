"""Users' profiles and rights: GET /users, GET/POST/DELETE /rights/user/<login>."""

from __future__ import annotations

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal, Profile
from tests.dialects.xivo_configmgt.conftest import add_user, as_user, url

JBOND_RIGHTS = {
    "type": "supervisor",
    "data": {
        "queueIds": [3, 2, 1, 7],
        "groupIds": [3, 1, 2],
        "incallIds": [],
        "recordingAccess": True,
        "dissuasionAccess": False,
    },
}


def test_users_lists_every_profile(xivo: TestClient, core: Core) -> None:
    add_user(core, "jmenage", Profile.TEACHER)
    response = xivo.get(url("/users"))
    assert response.status_code == 200
    assert response.json() == [
        {"name": "", "firstname": "Administrator", "login": "admin", "profile": "admin"},
        {"name": "N", "firstname": "F", "login": "jmenage", "profile": "teacher"},
    ]


def test_rights_round_trip_the_documents_example(xivo: TestClient, core: Core) -> None:
    add_user(core, "jbond", Profile.TEACHER)
    posted = xivo.post(url("/rights/user/jbond"), json=JBOND_RIGHTS)
    assert posted.status_code == 200, posted.text
    assert posted.json() == JBOND_RIGHTS
    got = xivo.get(url("/rights/user/jbond"))
    assert got.status_code == 200
    assert got.json() == JBOND_RIGHTS
    assert core.users.get(Principal.service(), "jbond").rights.queue_ids == (3, 2, 1, 7)


def test_rights_defaults_recording_true_dissuasion_false(xivo: TestClient, core: Core) -> None:
    add_user(core, "jbond", Profile.TEACHER)
    posted = xivo.post(
        url("/rights/user/jbond"), json={"type": "teacher", "data": {"queueIds": [1]}}
    )
    assert posted.json()["data"] == {
        "queueIds": [1], "groupIds": [], "incallIds": [],
        "recordingAccess": True, "dissuasionAccess": False,
    }  # fmt: skip


def test_rights_errors(xivo: TestClient, core: Core) -> None:
    add_user(core, "jbond", Profile.TEACHER)
    assert xivo.get(url("/rights/user/nobody")).json()["error"] == "UserNotFound"
    assert xivo.get(url("/rights/user/nobody")).status_code == 404
    bad_type = xivo.post(url("/rights/user/jbond"), json={"type": "king"})
    assert (bad_type.status_code, bad_type.json()["error"]) == (400, "InvalidRequest")
    bad_ids = xivo.post(
        url("/rights/user/jbond"), json={"type": "teacher", "data": {"queueIds": ["1"]}}
    )
    assert bad_ids.status_code == 400
    unknown = xivo.post(url("/rights/user/jbond"), json={"type": "teacher", "data": {"x": 1}})
    assert unknown.status_code == 400
    malformed = xivo.post(url("/rights/user/jbond"), content=b"{oops")
    assert (malformed.status_code, malformed.json()["error"]) == (400, "JsonParsingError")
    missing = xivo.post(url("/rights/user/nobody"), json=JBOND_RIGHTS)
    assert (missing.status_code, missing.json()["error"]) == (404, "UserNotFound")


def test_delete_profile_removes_the_user(xivo: TestClient, core: Core) -> None:
    add_user(core, "jbond", Profile.SUPERVISOR)
    assert xivo.delete(url("/rights/user/jbond")).status_code == 204
    assert xivo.get(url("/rights/user/jbond")).status_code == 404
    assert xivo.delete(url("/rights/user/jbond")).json()["error"] == "UserNotFound"


def test_the_last_admin_keeps_its_profile(xivo: TestClient) -> None:
    response = xivo.delete(url("/rights/user/admin"))
    assert (response.status_code, response.json()["error"]) == (409, "Conflict")


def test_a_supervisor_sees_only_itself_and_changes_nothing(xivo: TestClient, core: Core) -> None:
    add_user(core, "sup", Profile.SUPERVISOR, queue_ids=(1,))
    headers = as_user(xivo, "sup")
    assert [u["login"] for u in xivo.get(url("/users"), headers=headers).json()] == ["sup"]
    changed = xivo.post(url("/rights/user/sup"), json=JBOND_RIGHTS, headers=headers)
    assert (changed.status_code, changed.json()["error"]) == (403, "Forbidden")


def test_credentials_are_required(xivo: TestClient) -> None:
    missing = xivo.get(url("/users"), headers={"X-Auth-Token": ""})
    assert missing.status_code == 401
    assert missing.json()["error"] == "Unauthorized"
    wrong = xivo.get(url("/users"), headers={"X-Auth-Token": "not-the-token"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "Unauthorized")
