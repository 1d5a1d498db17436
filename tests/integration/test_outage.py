"""A database that cannot be reached: /ready and the API answer 503, never 500."""

from __future__ import annotations

from starlette.testclient import TestClient

from ringback import bootstrap
from ringback.settings import Settings
from ringback.testing import FakeClock
from tests.conftest import SERVICE_TOKEN

UNREACHABLE = "postgresql://ringback@127.0.0.1:1/none"


def test_an_unreachable_database_answers_503() -> None:
    settings = Settings(database_url=UNREACHABLE, dispatcher=False, fast_password_hash=True)
    core = bootstrap.build_core(settings, clock=FakeClock())
    client = TestClient(bootstrap.build_app(core), raise_server_exceptions=False)
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    answer = client.get("/api/v1/queues", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert answer.status_code == 503
    assert answer.json()["error"] == "unavailable"
