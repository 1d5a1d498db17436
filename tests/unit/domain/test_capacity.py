from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringback.domain.capacity import (
    ALLOWED_BUCKET_MINUTES,
    CapacityPolicy,
    bucket_end,
    bucket_start,
    buckets_between,
    horizon_end,
    proposals,
)
from ringback.domain.errors import Invalid
from ringback.domain.hours import BusinessHours

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, timezone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone))


def stamps(instants: object) -> list[str]:
    return [f"{instant:%H:%M}" for instant in instants]  # type: ignore[attr-defined]


# --- policy ----------------------------------------------------------------------------------


def test_policy_defaults_follow_gms() -> None:
    policy = CapacityPolicy()
    assert (policy.bucket_minutes, policy.max_per_bucket, policy.horizon) == (5, 100, "1M")
    assert policy.proposal_window_minutes == 60
    assert ALLOWED_BUCKET_MINUTES == (5, 10, 15, 20, 30, 60, 120)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bucket_minutes": 7}, "bucket_minutes"),
        ({"bucket_minutes": 0}, "bucket_minutes"),
        ({"bucket_minutes": True}, "bucket_minutes"),
        ({"max_per_bucket": 0}, "max_per_bucket"),
        ({"max_per_bucket": "10"}, "max_per_bucket"),
        ({"horizon": "1"}, "horizon"),
        ({"horizon": "M"}, "horizon"),
        ({"horizon": "0d"}, "horizon"),
        ({"horizon": "2x"}, "horizon"),
        ({"horizon": "1 month"}, "horizon"),
        ({"horizon": "101y"}, "horizon"),
        ({"proposal_window_minutes": -1}, "proposal_window_minutes"),
        ({"proposal_window_minutes": 100_000}, "proposal_window_minutes"),
    ],
)
def test_bad_policy_values_are_invalid(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as raised:
        CapacityPolicy(**kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert repr(next(iter(kwargs.values()))) in raised.value.message


def test_bucket_functions_refuse_bad_input() -> None:
    with pytest.raises(Invalid) as raised:
        bucket_start(utc("2026-06-01T10:00"), 7, PARIS)
    assert raised.value.field == "bucket_minutes"
    with pytest.raises(Invalid) as raised:
        bucket_start(datetime(2026, 6, 1, 10), 5, PARIS)
    assert raised.value.field == "at"
    with pytest.raises(Invalid) as raised:
        bucket_start(utc("2026-06-01T10:00"), 5, "Nowhere/City")
    assert raised.value.field == "timezone"


# --- horizon ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("horizon", "now", "end"),
    [
        ("1M", "2026-01-31T10:00", "2026-02-28T10:00"),
        ("1M", "2028-01-31T10:00", "2028-02-29T10:00"),
        ("2M", "2026-12-31T10:00", "2027-02-28T10:00"),
        ("1y", "2028-02-29T10:00", "2029-02-28T10:00"),
        ("13M", "2026-01-15T10:00", "2027-02-15T10:00"),
        ("1w", "2026-06-01T10:00", "2026-06-08T10:00"),
        ("3d", "2026-06-01T10:00", "2026-06-04T10:00"),
    ],
)
def test_horizon_counts_on_the_local_calendar(horizon: str, now: str, end: str) -> None:
    result = horizon_end(CapacityPolicy(horizon=horizon), local(now, PARIS), PARIS)
    assert result == local(end, PARIS)
    assert result.tzinfo is UTC


def test_horizon_keeps_the_wall_time_across_dst() -> None:
    # 10:00 CET on 1 March is 09:00 UTC; 10:00 CEST on 1 April is 08:00 UTC.
    assert horizon_end(CapacityPolicy(horizon="1M"), utc("2026-03-01T09:00"), PARIS) == utc(
        "2026-04-01T08:00"
    )
    assert horizon_end(CapacityPolicy(horizon="1d"), utc("2026-03-28T09:00"), PARIS) == utc(
        "2026-03-29T08:00"
    )


def test_horizon_hours_and_minutes_are_elapsed_time() -> None:
    assert horizon_end(CapacityPolicy(horizon="24h"), utc("2026-03-28T09:00"), PARIS) == utc(
        "2026-03-29T09:00"
    )
    assert horizon_end(CapacityPolicy(horizon="90m"), utc("2026-03-28T09:00"), PARIS) == utc(
        "2026-03-28T10:30"
    )


def test_month_end_uses_the_local_date_not_the_utc_one() -> None:
    # 2026-01-31T23:30 UTC is already 1 February in Paris: one month later is 1 March.
    assert horizon_end(CapacityPolicy(horizon="1M"), utc("2026-01-31T23:30"), PARIS) == local(
        "2026-03-01T00:30", PARIS
    )


# --- buckets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "start"),
    [
        (5, "2026-06-01T10:35"),
        (10, "2026-06-01T10:30"),
        (15, "2026-06-01T10:30"),
        (20, "2026-06-01T10:20"),
        (30, "2026-06-01T10:30"),
        (60, "2026-06-01T10:00"),
        (120, "2026-06-01T10:00"),
    ],
)
def test_bucket_start_floors_each_size(size: int, start: str) -> None:
    at = local("2026-06-01T10:37:42.5", PARIS)
    assert bucket_start(at, size, PARIS) == local(start, PARIS)
    assert bucket_end(local(start, PARIS), size) == local(start, PARIS) + timedelta(minutes=size)


