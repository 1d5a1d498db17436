from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringback.domain.errors import Invalid
from ringback.domain.hours import (
    BusinessHours,
    ClosedDate,
    SpecialOpening,
    WeeklyRule,
    local_to_utc,
)

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, timezone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone))


def office(*rules: str, timezone: str = PARIS, **kwargs: object) -> BusinessHours:
    return BusinessHours.parse(timezone=timezone, business_hours=rules, **kwargs)  # type: ignore[arg-type]


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        ("Mon-Fri 09:00-17:00", (0, 1, 2, 3, 4), 540, 1020),
        ("sat 9:00-12:30", (5,), 540, 750),
        ("SAT-MON 10:00-11:00", (0, 5, 6), 600, 660),
        ("Mon,Wed-Thu 08:00-12:00", (0, 2, 3), 480, 720),
        ("Fri 19:00-7:00", (4,), 1140, 1860),
        ("Sun 00:00-24:00", (6,), 0, 1440),
        ("Sun 00:00-00:00", (6,), 0, 1440),
        ("Tue-Tue 22:00-24:00", (1,), 1320, 1440),
        ("  Mon - Fri   09:00 - 17:00 ", (0, 1, 2, 3, 4), 540, 1020),
    ],
)
def test_weekly_rule_parses_gms_syntax(
    text: str, days: tuple[int, ...], start: int, end: int
) -> None:
    assert WeeklyRule.parse(text) == WeeklyRule(days, start, end)


@pytest.mark.parametrize(
    "text",
    ["", "Mon", "Mon-Fri", "Mon-Fri 9-17", "Mox 09:00-17:00", "Mon-Fri 25:00-26:00",
     "Mon 09:60-10:00", "Mon 24:00-10:00", "Mon 09:00-24:30", "Monday 09:00-17:00",
     "Mon-Fri 09:00-17:00 extra"],
)  # fmt: skip
def test_malformed_weekly_rule_names_field_and_quotes_entry(text: str) -> None:
    with pytest.raises(Invalid) as raised:
        BusinessHours.parse(timezone=PARIS, business_hours=["Sat 10:00-11:00", text])
    assert raised.value.field == "business_hours"
    assert repr(text) in raised.value.message


def test_special_openings_and_closed_dates_parse() -> None:
    hours = BusinessHours.parse(
        timezone=PARIS,
        open_dates=["2026-12-24 09:00-12:00", "12-31 22:00-02:00"],
        closed_dates=["2026-12-23", "05-01", "02-29"],
    )
    assert hours.open_dates == (
        SpecialOpening(2026, 12, 24, 540, 720),
        SpecialOpening(None, 12, 31, 1320, 1560),
    )
    assert hours.closed_dates == (
        ClosedDate(2026, 12, 23),
        ClosedDate(None, 5, 1),
        ClosedDate(None, 2, 29),
    )


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("open_dates", "2026-12-24"),
        ("open_dates", "2026-02-30 09:00-10:00"),
        ("open_dates", "13-01 09:00-10:00"),
        ("closed_dates", "2026-13-01"),
        ("closed_dates", "2026/12/25"),
        ("closed_dates", "12-25 09:00-10:00"),
        ("closed_dates", "Christmas"),
    ],
)
def test_malformed_dates_name_their_field(field: str, text: str) -> None:
    with pytest.raises(Invalid) as raised:
        BusinessHours.parse(timezone=PARIS, **{field: [text]})  # type: ignore[arg-type]
    assert raised.value.field == field
    assert repr(text) in raised.value.message


def test_a_single_string_counts_as_one_entry() -> None:
    hours = BusinessHours.parse(timezone=PARIS, business_hours="Mon-Fri 09:00-17:00")
    assert hours.weekly == (WeeklyRule((0, 1, 2, 3, 4), 540, 1020),)


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "", "../etc/passwd"])
def test_unknown_timezone_is_invalid(timezone: str) -> None:
    with pytest.raises(Invalid) as raised:
        BusinessHours.parse(timezone=timezone)
    assert raised.value.field == "timezone"


def test_unknown_holiday_country_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        BusinessHours.parse(timezone=PARIS, holiday_country="XX")
    assert raised.value.field == "holiday_country"
    assert "'XX'" in raised.value.message


def test_holiday_country_is_case_insensitive_in_parse() -> None:
    assert BusinessHours.parse(timezone=PARIS, holiday_country="fr").holiday_country == "FR"


def test_naive_datetime_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        office("Mon-Fri 09:00-17:00").is_open(datetime(2026, 6, 1, 10))
    assert raised.value.field == "at"


# --- open / closed ---------------------------------------------------------------------------


