"""Business hours of a queue: GMS office-hours rules evaluated in the queue's own time zone.

Syntax (GMS `_bh_regular`, `_bh_add`, closed dates):
- weekly rule `Mon-Fri 09:00-17:00`, `Sat 10:00-12:00` or `Mon,Wed-Thu 9:00-12:00`; day names
  Mon..Sun in any case; a day range may wrap (`Sat-Mon` = Sat, Sun, Mon).
- `HH:mm-HH:mm` with end <= start crosses midnight and belongs to the day it starts on
  (`Fri 19:00-7:00` = Friday 19:00 to Saturday 07:00); `00:00-24:00` and `00:00-00:00` are the
  whole day.
- special opening `2026-12-24 09:00-12:00`, or yearly `12-24 09:00-12:00`.
- closed date `2026-12-24`, or yearly `12-25`.

Semantics:
- No weekly rule at all: open every day, all day, still subject to closed dates and holidays.
- Intervals are half-open: open at their start, closed at their end.
- A closed date or a public holiday of `holiday_country` closes its local calendar day, 00:00 to
  24:00, and nothing else: an overnight interval started the day before is cut at local midnight,
  and one starting on the closed day is open again from midnight on the next (open) day.
- Special openings are the most specific rule: they open even on closed dates and holidays.
- Everything is evaluated on local wall time; each day's opening and closing instants are built
  from wall times with zoneinfo, then compared in UTC. A wall time that does not exist (the
  spring-forward gap) stands for the first instant after the gap; an ambiguous wall time (the
  repeated fall-back hour) stands for its first occurrence. So `01:00-04:00` lasts 2 h of real
  time on a spring-forward day and 4 h on a fall-back day in Europe/Paris or America/New_York.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from ringback.domain.errors import Invalid

DAY_MINUTES = 1440
_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1)
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_RANGE = r"[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?"
_SPAN = r"([0-9]{1,2}:[0-9]{2})\s*-\s*([0-9]{1,2}:[0-9]{2})"
_WEEKLY_RE = re.compile(rf"({_DAY_RANGE}(?:\s*,\s*{_DAY_RANGE})*)\s+{_SPAN}")
_DATE = r"(?:([0-9]{4})-)?([0-9]{1,2})-([0-9]{1,2})"
_OPENING_RE = re.compile(rf"{_DATE}\s+{_SPAN}")
_CLOSED_RE = re.compile(_DATE)
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")

CLOSED_DATE = "closed_date"
HOLIDAY = "holiday"
CLOSED_DAY_OF_WEEK = "closed_day_of_week"
CLOSED_NO_MATCH = "closed_no_match"


def zone(name: str, *, field: str = "timezone") -> ZoneInfo:
    """The IANA time zone `name`, or Invalid naming `field`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(f"unknown time zone {name!r}", field=field) from None


def as_utc(at: datetime, field: str = "at") -> datetime:
    """`at` converted to UTC; Invalid when it is naive."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise Invalid(f"{field} must carry a time zone, got naive {at.isoformat()}", field=field)
    return at.astimezone(UTC)


def transition_in(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """First instant in (lo, hi] whose UTC offset in `tz` is the one `hi` has."""
    target = hi.astimezone(tz).utcoffset()
    while hi - lo > _TICK:
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """UTC instant of naive wall time `wall` in `tz`: gap -> just after it, ambiguous -> first."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    before_gap = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return transition_in(before_gap, first, tz)


def _wall_utc(day: date, minute: int, tz: ZoneInfo) -> datetime:
    # Naive arithmetic builds a wall-clock label only; zoneinfo then resolves it.
    return local_to_utc(datetime.combine(day, time()) + timedelta(minutes=minute), tz)


def _minute(text: str, *, end: bool) -> int | None:
    match = _TIME_RE.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end)):
        return None
    return hour * 60 + minute


def _span(start_text: str, end_text: str) -> tuple[int, int] | None:
    start, end = _minute(start_text, end=False), _minute(end_text, end=True)
    if start is None or end is None:
        return None
    return start, end if end > start else end + DAY_MINUTES


def _weekdays(text: str) -> tuple[int, ...] | None:
    days: set[int] = set()
    for item in text.split(","):
        names = [name.strip().lower() for name in item.split("-")]
        if any(name not in _DAY_NAMES for name in names):
            return None
        first, last = _DAY_NAMES.index(names[0]), _DAY_NAMES.index(names[-1])
        days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
    return tuple(sorted(days))


