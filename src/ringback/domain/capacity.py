"""Capacity buckets, the GMS scheduled-callback model.

Time is cut into buckets of `bucket_minutes` aligned on the queue's local wall clock: a bucket
starts wherever the local time is a multiple of the bucket size after local midnight (120-minute
buckets start at even local hours, even in zones with :30 offsets). Buckets tile real time. On a
DST change day a bucket may be shorter or longer than its nominal size: when the clock springs
forward over a boundary the bucket starts at the change itself; when it falls back, a 120-minute
bucket holding the repeated hour lasts 3 hours (buckets of 60 minutes or less are unaffected by
whole-hour changes: each repeated hour gets its own buckets).

At most `max_per_bucket` callbacks may be booked in a bucket. When the desired bucket is full,
the proposals are the buckets in `[desired - window, desired + window)` (plus the desired bucket
itself) that start strictly in the future, at an open time, no later than the horizon, and that
still have room: GMS shows 09:00 with 15-minute buckets and a one-hour window as 08:00..09:45.

The horizon is `<n><unit>` (y, M, w, d, h, m). Years, months, weeks and days count on the local
calendar (Jan 31 + 1M = Feb 28 or 29, same wall time); hours and minutes are elapsed real time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ringback.domain.errors import Invalid
from ringback.domain.hours import BusinessHours, as_utc, local_to_utc, transition_in, zone

ALLOWED_BUCKET_MINUTES = (5, 10, 15, 20, 30, 60, 120)
MAX_PROPOSAL_WINDOW_MINUTES = 7 * 1440
_HORIZON_RE = re.compile(r"([0-9]{1,6})([yMwdhm])")
_UNIT_MINUTES = {"y": 366 * 1440, "M": 31 * 1440, "w": 7 * 1440, "d": 1440, "h": 60, "m": 1}
_MAX_HORIZON_MINUTES = 100 * 366 * 1440
_TICK = timedelta(microseconds=1)


def _parse_horizon(text: object) -> tuple[int, str]:
    match = _HORIZON_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or int(match[1]) < 1:
        raise Invalid(
            f"horizon {text!r} is not '<n><unit>' with n >= 1 and unit y, M, w, d, h or m",
            field="horizon",
        )
    count, unit = int(match[1]), match[2]
    if count * _UNIT_MINUTES[unit] > _MAX_HORIZON_MINUTES:
        raise Invalid(f"horizon {text!r} is longer than 100 years", field="horizon")
    return count, unit


def _check_int(value: object, field: str, low: int, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise Invalid(f"{field} must be an integer >= {low}, got {value!r}", field=field)
    if high is not None and value > high:
        raise Invalid(f"{field} must be at most {high}, got {value!r}", field=field)


def _check_bucket(bucket_minutes: object) -> int:
    if type(bucket_minutes) is int and bucket_minutes in ALLOWED_BUCKET_MINUTES:
        return bucket_minutes
    allowed = ", ".join(map(str, ALLOWED_BUCKET_MINUTES))
    raise Invalid(
        f"bucket_minutes must be one of {allowed}, got {bucket_minutes!r}", field="bucket_minutes"
    )


@dataclass(frozen=True, slots=True)
class CapacityPolicy:
    """How many callbacks a queue books per time bucket, and how far ahead; checked on creation."""

    bucket_minutes: int = 5
    max_per_bucket: int = 100
    horizon: str = "1M"
    proposal_window_minutes: int = 60

    def __post_init__(self) -> None:
        _check_bucket(self.bucket_minutes)
        _check_int(self.max_per_bucket, "max_per_bucket", 1)
        _check_int(
            self.proposal_window_minutes, "proposal_window_minutes", 0, MAX_PROPOSAL_WINDOW_MINUTES
        )
        _parse_horizon(self.horizon)


def _add_months(wall: datetime, months: int) -> datetime:
    index = wall.month - 1 + months
    year, month = wall.year + index // 12, index % 12 + 1
    day = min(wall.day, calendar.monthrange(year, month)[1])
    return wall.replace(year=year, month=month, day=day)


def horizon_end(policy: CapacityPolicy, now: datetime, timezone: str) -> datetime:
    """The last instant (UTC) a callback may be booked for: `now` plus the policy's horizon."""
    now, tz = as_utc(now, "now"), zone(timezone)
    count, unit = _parse_horizon(policy.horizon)
    if unit in "hm":
        return now + timedelta(minutes=count * _UNIT_MINUTES[unit])
    # A naive wall-clock label, moved on the calendar, then resolved by zoneinfo.
    wall = now.astimezone(tz).replace(tzinfo=None)
    if unit in "yM":
        wall = _add_months(wall, count * 12 if unit == "y" else count)
    else:
        wall += timedelta(days=count * (7 if unit == "w" else 1))
    return local_to_utc(wall, tz)