def test_intervals_are_half_open_in_local_time() -> None:
    hours = office("Mon-Fri 09:00-17:00")
    assert not hours.is_open(utc("2026-06-01T06:59:59"))  # 08:59:59 CEST
    assert hours.is_open(utc("2026-06-01T07:00"))
    assert hours.is_open(local("2026-06-01T16:59:59", PARIS))
    assert not hours.is_open(local("2026-06-01T17:00", PARIS))


def test_no_weekly_rule_means_always_open() -> None:
    hours = BusinessHours.parse(timezone=PARIS)
    assert hours.always_open
    assert hours.is_open(utc("2026-06-06T03:00"))
    assert hours.closed_reason(utc("2026-06-06T03:00")) is None
    assert hours.next_opening(utc("2026-06-06T03:00")) == utc("2026-06-06T03:00")
    assert hours.next_closing(utc("2026-06-06T03:00")) is None


def test_always_open_is_false_with_any_closing_rule() -> None:
    assert not office("Mon-Sun 00:00-24:00").always_open
    assert not BusinessHours.parse(timezone=PARIS, closed_dates=["12-25"]).always_open
    assert not BusinessHours.parse(timezone=PARIS, holiday_country="FR").always_open


def test_no_weekly_rule_still_closes_on_closed_dates() -> None:
    hours = BusinessHours.parse(timezone=PARIS, closed_dates=["12-25"])
    assert not hours.is_open(local("2026-12-25T12:00", PARIS))
    assert hours.closed_reason(local("2026-12-25T12:00", PARIS)) == "closed_date"
    assert hours.next_opening(local("2026-12-25T12:00", PARIS)) == local("2026-12-26T00:00", PARIS)


def test_closed_reasons_are_the_gms_strings() -> None:
    hours = office("Mon-Fri 09:00-17:00", closed_dates=["2026-06-03"], holiday_country="FR")
    assert hours.closed_reason(local("2026-06-01T10:00", PARIS)) is None
    assert hours.closed_reason(local("2026-06-01T18:00", PARIS)) == "closed_no_match"
    assert hours.closed_reason(local("2026-06-06T10:00", PARIS)) == "closed_day_of_week"
    assert hours.closed_reason(local("2026-06-03T10:00", PARIS)) == "closed_date"
    assert hours.closed_reason(local("2026-07-14T10:00", PARIS)) == "holiday"


def test_special_opening_day_is_not_a_closed_day_of_week() -> None:
    hours = office("Mon-Fri 09:00-17:00", open_dates=["2026-06-06 10:00-12:00"])
    assert hours.is_open(local("2026-06-06T11:00", PARIS))
    assert hours.closed_reason(local("2026-06-06T13:00", PARIS)) == "closed_no_match"
    assert hours.closed_reason(local("2026-06-13T11:00", PARIS)) == "closed_day_of_week"


def test_overnight_interval_belongs_to_the_day_it_starts_on() -> None:
    hours = office("Fri 19:00-7:00")
    assert hours.is_open(local("2026-06-05T19:00", PARIS))
    assert hours.is_open(local("2026-06-06T06:59", PARIS))  # Saturday morning
    assert not hours.is_open(local("2026-06-06T07:00", PARIS))
    assert not hours.is_open(local("2026-06-05T06:00", PARIS))  # Friday morning
    assert hours.closed_reason(local("2026-06-06T08:00", PARIS)) == "closed_day_of_week"
    assert hours.next_closing(local("2026-06-05T23:00", PARIS)) == local("2026-06-06T07:00", PARIS)


def test_closed_date_cuts_an_overnight_interval_at_local_midnight() -> None:
    hours = office("Fri 19:00-7:00", closed_dates=["2026-06-06"])
    assert hours.is_open(local("2026-06-05T23:59", PARIS))
    assert hours.next_closing(local("2026-06-05T20:00", PARIS)) == local("2026-06-06T00:00", PARIS)
    assert hours.closed_reason(local("2026-06-06T03:00", PARIS)) == "closed_date"


def test_closed_start_day_leaves_the_part_after_midnight_open() -> None:
    hours = office("Fri 19:00-7:00", closed_dates=["2026-06-05"])
    assert not hours.is_open(local("2026-06-05T20:00", PARIS))
    assert hours.next_opening(local("2026-06-05T20:00", PARIS)) == local("2026-06-06T00:00", PARIS)


def test_whole_day_rules_chain_across_midnight() -> None:
    hours = office("Mon-Fri 00:00-24:00")
    assert hours.next_closing(local("2026-06-01T10:00", PARIS)) == local("2026-06-06T00:00", PARIS)
    assert hours.next_opening(local("2026-06-06T10:00", PARIS)) == local("2026-06-08T00:00", PARIS)