def _date_parts(year: str | None, month: str, day: str) -> tuple[int | None, int, int] | None:
    try:
        # 2000 is a leap year, so a yearly 02-29 is accepted (it applies in leap years only).
        date(int(year) if year else 2000, int(month), int(day))
    except ValueError:
        return None
    return (int(year) if year else None), int(month), int(day)


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Open on `days` (0 = Monday) from `start` to `end`, minutes after local midnight."""

    days: tuple[int, ...]
    start: int
    end: int  # exclusive; beyond 1440 it runs into the next day

    @classmethod
    def parse(cls, text: str) -> WeeklyRule:
        """Parse `DDD-DDD HH:mm-HH:mm`, `DDD HH:mm-HH:mm` or `DDD,DDD-DDD HH:mm-HH:mm`."""
        match = _WEEKLY_RE.fullmatch(text.strip())
        days = _weekdays(match[1]) if match else None
        span = _span(match[2], match[3]) if match else None
        if days is None or span is None:
            raise Invalid(
                f"business_hours entry {text!r} is not 'DDD-DDD HH:mm-HH:mm' "
                "(days Mon..Sun, hours 00:00..24:00)",
                field="business_hours",
            )
        return cls(days, *span)


@dataclass(frozen=True, slots=True)
class SpecialOpening:
    """Open on one date (or every year on month-day when `year` is None), `start` to `end`."""

    year: int | None
    month: int
    day: int
    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> SpecialOpening:
        """Parse `YYYY-MM-DD HH:mm-HH:mm` or yearly `MM-DD HH:mm-HH:mm`."""
        match = _OPENING_RE.fullmatch(text.strip())
        when = _date_parts(match[1], match[2], match[3]) if match else None
        span = _span(match[4], match[5]) if match else None
        if when is None or span is None:
            raise Invalid(
                f"open_dates entry {text!r} is not 'YYYY-MM-DD HH:mm-HH:mm' or 'MM-DD HH:mm-HH:mm'",
                field="open_dates",
            )
        return cls(*when, *span)

    def applies_to(self, day: date) -> bool:
        """Whether this opening starts on local date `day`."""
        return (day.month, day.day) == (self.month, self.day) and self.year in (None, day.year)


@dataclass(frozen=True, slots=True)
class ClosedDate:
    """Closed all day on one date, or every year on month-day when `year` is None."""

    year: int | None
    month: int
    day: int

    @classmethod
    def parse(cls, text: str) -> ClosedDate:
        """Parse `YYYY-MM-DD` or yearly `MM-DD`."""
        match = _CLOSED_RE.fullmatch(text.strip())
        when = _date_parts(match[1], match[2], match[3]) if match else None
        if when is None:
            raise Invalid(
                f"closed_dates entry {text!r} is not 'YYYY-MM-DD' or 'MM-DD'",
                field="closed_dates",
            )
        return cls(*when)

    def applies_to(self, day: date) -> bool:
        """Whether local date `day` is this closed date."""
        return (day.month, day.day) == (self.month, self.day) and self.year in (None, day.year)


@lru_cache(maxsize=512)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def _entries(value: Sequence[str], field: str) -> tuple[str, ...]:
    entries = (value,) if isinstance(value, str) else tuple(value)
    for entry in entries:
        if not isinstance(entry, str):
            raise Invalid(f"{field} entries must be strings, got {entry!r}", field=field)
    return entries


def _merge(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _cut(start: int, end: int, *, today: bool, yesterday: bool) -> list[tuple[int, int]]:
    """The parts of a [start, end) span that fall on one day, given which day it started on."""
    pieces = [(start, min(end, DAY_MINUTES))] if today else []
    if yesterday and end > DAY_MINUTES:
        pieces.append((0, end - DAY_MINUTES))
    return pieces


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When a queue is open, in its IANA time zone (see the module docstring for the rules)."""

    timezone: str
    weekly: tuple[WeeklyRule, ...] = ()
    open_dates: tuple[SpecialOpening, ...] = ()
    closed_dates: tuple[ClosedDate, ...] = ()
    holiday_country: str | None = None

    def __post_init__(self) -> None:
        zone(self.timezone)
        country = self.holiday_country
        if country is not None and country not in holidays.list_supported_countries():
            raise Invalid(
                f"unknown holiday country {country!r} (an ISO code such as 'FR' or 'US')",
                field="holiday_country",
            )

    @classmethod
    def parse(
        cls,
        *,
        timezone: str,
        business_hours: Sequence[str] = (),
        open_dates: Sequence[str] = (),
        closed_dates: Sequence[str] = (),
        holiday_country: str | None = None,
    ) -> BusinessHours:
        """Build business hours from GMS-style strings; Invalid names the bad field and entry."""
        return cls(
            timezone=timezone,
            weekly=tuple(map(WeeklyRule.parse, _entries(business_hours, "business_hours"))),
            open_dates=tuple(map(SpecialOpening.parse, _entries(open_dates, "open_dates"))),
            closed_dates=tuple(map(ClosedDate.parse, _entries(closed_dates, "closed_dates"))),
            holiday_country=holiday_country.strip().upper() if holiday_country else None,
        )

    @property
    def always_open(self) -> bool:
        """True when nothing can ever close the queue."""
        return not self.weekly and not self.closed_dates and self.holiday_country is None

    def is_open(self, at: datetime) -> bool:
        """Whether the queue is open at instant `at`."""
        at = as_utc(at)
        day = self._local_date(at)
        return any(start <= at < end for start, end in self._intervals(day - _DAY, day + _DAY))

    def closed_reason(self, at: datetime) -> str | None:
        """Why the queue is closed at `at` (a GMS reason string), or None when it is open."""
        if self.is_open(at):
            return None
        day = self._local_date(as_utc(at))
        reason = self._closed_day_reason(day)
        if reason is not None:
            return reason
        if any(day.weekday() in rule.days for rule in self.weekly) or any(
            opening.applies_to(day) for opening in self.open_dates
        ):
            return CLOSED_NO_MATCH
        return CLOSED_DAY_OF_WEEK

    def next_opening(
        self, at: datetime, *, within: timedelta = timedelta(days=400)
    ) -> datetime | None:
        """`at` (UTC) when open then, else the first instant it opens; None if not within."""
        at = as_utc(at)
        limit = at + within
        for start, end in self._intervals(self._local_date(at) - _DAY, self._last_day(limit)):
            if end > at:
                opening = max(start, at)
                return opening if opening <= limit else None
        return None

    def next_closing(
        self, at: datetime, *, within: timedelta = timedelta(days=400)
    ) -> datetime | None:
        """`at` (UTC) when closed then, else the first instant it closes; None if not within."""
        at = as_utc(at)
        if self.always_open:
            return None
        limit = at + within
        for start, end in self._intervals(self._local_date(at) - _DAY, self._last_day(limit)):
            if end > at:
                if start > at:
                    return at
                return end if end <= limit else None
        return at

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(zone(self.timezone)).date()

    def _last_day(self, limit: datetime) -> date:
        # One day past the limit, so an interval cut by the end of the scan always ends past it.
        return self._local_date(limit) + _DAY

    def _closed_day_reason(self, day: date) -> str | None:
        if any(closed.applies_to(day) for closed in self.closed_dates):
            return CLOSED_DATE
        if self.holiday_country and day in _holiday_dates(self.holiday_country, day.year):
            return HOLIDAY
        return None

    def _pieces(self, day: date) -> list[tuple[int, int]]:
        """Open minutes of local `day`, merged, as [start, end) within 0..1440."""
        prev = day - _DAY
        pieces: list[tuple[int, int]] = []
        if self._closed_day_reason(day) is None:
            if not self.weekly:
                pieces.append((0, DAY_MINUTES))
            for rule in self.weekly:
                today, yesterday = day.weekday() in rule.days, prev.weekday() in rule.days
                pieces += _cut(rule.start, rule.end, today=today, yesterday=yesterday)
        for opening in self.open_dates:
            today, yesterday = opening.applies_to(day), opening.applies_to(prev)
            pieces += _cut(opening.start, opening.end, today=today, yesterday=yesterday)
        return _merge(pieces)

    def _intervals(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """Merged open intervals (UTC) of the local days first..last, in order."""
        tz = zone(self.timezone)
        current: tuple[datetime, datetime] | None = None
        day = first
        while day <= last:
            for start_minute, end_minute in self._pieces(day):
                start, end = _wall_utc(day, start_minute, tz), _wall_utc(day, end_minute, tz)
                if start >= end:
                    continue  # wholly inside a spring-forward gap
                if current is not None and start <= current[1]:
                    current = (current[0], max(current[1], end))
                    continue
                if current is not None:
                    yield current
                current = (start, end)
            day += _DAY
        if current is not None:
            yield current