def test_120_minute_buckets_start_at_even_local_hours() -> None:
    assert bucket_start(local("2026-06-01T11:59", PARIS), 120, PARIS) == local(
        "2026-06-01T10:00", PARIS
    )
    assert bucket_start(local("2026-06-01T12:00", PARIS), 120, PARIS) == local(
        "2026-06-01T12:00", PARIS
    )


@pytest.mark.parametrize(
    ("size", "start"),
    [(5, "12:25"), (15, "12:15"), (20, "12:10"), (30, "12:00"), (60, "11:30"), (120, "10:30")],
)
def test_buckets_align_on_local_time_in_a_half_hour_zone(size: int, start: str) -> None:
    # 12:29 UTC is 17:59 IST (UTC+05:30): 17:55, 17:45, 17:40, 17:30, 17:00 and 16:00 IST.
    assert bucket_start(utc("2026-06-01T12:29"), size, KOLKATA) == utc(f"2026-06-01T{start}")


def test_bucket_start_is_a_boundary_of_itself() -> None:
    start = bucket_start(utc("2026-06-01T12:29"), 60, KOLKATA)
    assert bucket_start(start, 60, KOLKATA) == start


def test_hourly_buckets_on_new_york_spring_forward() -> None:
    starts = buckets_between(utc("2026-03-08T05:00"), utc("2026-03-08T09:00"), 60, NEW_YORK)
    # 00:00 EST, 01:00 EST, 03:00 EDT, 04:00 EDT: each one real hour.
    assert stamps(starts) == ["05:00", "06:00", "07:00", "08:00"]


def test_hourly_buckets_on_new_york_fall_back_give_each_repeated_hour_its_own_bucket() -> None:
    starts = buckets_between(utc("2026-11-01T04:00"), utc("2026-11-01T08:00"), 60, NEW_YORK)
    assert stamps(starts) == ["04:00", "05:00", "06:00", "07:00"]
    second_one_thirty = utc("2026-11-01T06:30")  # 01:30 EST
    assert bucket_start(second_one_thirty, 60, NEW_YORK) == utc("2026-11-01T06:00")


def test_two_hour_buckets_on_new_york_spring_forward() -> None:
    starts = buckets_between(utc("2026-03-08T04:00"), utc("2026-03-08T12:00"), 120, NEW_YORK)
    # 22:00 EST, 00:00 EST, the change at 02:00 EST = 03:00 EDT, then 04:00 and 06:00 EDT.
    assert stamps(starts) == ["03:00", "05:00", "07:00", "08:00", "10:00"]
    assert bucket_start(utc("2026-03-08T07:30"), 120, NEW_YORK) == utc("2026-03-08T07:00")
    assert bucket_end(utc("2026-03-08T07:00"), 120, NEW_YORK) == utc("2026-03-08T08:00")