def test_special_opening_wins_over_holiday_and_closed_date() -> None:
    hours = office(
        "Mon-Fri 09:00-17:00",
        holiday_country="FR",
        closed_dates=["12-24"],
        open_dates=["2026-12-25 10:00-12:00", "12-24 09:00-10:00"],
    )
    assert hours.is_open(local("2026-12-25T10:30", PARIS))
    assert hours.closed_reason(local("2026-12-25T13:00", PARIS)) == "holiday"
    assert hours.is_open(local("2026-12-24T09:30", PARIS))
    assert hours.closed_reason(local("2026-12-24T11:00", PARIS)) == "closed_date"
    assert hours.next_opening(local("2026-12-24T11:00", PARIS)) == local("2026-12-25T10:00", PARIS)


def test_yearly_entries_apply_every_year() -> None:
    hours = office("Mon-Sun 09:00-17:00", closed_dates=["05-01"], open_dates=["05-01 10:00-11:00"])
    for year in (2026, 2027, 2030):
        assert not hours.is_open(local(f"{year}-05-01T09:30", PARIS))
        assert hours.is_open(local(f"{year}-05-01T10:30", PARIS))


# --- DST -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "day", "opens", "closes"),
    [
        (PARIS, "2026-03-29", "2026-03-29T00:00", "2026-03-29T02:00"),
        (PARIS, "2026-10-25", "2026-10-24T23:00", "2026-10-25T03:00"),
        (NEW_YORK, "2026-03-08", "2026-03-08T06:00", "2026-03-08T08:00"),
        (NEW_YORK, "2026-11-01", "2026-11-01T05:00", "2026-11-01T09:00"),
    ],
)
def test_interval_spanning_a_dst_change_has_its_real_length(
    timezone: str, day: str, opens: str, closes: str
) -> None:
    hours = office("Sun 01:00-04:00", timezone=timezone)
    start_of_day = local(f"{day}T00:00", timezone)
    assert hours.next_opening(start_of_day) == utc(opens)
    assert hours.next_closing(utc(opens)) == utc(closes)


def test_spring_forward_length_is_two_hours_and_fall_back_four() -> None:
    for timezone, spring, fall in [
        (PARIS, "2026-03-29", "2026-10-25"),
        (NEW_YORK, "2026-03-08", "2026-11-01"),
    ]:
        hours = office("Sun 01:00-04:00", timezone=timezone)
        for day, length in [(spring, timedelta(hours=2)), (fall, timedelta(hours=4))]:
            opening = hours.next_opening(local(f"{day}T00:00", timezone))
            assert opening is not None
            assert hours.next_closing(opening) == opening + length


def test_opening_in_the_spring_forward_gap_opens_just_after_it() -> None:
    paris = office("Sun 02:30-05:00")
    assert paris.next_opening(utc("2026-03-28T12:00")) == utc("2026-03-29T01:00")  # 03:00 CEST
    new_york = office("Sun 02:15-06:00", timezone=NEW_YORK)
    assert new_york.next_opening(utc("2026-03-07T12:00")) == utc("2026-03-08T07:00")  # 03:00 EDT


def test_interval_wholly_inside_the_gap_does_not_open_that_day() -> None:
    hours = office("Sun 02:10-02:50")
    assert hours.next_opening(utc("2026-03-28T12:00")) == local("2026-04-05T02:10", PARIS)


def test_ambiguous_opening_uses_the_first_occurrence() -> None:
    paris = office("Sun 02:30-03:30")
    opening = paris.next_opening(utc("2026-10-24T12:00"))
    assert opening == utc("2026-10-25T00:30")  # 02:30 CEST, not 02:30 CET
    assert paris.next_closing(utc("2026-10-25T00:30")) == utc("2026-10-25T02:30")  # 03:30 CET
    new_york = office("Sun 01:30-02:00", timezone=NEW_YORK)
    assert new_york.next_opening(utc("2026-10-31T12:00")) == utc("2026-11-01T05:30")  # 01:30 EDT
    assert new_york.is_open(utc("2026-11-01T06:30"))  # 01:30 EST: still before 02:00 EST


def test_local_to_utc_resolves_gaps_and_folds() -> None:
    paris = ZoneInfo(PARIS)
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), paris) == utc("2026-03-29T01:00")
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), paris) == utc("2026-10-25T00:30")
    assert local_to_utc(datetime(2026, 6, 1, 9), paris) == utc("2026-06-01T07:00")


def test_daily_opening_keeps_its_wall_time_across_dst() -> None:
    hours = office("Mon-Sun 09:00-17:00", timezone=NEW_YORK)
    assert hours.next_opening(utc("2026-03-07T23:00")) == utc("2026-03-08T13:00")  # 09:00 EDT
    assert hours.next_opening(utc("2026-10-31T23:00")) == utc("2026-11-01T14:00")  # 09:00 EST


