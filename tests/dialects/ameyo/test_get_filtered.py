"""GetCampaignCustomerCallback (document 5.1): GET or POST getFiltered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.testing import FakeClock
from tests.dialects.ameyo.conftest import (
    FILTERED,
    SERVICE,
    SUPERVISOR_PASSWORD,
    add_agent,
    add_callback,
    add_queue,
    add_supervisor,
    failure,
    login,
    reserve_for,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DOCUMENT_FIELDS = [
    "customerCallbackId", "campaignId", "callbackTime", "selfCallback", "userId", "phone",
    "customerId", "dateAdded",
]  # fmt: skip


def ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def test_the_documents_request_answers_the_documents_items(
    ameyo: TestClient, session: dict[str, str], core: Core, clock: FakeClock
) -> None:
    """`getFiltered?limit=<n>&campaignId=<id>&offset=<n>&userIds=<ids>` (5.1.5.1, 5.1.5.2)."""
    add_queue(core, 6, "Sales")
    add_agent(core, 3, 6, "Stieve")
    desired = clock.now() + timedelta(hours=2)
    mine = reserve_for(core, add_callback(core, 6, "+33612345678", desired_time=desired,
                                              customer_id="42"), 3)  # fmt: skip
    add_callback(core, 6, "+33698765432")  # nobody's: not Stieve's

    response = ameyo.get(
        FILTERED,
        params={"limit": "1", "campaignId": "6", "offset": "0", "userIds": "Stieve"},
        headers=session,
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == [
        {
            "customerCallbackId": str(mine.id),
            "campaignId": 6,
            "callbackTime": ms(desired),
            "selfCallback": True,
            "userId": "Stieve",
            "phone": "+33612345678",
            "customerId": 42,
            "dateAdded": ms(clock.now()),
        }
    ]
    assert list(response.json()[0]) == DOCUMENT_FIELDS


@pytest.mark.parametrize("how", ["query", "json", "form"])
def test_the_documented_post_reads_parameters_from_the_url_or_the_body(
    ameyo: TestClient, session: dict[str, str], core: Core, how: str
) -> None:
    add_queue(core, 6, "Sales")
    made = add_callback(core, 6, "+33612345678")
    wanted = {"limit": 1, "campaignId": 6, "offset": 0}
    if how == "query":
        response = ameyo.post(FILTERED, params=wanted, headers=session)
    elif how == "json":
        response = ameyo.post(FILTERED, json=wanted, headers=session)
    else:
        response = ameyo.post(FILTERED, data=wanted, headers=session)

    assert response.status_code == 200, response.text
    assert [item["customerCallbackId"] for item in response.json()] == [str(made.id)]


def test_a_get_body_is_read_like_a_post_body(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    add_callback(core, 6, "+33612345678")
    wanted = {"limit": "1", "campaignId": "6", "offset": "0"}

    response = ameyo.request(
        "GET", FILTERED, params=wanted, json={"userIds": ["Stieve"]}, headers=session
    )

    assert response.status_code == 200, response.text
    assert response.json() == []  # the filter applies: no callback is scheduled to Stieve


def test_the_query_string_wins_over_the_body(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    in_six = add_callback(core, 6, "+33612345678")
    add_callback(core, 7, "+33612345679")

    response = ameyo.post(
        FILTERED,
        params={"campaignId": "6"},
        json={"campaignId": 7, "limit": 10, "offset": 0},
        headers=session,
    )

    assert [item["customerCallbackId"] for item in response.json()] == [str(in_six.id)]


def test_a_callback_without_an_agent_has_a_null_user_and_an_agent_without_login_its_id(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    add_agent(core, 9, 6)  # no user login
    nobody = add_callback(core, 6, "+33612345678", customer_id="C-17")
    agents = reserve_for(core, add_callback(core, 6, "+33612345679"), 9)

    items = listing(ameyo, session, limit="10")
    by_id = {item["customerCallbackId"]: item for item in items}

    assert by_id[str(nobody.id)]["userId"] is None
    assert by_id[str(nobody.id)]["selfCallback"] is False
    assert by_id[str(nobody.id)]["customerId"] == "C-17"
    assert by_id[str(agents.id)]["userId"] == "9"
    assert [i["customerCallbackId"] for i in listing(ameyo, session, userIds="9")] == [
        str(agents.id)
    ]


def test_user_ids_take_a_list_repeated_or_comma_separated(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    add_agent(core, 3, 6, "Stieve")
    add_agent(core, 4, 6, "Maria")
    add_agent(core, 5, 6, "Ahmed")
    owned = {
        name: reserve_for(core, add_callback(core, 6, f"+3361234567{agent}"), agent)
        for name, agent in (("Stieve", 3), ("Maria", 4), ("Ahmed", 5))
    }
    expected = {str(owned["Stieve"].id), str(owned["Maria"].id)}

    repeated = ameyo.get(
        FILTERED,
        params=[("limit", "10"), ("campaignId", "6"), ("offset", "0"),
                ("userIds", "Stieve"), ("userIds", "Maria")],
        headers=session,
    )  # fmt: skip
    commas = listing(ameyo, session, limit="10", userIds="Stieve,Maria")
    body = ameyo.post(
        FILTERED,
        json={"limit": 10, "campaignId": 6, "offset": 0, "userIds": ["Stieve", "Maria"]},
        headers=session,
    )

    assert {i["customerCallbackId"] for i in repeated.json()} == expected
    assert {i["customerCallbackId"] for i in commas} == expected
    assert {i["customerCallbackId"] for i in body.json()} == expected


def test_limit_is_capped_at_100_and_pages_follow_callback_time_without_overlap(
    ameyo: TestClient, session: dict[str, str], core: Core, clock: FakeClock
) -> None:
    add_queue(core, 6, "Sales", max_per_bucket=1000)
    made = [
        add_callback(core, 6, f"+336123{n:05d}", desired_time=clock.now()
                     + timedelta(minutes=1 + n % 7))
        for n in range(130)
    ]  # fmt: skip

    first = listing(ameyo, session, limit="1000")
    second = listing(ameyo, session, limit="1000", offset="100")

    assert len(first) == 100
    assert len(second) == 30
    ids = [item["customerCallbackId"] for item in first + second]
    assert sorted(ids) == sorted(str(c.id) for c in made)
    times = [item["callbackTime"] for item in first + second]
    assert times == sorted(times)
    assert listing(ameyo, session, limit="100", offset="0") == first  # the order is stable


def test_only_callbacks_still_scheduled_are_listed(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    kept = add_callback(core, 6, "+33612345678")
    cancelled = add_callback(core, 6, "+33612345679")
    core.callbacks.cancel(SERVICE, cancelled.id)

    assert [i["customerCallbackId"] for i in listing(ameyo, session, limit="10")] == [str(kept.id)]


def test_date_filters_are_inclusive_epoch_milliseconds(
    ameyo: TestClient, session: dict[str, str], core: Core, clock: FakeClock
) -> None:
    add_queue(core, 6, "Sales")
    early = add_callback(core, 6, "+33612345678", desired_time=clock.now() + timedelta(hours=5))
    clock.advance(seconds=60.0005)  # added at a time with a fraction of a millisecond
    late = add_callback(core, 6, "+33612345679", desired_time=clock.now() + timedelta(hours=1))
    added_late, scheduled_early = ms(late.created_at), ms(early.desired_time)  # type: ignore[arg-type]

    def ids(**filters: str) -> list[str]:
        return [i["customerCallbackId"] for i in listing(ameyo, session, limit="10", **filters)]

    assert ids(fromDateAdded=str(added_late)) == [str(late.id)]
    assert ids(toDateAdded=str(added_late - 1)) == [str(early.id)]
    assert ids(fromDateAdded=str(added_late), toDateAdded=str(added_late)) == [str(late.id)]
    assert ids(fromDateScheduled=str(scheduled_early)) == [str(early.id)]
    assert ids(toDateScheduled=str(scheduled_early - 1)) == [str(late.id)]
    assert ids(fromDateScheduled=str(scheduled_early), toDateScheduled=str(scheduled_early)) == [
        str(early.id)
    ]
    assert ids(fromDateAdded=str(added_late + 1)) == []


def test_info_adds_what_was_given_when_the_callback_was_scheduled(
    ameyo: TestClient, session: dict[str, str], core: Core
) -> None:
    add_queue(core, 6, "Sales")
    add_callback(core, 6, "+33612345678", properties={"order": "A-77", "vip": True})

    with_info = listing(ameyo, session, info="true")
    without = listing(ameyo, session, info="false")

    assert with_info[0]["info"] == {"order": "A-77", "vip": True}
    assert list(with_info[0])[:-1] == DOCUMENT_FIELDS
    assert list(without[0]) == DOCUMENT_FIELDS


def test_an_unknown_campaign_is_refused_like_an_unknown_callback(
    ameyo: TestClient, session: dict[str, str]
) -> None:
    response = ameyo.get(
        FILTERED, params={"limit": "1", "campaignId": "99", "offset": "0"}, headers=session
    )

    assert response.status_code == 512
    assert response.json() == failure(512, "CallBackManager.invalid.campaign.id", "99")


def test_a_supervisor_sees_only_the_campaigns_of_its_rights(ameyo: TestClient, core: Core) -> None:
    add_queue(core, 6, "Sales")
    add_queue(core, 7, "Support")
    add_supervisor(core, "sup", 6)
    made = add_callback(core, 6, "+33612345678")
    add_callback(core, 7, "+33612345679")
    headers = {"sessionId": login(ameyo, "sup", SUPERVISOR_PASSWORD)}

    own = listing(ameyo, headers)
    foreign = ameyo.get(
        FILTERED, params={"limit": "1", "campaignId": "7", "offset": "0"}, headers=headers
    )

    assert [i["customerCallbackId"] for i in own] == [str(made.id)]
    assert foreign.status_code == 512
    assert foreign.json() == failure(512, "CallBackManager.invalid.campaign.id", "7")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"campaignId": "6", "offset": "0"}, "limit"),
        ({"limit": "1", "offset": "0"}, "campaignId"),
        ({"limit": "1", "campaignId": "6"}, "offset"),
        ({"limit": "ten", "campaignId": "6", "offset": "0"}, "limit"),
        ({"limit": "0", "campaignId": "6", "offset": "0"}, "limit"),
        ({"limit": "1", "campaignId": "six", "offset": "0"}, "campaignId"),
        ({"limit": "1", "campaignId": "6", "offset": "-1"}, "offset"),
        ({"limit": "1", "campaignId": "6", "offset": "99999999999999999999"}, "offset"),
        ({"limit": "1.5", "campaignId": "6", "offset": "0"}, "limit"),
        ({"limit": "1", "campaignId": "6", "offset": "0", "info": "maybe"}, "info"),
        ({"limit": "1", "campaignId": "6", "offset": "0", "toDateAdded": "yesterday"},
         "toDateAdded"),
        ({"limit": "1", "campaignId": "6", "offset": "0", "fromDateScheduled": "-5"},
         "fromDateScheduled"),
        ({"limit": "1", "campaignId": "6", "offset": "0", "fromDateAdded": "1" * 30},
         "fromDateAdded"),
    ],
)  # fmt: skip
def test_bad_parameters_are_a_400_naming_the_parameter(
    ameyo: TestClient,
    session: dict[str, str],
    core: Core,
    params: dict[str, str],
    field: str,
) -> None:
    add_queue(core, 6, "Sales")

    response = ameyo.get(FILTERED, params=params, headers=session)

    assert response.status_code == 400
    body = response.json()
    assert body["info"] == f'["RestApi.invalid.parameter", "{field}"]'
    assert field in body["message"]
    assert body["status"] == body["errorCode"] == 400


@pytest.mark.parametrize(
    "content", [b"{not json", b'"a string"', b'{"limit": [1, 2]}', b'{"limit": {"a": 1}}']
)
def test_a_bad_json_body_is_a_400(
    ameyo: TestClient, session: dict[str, str], core: Core, content: bytes
) -> None:
    add_queue(core, 6, "Sales")

    response = ameyo.post(
        FILTERED,
        params={"campaignId": "6", "offset": "0"},
        content=content,
        headers={**session, "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["status"] == 400


@pytest.mark.parametrize("content_type", ["application/xml", "text/plain"])
def test_a_body_that_cannot_be_read_is_refused_rather_than_ignored(
    ameyo: TestClient, session: dict[str, str], core: Core, content_type: str
) -> None:
    add_queue(core, 6, "Sales")
    add_callback(core, 6, "+33612345678")

    response = ameyo.post(
        FILTERED,
        params={"limit": "1", "campaignId": "6", "offset": "0"},
        content=b'{"userIds": ["Stieve"]}',  # a filter that must not be dropped silently
        headers={**session, "content-type": content_type},
    )

    assert response.status_code == 415
    assert response.json() == failure(
        415, "RestApi.unsupported.media.type", content_type,
        message=f"a body must be application/json or application/x-www-form-urlencoded, "
        f"not {content_type}",
    )  # fmt: skip


def listing(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    """GET getFiltered on campaign 6 (limit 1, offset 0 unless given); fail unless 200."""
    wanted = {"limit": "1", "campaignId": "6", "offset": "0", **params}
    response = client.get(FILTERED, params=wanted, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items