def test_two_hour_bucket_holding_the_repeated_hour_lasts_three_hours() -> None:
    starts = buckets_between(utc("2026-11-01T03:00"), utc("2026-11-01T12:00"), 120, NEW_YORK)
    # 22:00 EDT, 00:00 EDT (lasts until 02:00 EST), 02:00 EST, 04:00 EST, 06:00 EST.
    assert stamps(starts) == ["02:00", "04:00", "07:00", "09:00", "11:00"]
    assert bucket_start(utc("2026-11-01T06:30"), 120, NEW_YORK) == utc("2026-11-01T04:00")
    assert bucket_end(utc("2026-11-01T04:00"), 120, NEW_YORK) == utc("2026-11-01T07:00")
    assert bucket_end(utc("2026-11-01T04:00"), 120) == utc("2026-11-01T06:00")


def test_paris_dst_days_with_small_buckets() -> None:
    spring = buckets_between(utc("2026-03-29T00:45"), utc("2026-03-29T01:15"), 15, PARIS)
    assert stamps(spring) == ["00:45", "01:00"]  # 01:45 CET, then 03:00 CEST
    fall = buckets_between(utc("2026-10-25T00:40"), utc("2026-10-25T01:10"), 20, PARIS)
    assert stamps(fall) == ["00:40", "01:00"]  # 02:40 CEST, then 02:00 CET


def test_buckets_between_starts_at_the_bucket_of_start_and_excludes_end() -> None:
    starts = buckets_between(utc("2026-06-01T10:07"), utc("2026-06-01T10:30"), 10, "UTC")
    assert stamps(starts) == ["10:00", "10:10", "10:20"]
    assert buckets_between(utc("2026-06-01T10:30"), utc("2026-06-01T10:30"), 10, "UTC") == []


# --- proposals -------------------------------------------------------------------------------


def test_gms_query_availability_example() -> None:
    # GMS: availability?timestamp=2013-06-15T09:00 with 15-minute buckets -> 08:00..09:45.
    hours = BusinessHours.parse(timezone="UTC", business_hours=["Mon-Sat 08:00-12:00"])
    policy = CapacityPolicy(bucket_minutes=15, max_per_bucket=5)
    used = {utc("2013-06-15T09:00"): 1, utc("2013-06-15T09:15"): 1}
    result = proposals(
        desired=utc("2013-06-15T09:00"),
        now=utc("2013-06-15T07:00"),
        policy=policy,
        hours=hours,
        used=used,
    )
    assert result == {
        utc("2013-06-15T08:00"): 5,
        utc("2013-06-15T08:15"): 5,
        utc("2013-06-15T08:30"): 5,
        utc("2013-06-15T08:45"): 5,
        utc("2013-06-15T09:00"): 4,
        utc("2013-06-15T09:15"): 4,
        utc("2013-06-15T09:30"): 5,
        utc("2013-06-15T09:45"): 5,
    }
    assert list(result) == sorted(result)


def test_gms_reschedule_example_full_1645_bucket() -> None:
    # GMS: 16:45 full (5-minute buckets) -> 16:25..16:55 without 16:45; the office closes at 17:00.
    hours = BusinessHours.parse(timezone="UTC", business_hours=["Mon-Fri 08:00-17:00"])
    policy = CapacityPolicy(bucket_minutes=5, max_per_bucket=5, proposal_window_minutes=20)
    used = {utc("2013-05-27T16:45"): 5, utc("2013-05-27T16:55"): 2}
    result = proposals(
        desired=utc("2013-05-27T16:45"),
        now=utc("2013-05-27T15:00"),
        policy=policy,
        hours=hours,
        used=used,
    )
    assert {f"{start:%H:%M}": room for start, room in result.items()} == {
        "16:25": 5,
        "16:30": 5,
        "16:35": 5,
        "16:40": 5,
        "16:50": 5,
        "16:55": 3,
    }