# --- next_opening / next_closing -------------------------------------------------------------


def test_next_opening_is_at_itself_when_open() -> None:
    hours = office("Mon-Fri 09:00-17:00")
    at = local("2026-06-01T10:15:30", PARIS)
    assert hours.next_opening(at) == utc("2026-06-01T08:15:30")
    assert hours.next_opening(at).tzinfo is UTC  # type: ignore[union-attr]


def test_next_opening_across_a_weekend() -> None:
    hours = office("Mon-Fri 09:00-17:00")
    assert hours.next_opening(local("2026-06-05T17:00", PARIS)) == local("2026-06-08T09:00", PARIS)


def test_next_opening_across_a_wrapping_day_range() -> None:
    hours = office("Sat-Mon 10:00-14:00")
    assert hours.next_opening(local("2026-06-02T09:00", PARIS)) == local("2026-06-06T10:00", PARIS)
    assert hours.next_opening(local("2026-06-07T15:00", PARIS)) == local("2026-06-08T10:00", PARIS)
    assert hours.next_opening(local("2026-06-08T15:00", PARIS)) == local("2026-06-13T10:00", PARIS)


def test_next_opening_across_midnight() -> None:
    hours = office("Mon-Fri 22:00-02:00")
    assert hours.next_opening(local("2026-06-06T01:00", PARIS)) == local("2026-06-06T01:00", PARIS)
    assert hours.next_opening(local("2026-06-06T02:00", PARIS)) == local("2026-06-08T22:00", PARIS)


def test_next_opening_skips_french_holidays() -> None:
    hours = office("Mon-Fri 09:00-17:00", holiday_country="FR")
    assert hours.next_opening(local("2026-07-13T18:00", PARIS)) == local("2026-07-15T09:00", PARIS)
    assert hours.next_opening(local("2026-12-24T18:00", PARIS)) == local("2026-12-28T09:00", PARIS)
    assert hours.closed_reason(local("2026-12-25T10:00", PARIS)) == "holiday"


def test_us_independence_day_is_observed_on_friday_2026_07_03() -> None:
    hours = office("Mon-Fri 09:00-17:00", timezone=NEW_YORK, holiday_country="US")
    assert hours.closed_reason(local("2026-07-03T10:00", NEW_YORK)) == "holiday"
    assert hours.next_opening(local("2026-07-02T18:00", NEW_YORK)) == local(
        "2026-07-06T09:00", NEW_YORK
    )


def test_next_opening_special_opening_on_a_closed_date() -> None:
    hours = office(
        "Mon-Fri 09:00-17:00", closed_dates=["2026-06-08"], open_dates=["2026-06-08 13:00-15:00"]
    )
    assert hours.next_opening(local("2026-06-05T18:00", PARIS)) == local("2026-06-08T13:00", PARIS)
    assert hours.next_closing(local("2026-06-08T13:00", PARIS)) == local("2026-06-08T15:00", PARIS)


def test_next_opening_none_beyond_within() -> None:
    hours = office("Mon-Fri 09:00-17:00")
    friday_evening = local("2026-06-05T18:00", PARIS)
    assert hours.next_opening(friday_evening, within=timedelta(days=1)) is None
    assert hours.next_opening(friday_evening, within=timedelta(hours=63)) == local(
        "2026-06-08T09:00", PARIS
    )


def test_next_opening_none_when_every_day_is_closed() -> None:
    every_day = [f"{date(2000, 1, 1) + timedelta(days=n):%m-%d}" for n in range(366)]
    hours = BusinessHours.parse(timezone=PARIS, closed_dates=every_day)
    assert hours.next_opening(utc("2026-06-01T00:00")) is None
    assert hours.closed_reason(utc("2026-06-01T00:00")) == "closed_date"


def test_next_closing() -> None:
    hours = office("Mon-Fri 09:00-17:00")
    assert hours.next_closing(local("2026-06-01T10:00", PARIS)) == local("2026-06-01T17:00", PARIS)
    closed_at = local("2026-06-01T18:00", PARIS)
    assert hours.next_closing(closed_at) == utc("2026-06-01T16:00")
    assert hours.next_closing(local("2026-06-01T10:00", PARIS), within=timedelta(hours=1)) is None


def test_next_closing_none_when_open_throughout_within() -> None:
    hours = office("Mon-Sun 00:00-24:00", closed_dates=["2026-12-25"])
    assert hours.next_closing(utc("2026-06-01T00:00"), within=timedelta(days=30)) is None
    assert hours.next_closing(utc("2026-06-01T00:00")) == local("2026-12-25T00:00", PARIS)