def _floor_wall(wall: datetime, bucket_minutes: int) -> datetime:
    midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = wall.hour * 60 + wall.minute
    return midnight + timedelta(minutes=minutes - minutes % bucket_minutes)


def _floor(at: datetime, bucket_minutes: int, tz: ZoneInfo) -> datetime:
    """The latest bucket boundary at or before UTC instant `at`."""
    local = at.astimezone(tz)
    wall = local.replace(tzinfo=None)
    candidate = at - (wall - _floor_wall(wall, bucket_minutes))
    if candidate.astimezone(tz).utcoffset() == local.utcoffset():
        return candidate
    # The clock changed since the candidate: the change itself is a boundary if it jumped over one.
    change = transition_in(candidate, at, tz)
    before = (change - _TICK).astimezone(tz).replace(tzinfo=None)
    after = change.astimezone(tz).replace(tzinfo=None)
    if _floor_wall(after, bucket_minutes) > before:
        return change
    return _floor(change - _TICK, bucket_minutes, tz)


def _next_boundary(start: datetime, bucket_minutes: int, tz: ZoneInfo) -> datetime:
    """The first bucket boundary strictly after UTC instant `start`."""
    step = timedelta(minutes=bucket_minutes)
    probe = start + step
    boundary = _floor(probe, bucket_minutes, tz)
    while boundary <= start:  # a fall-back hour made this bucket longer than its size
        probe += step
        boundary = _floor(probe, bucket_minutes, tz)
    while (earlier := _floor(boundary - _TICK, bucket_minutes, tz)) > start:
        boundary = earlier  # a spring-forward change made a bucket shorter than its size
    return boundary


def bucket_start(at: datetime, bucket_minutes: int, timezone: str) -> datetime:
    """Start (UTC) of the bucket holding `at`, buckets aligned on local wall time."""
    return _floor(as_utc(at), _check_bucket(bucket_minutes), zone(timezone))


def bucket_end(start: datetime, bucket_minutes: int, timezone: str | None = None) -> datetime:
    """End (UTC) of the bucket starting at `start`; give `timezone` to be exact on DST days."""
    start, size = as_utc(start, "start"), _check_bucket(bucket_minutes)
    if timezone is None:
        return start + timedelta(minutes=size)
    return _next_boundary(start, size, zone(timezone))


def buckets_between(
    start: datetime, end: datetime, bucket_minutes: int, timezone: str
) -> list[datetime]:
    """Bucket starts (UTC) in [bucket_start(start), end), in order."""
    end, size, tz = as_utc(end, "end"), _check_bucket(bucket_minutes), zone(timezone)
    current = _floor(as_utc(start, "start"), size, tz)
    starts: list[datetime] = []
    while current < end:
        starts.append(current)
        current = _next_boundary(current, size, tz)
    return starts


def proposal_span(
    desired: datetime, policy: CapacityPolicy, timezone: str
) -> tuple[datetime, datetime]:
    """The [first, end) span (UTC) holding every bucket start `proposals` looks at."""
    desired, size = as_utc(desired, "desired"), policy.bucket_minutes
    window = timedelta(minutes=policy.proposal_window_minutes)
    end = max(desired + window, bucket_end(bucket_start(desired, size, timezone), size, timezone))
    return bucket_start(desired - window, size, timezone), end


def proposals(
    *,
    desired: datetime,
    now: datetime,
    policy: CapacityPolicy,
    hours: BusinessHours,
    used: Mapping[datetime, int],
) -> dict[datetime, int]:
    """Open, future, non-full buckets around `desired` (UTC start -> room left), in time order."""
    desired, now = as_utc(desired, "desired"), as_utc(now, "now")
    size, tz = policy.bucket_minutes, hours.timezone
    first, end = proposal_span(desired, policy, tz)
    last = horizon_end(policy, now, tz)
    room: dict[datetime, int] = {}
    for start in buckets_between(first, end, size, tz):
        left = policy.max_per_bucket - used.get(start, 0)
        if now < start <= last and left > 0 and hours.is_open(start):
            room[start] = left
    return room