def test_gms_queue_full_example_1530_bucket() -> None:
    # GMS: 15:30 full (15-minute buckets) -> 15:15..16:45; past buckets and closing time cut it.
    hours = BusinessHours.parse(timezone="UTC", business_hours=["Mon-Fri 08:00-17:00"])
    policy = CapacityPolicy(bucket_minutes=15, max_per_bucket=5, proposal_window_minutes=90)
    used = {utc("2013-05-28T15:30"): 5, utc("2013-05-28T16:00"): 1}
    result = proposals(
        desired=utc("2013-05-28T15:30"),
        now=utc("2013-05-28T15:05"),
        policy=policy,
        hours=hours,
        used=used,
    )
    assert {f"{start:%H:%M}": room for start, room in result.items()} == {
        "15:15": 5,
        "15:45": 5,
        "16:00": 4,
        "16:15": 5,
        "16:30": 5,
        "16:45": 5,
    }


def test_proposals_are_open_future_and_not_full() -> None:
    hours = BusinessHours.parse(timezone=PARIS, business_hours=["Mon-Fri 09:00-11:30"])
    policy = CapacityPolicy(bucket_minutes=30, max_per_bucket=2, proposal_window_minutes=120)
    now = local("2026-06-01T09:40", PARIS)
    used = {local("2026-06-01T10:30", PARIS): 2, local("2026-06-01T11:00", PARIS): 1}
    result = proposals(
        desired=local("2026-06-01T10:30", PARIS), now=now, policy=policy, hours=hours, used=used
    )
    # Window 08:30..12:00: up to 09:30 is past, 10:30 is full, 11:30 and 12:00 are closed.
    assert result == {
        local("2026-06-01T10:00", PARIS): 2,
        local("2026-06-01T11:00", PARIS): 1,
    }
    assert all(start.tzinfo is UTC for start in result)
    assert all(hours.is_open(start) and start > now for start in result)


def test_proposals_stop_at_the_horizon() -> None:
    hours = BusinessHours.parse(timezone="UTC")
    policy = CapacityPolicy(bucket_minutes=30, max_per_bucket=2, horizon="1h")
    result = proposals(
        desired=utc("2026-06-01T10:30"),
        now=utc("2026-06-01T10:00"),
        policy=policy,
        hours=hours,
        used={},
    )
    assert stamps(result) == ["10:30", "11:00"]


def test_proposals_skip_the_bucket_holding_now() -> None:
    hours = BusinessHours.parse(timezone="UTC")
    policy = CapacityPolicy(bucket_minutes=10, max_per_bucket=3, proposal_window_minutes=20)
    result = proposals(
        desired=utc("2026-06-01T10:05"),
        now=utc("2026-06-01T10:00"),
        policy=policy,
        hours=hours,
        used={},
    )
    assert stamps(result) == ["10:10", "10:20"]


def test_zero_window_still_considers_the_desired_bucket() -> None:
    hours = BusinessHours.parse(timezone="UTC")
    policy = CapacityPolicy(bucket_minutes=15, max_per_bucket=3, proposal_window_minutes=0)
    result = proposals(
        desired=utc("2026-06-01T10:00"),
        now=utc("2026-06-01T09:00"),
        policy=policy,
        hours=hours,
        used={utc("2026-06-01T10:00"): 1},
    )
    assert result == {utc("2026-06-01T10:00"): 2}


def test_used_counts_match_whatever_zone_their_keys_carry() -> None:
    hours = BusinessHours.parse(timezone=PARIS)
    policy = CapacityPolicy(bucket_minutes=60, max_per_bucket=3, proposal_window_minutes=60)
    result = proposals(
        desired=local("2026-06-01T10:00", PARIS),
        now=local("2026-06-01T08:30", PARIS),
        policy=policy,
        hours=hours,
        used={local("2026-06-01T10:00", PARIS): 3, utc("2026-06-01T07:00"): 1},
    )
    # 09:00 CEST (07:00 UTC) has 1 booked, 10:00 CEST is full.
    assert result == {utc("2026-06-01T07:00"): 2}


def test_proposals_refuse_naive_times() -> None:
    with pytest.raises(Invalid) as raised:
        proposals(
            desired=datetime(2026, 6, 1, 10),
            now=utc("2026-06-01T09:00"),
            policy=CapacityPolicy(),
            hours=BusinessHours.parse(timezone="UTC"),
            used={},
        )
    assert raised.value.field == "desired"
