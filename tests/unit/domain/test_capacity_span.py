"""proposal_span: the span of bucket starts that proposals() looks at."""

from __future__ import annotations

from datetime import UTC, datetime

from ringback.domain.capacity import CapacityPolicy, buckets_between, proposal_span, proposals
from ringback.domain.hours import BusinessHours


def test_the_span_covers_the_window_around_the_desired_time() -> None:
    policy = CapacityPolicy(bucket_minutes=15, proposal_window_minutes=60)
    first, end = proposal_span(datetime(2026, 1, 5, 9, 7, tzinfo=UTC), policy, "UTC")
    assert first == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert end == datetime(2026, 1, 5, 10, 7, tzinfo=UTC)


def test_a_zero_window_still_holds_the_desired_bucket() -> None:
    policy = CapacityPolicy(bucket_minutes=120, proposal_window_minutes=0)
    first, end = proposal_span(datetime(2026, 1, 5, 9, 7, tzinfo=UTC), policy, "Europe/Paris")
    # 09:07Z is 10:07 in Paris: the local 10:00-12:00 bucket, 09:00Z..11:00Z.
    assert (first, end) == (
        datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 5, 11, 0, tzinfo=UTC),
    )


def test_every_bucket_proposals_may_name_starts_inside_the_span() -> None:
    policy = CapacityPolicy(bucket_minutes=60, max_per_bucket=2, proposal_window_minutes=90)
    hours = BusinessHours.parse(timezone="Europe/Paris", business_hours=["Sun 00:00-06:00"])
    desired = datetime(2026, 3, 29, 1, 20, tzinfo=UTC)  # the spring-forward night
    now = datetime(2026, 3, 28, tzinfo=UTC)
    first, end = proposal_span(desired, policy, "Europe/Paris")
    found = proposals(desired=desired, now=now, policy=policy, hours=hours, used={})
    starts = buckets_between(first, end, 60, "Europe/Paris")
    assert set(found) <= set(starts)
    assert set(found) == {s for s in starts if hours.is_open(s)}
