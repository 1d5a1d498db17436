"""Get Tenant User Callback (document 5, item 2): getFiltered across the tenant's campaigns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from ringback.core import Core
from ringback.testing import FakeClock
from tests.dialects.ameyo.conftest import (
    SUPERVISOR_PASSWORD,
    TENANT,
    add_agent,
    add_callback,
    add_queue,
    add_supervisor,
    login,
    reserve_for,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_the_tenant_listing_spans_every_campaign_in_callback_time_order(
    ameyo: TestClient, session: dict[str, str], core: Core, clock: FakeClock
) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    later = add_callback(core, 6, "+33612345678", desired_time=clock.now() + timedelta(hours=3))
    sooner = add_callback(core, 7, "+33612345679", desired_time=clock.now() + timedelta(hours=1))

    for response in (
        ameyo.get(TENANT, params={"limit": "10", "offset": "0"}, headers=session),
        ameyo.post(TENANT, json={"limit": 10, "offset": 0}, headers=session),
    ):
        assert response.status_code == 200
        assert [(i["customerCallbackId"], i["campaignId"]) for i in response.json()] == [
            (str(sooner.id), 7),
            (str(later.id), 6),
        ]


def test_the_tenant_listing_honours_paging_and_filters(
    ameyo: TestClient, session: dict[str, str], core: Core, clock: FakeClock
) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    add_agent(core, 3, 7, "Stieve")
    add_callback(core, 6, "+33612345678", desired_time=clock.now() + timedelta(hours=1))
    owned = reserve_for(core, add_callback(core, 7, "+33612345679"), 3)

    page = ameyo.get(TENANT, params={"limit": "1", "offset": "1"}, headers=session)
    stieve = ameyo.get(
        TENANT, params={"limit": "5", "offset": "0", "userIds": "Stieve"}, headers=session
    )

    assert len(page.json()) == 1
    assert [i["customerCallbackId"] for i in stieve.json()] == [str(owned.id)]


def test_a_supervisor_lists_only_its_campaigns(ameyo: TestClient, core: Core) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    add_supervisor(core, "sup", 7)
    add_callback(core, 6, "+33612345678")
    own = add_callback(core, 7, "+33612345679")
    headers = {"sessionId": login(ameyo, "sup", SUPERVISOR_PASSWORD)}

    response = ameyo.get(TENANT, params={"limit": "10", "offset": "0"}, headers=headers)

    assert [i["customerCallbackId"] for i in response.json()] == [str(own.id)]


def test_a_campaign_id_is_refused_rather_than_ignored(
    ameyo: TestClient, session: dict[str, str]
) -> None:
    response = ameyo.get(
        TENANT, params={"limit": "10", "offset": "0", "campaignId": "6"}, headers=session
    )

    assert response.status_code == 400
    assert response.json()["info"] == '["RestApi.invalid.parameter", "campaignId"]'


def test_limit_and_offset_are_required(ameyo: TestClient, session: dict[str, str]) -> None:
    assert ameyo.get(TENANT, params={"offset": "0"}, headers=session).status_code == 400
    assert ameyo.get(TENANT, params={"limit": "5"}, headers=session).status_code == 400


def test_the_tenant_listing_honours_info_and_the_date_filters(
    ameyo: TestClient, session: dict[str, str], core: Core, clock: FakeClock
) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    soon = clock.now() + timedelta(hours=1)
    add_callback(core, 6, "+33612345678", desired_time=soon, properties={"order": "A-1"})
    add_callback(core, 7, "+33612345679", desired_time=soon + timedelta(hours=1))
    soon_ms = str((soon - EPOCH) // timedelta(milliseconds=1))

    response = ameyo.get(
        TENANT,
        params={"limit": "10", "offset": "0", "info": "true", "toDateScheduled": soon_ms},
        headers=session,
    )

    assert [(i["campaignId"], i["info"]) for i in response.json()] == [(6, {"order": "A-1"})]
