"""Business hours through the GMS API: intervals across midnight and across DST changes."""

from __future__ import annotations

import json
from uuid import UUID

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.testing import FakeClock
from tests.dialects.gms.conftest import BASE, SERVICE_EXCEPTION, add_service, error, utc

SERVICE = Principal.service()


def ask(gms: TestClient, desired: str) -> tuple[int, str]:
    """Start a callback at `desired`; return the status and the closed reason, if any."""
    response = gms.post(
        f"{BASE}/Night", json={"_customer_number": "5115", "_desired_time": desired}
    )
    if response.status_code == 200:
        return 200, ""
    body = error(response, SERVICE_EXCEPTION)
    return response.status_code, json.loads(body["message"])["reason"]


def test_an_interval_across_midnight_belongs_to_the_day_it_starts(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(
        core, "Night", timezone="Europe/Paris", business_hours=("Mon-Fri 22:00-02:00",),
        dedup="false", reject_out_of_hours=True,
    )  # fmt: skip
    clock.set(utc(2026, 1, 9, 12, 0))  # Friday noon
    assert ask(gms, "2026-01-09T22:30:00+01:00") == (200, "")  # Friday night
    assert ask(gms, "2026-01-10T01:30:00+01:00") == (200, "")  # Saturday 01:30: Friday's night
    assert ask(gms, "2026-01-10T02:00:00+01:00") == (400, "closed_day_of_week")  # Sat, ended
    assert ask(gms, "2026-01-13T02:00:00+01:00") == (400, "closed_no_match")  # Tue 02:00, ended
    assert ask(gms, "2026-01-10T21:00:00Z") == (400, "closed_day_of_week")  # Saturday 22:00
    assert ask(gms, "2026-01-11T23:00:00+01:00") == (400, "closed_day_of_week")  # Sunday
    assert ask(gms, "2026-01-12T20:59:00Z") == (400, "closed_no_match")  # Monday 21:59 local
    assert ask(gms, "2026-01-12T21:00:00Z") == (200, "")  # Monday 22:00 local, the opening


def test_hours_follow_the_local_clock_across_dst_changes(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    add_service(
        core, "Night", timezone="Europe/Paris", business_hours=("Sun 01:00-04:00",),
        dedup="false", reject_out_of_hours=True,
    )  # fmt: skip
    clock.set(utc(2026, 3, 28, 12, 0))
    # Spring forward (02:00 -> 03:00): 01:00-04:00 lasts two real hours, 00:00Z..02:00Z.
    assert ask(gms, "2026-03-29T00:00:00Z") == (200, "")
    assert ask(gms, "2026-03-29T01:59:00Z") == (200, "")
    assert ask(gms, "2026-03-29T02:00:00Z") == (400, "closed_no_match")
    clock.set(utc(2026, 10, 24, 12, 0))
    # Fall back (03:00 -> 02:00): four real hours, 23:00Z Saturday..03:00Z.
    assert ask(gms, "2026-10-24T23:00:00Z") == (200, "")
    assert ask(gms, "2026-10-25T02:30:00Z") == (200, "")
    assert ask(gms, "2026-10-25T03:00:00Z") == (400, "closed_no_match")


def test_availability_buckets_on_the_spring_forward_night(
    gms: TestClient, core: Core, clock: FakeClock
) -> None:
    queue = add_service(
        core, "Night", timezone="Europe/Paris", business_hours=("Sun 00:00-06:00",),
        bucket_minutes=60, max_per_bucket=3,
    )  # fmt: skip
    clock.set(utc(2026, 3, 28, 12, 0))
    response = gms.post(
        f"{BASE}/Night", json={"_customer_number": "5115", "_desired_time": "2026-03-29T01:20:00Z"}
    )
    booked = core.callbacks.get(SERVICE, UUID(response.json()["_id"])).callback
    assert booked.queue_id == queue.id
    slots = gms.get(f"{BASE}/Night/availability", params={"timestamp": "2026-03-29T01:20:00Z"})
    # The window 00:20Z..02:20Z holds the local buckets 01:00 CET (00:00Z), 03:00 CEST (01:00Z:
    # local 02:00 does not exist) and 04:00 CEST (02:00Z).
    assert slots.json() == {
        "2026-03-29T00:00:00.000Z": 3,
        "2026-03-29T01:00:00.000Z": 2,
        "2026-03-29T02:00:00.000Z": 3,
    }
