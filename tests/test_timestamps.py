from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.timestamps import (
    TimestampError,
    date_only,
    day_end,
    day_start,
    instant_candidates,
    parse_instant,
    resolve_interval,
)

INSTANTS = [
    ("winter_local", "2026-01-15 08:00", datetime(2026, 1, 15, 7, 0, tzinfo=UTC)),
    ("summer_local", "2026-07-15 08:00", datetime(2026, 7, 15, 6, 0, tzinfo=UTC)),
    ("with_T_and_seconds", "2026-07-15T08:00:30", datetime(2026, 7, 15, 6, 0, 30, tzinfo=UTC)),
    ("explicit_offset", "2026-07-15T08:00:00+00:00", datetime(2026, 7, 15, 8, 0, tzinfo=UTC)),
    ("zulu", "2026-07-15T08:00:00Z", datetime(2026, 7, 15, 8, 0, tzinfo=UTC)),
    ("compact", "20260715 08:00", datetime(2026, 7, 15, 6, 0, tzinfo=UTC)),
    ("compact_with_T", "20260715T0800", datetime(2026, 7, 15, 6, 0, tzinfo=UTC)),
    ("spring_gap_reads_as_before_the_jump", "2026-03-29 02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "expected"), [i[1:] for i in INSTANTS], ids=[i[0] for i in INSTANTS])
def test_it_reads_timestamps_as_swedish_local_time_unless_they_carry_an_offset(text, expected):
    assert parse_instant(text) == expected


def test_the_repeated_autumn_hour_has_two_readings():
    assert [t.hour for t in instant_candidates("2026-10-25 02:30")] == [0, 1]


INTERVALS = [
    ("ordinary", "2026-10-06 08:00", "2026-10-06 08:30", 30),
    ("across_midnight", "2026-10-06 23:50", "2026-10-07 00:20", 30),
    ("into_the_repeated_hour", "2026-10-25 01:50", "2026-10-25 02:10", 20),
    ("end_reads_earlier_on_the_clock", "2026-10-25 02:50", "2026-10-25 02:10", 20),
    ("out_of_the_repeated_hour", "2026-10-25 02:40", "2026-10-25 03:10", 30),
    ("across_the_spring_jump", "2026-03-29 01:50", "2026-03-29 03:10", 20),
]


@pytest.mark.parametrize(("start", "end", "minutes"), [i[1:] for i in INTERVALS], ids=[i[0] for i in INTERVALS])
def test_interval_lengths_are_true_across_clock_changes(start, end, minutes):
    s, e = resolve_interval(start, end)
    assert e - s == timedelta(minutes=minutes)


def test_it_rejects_an_interval_ending_before_it_starts():
    with pytest.raises(TimestampError, match="end before start"):
        resolve_interval("2026-10-06 08:00", "2026-10-06 07:59")


@pytest.mark.parametrize("text", ["06/10/2026 08:00", "igår", ""], ids=["us_style", "words", "empty"])
def test_it_rejects_what_is_not_iso_8601(text):
    with pytest.raises(TimestampError):
        parse_instant(text)


DATES = [
    ("hyphenated", "2026-10-07", date(2026, 10, 7)),
    ("compact", "20261007", date(2026, 10, 7)),
    ("with_a_time", "2026-10-07 13:11", None),
    ("compact_with_a_time", "20261007T1311", None),
    ("not_a_date", "igår", None),
]


@pytest.mark.parametrize(("text", "day"), [d[1:] for d in DATES], ids=[d[0] for d in DATES])
def test_it_tells_a_date_from_a_timestamp(text, day):
    assert date_only(text) == day


@pytest.mark.parametrize("read", [lambda: parse_instant("0001-01-01 00:30"),
                                  lambda: parse_instant("9999-12-31T23:59:59-01:00"),
                                  lambda: day_start(date(1, 1, 1)), lambda: day_end(date(9999, 12, 31))],
                         ids=["year_one", "past_year_9999", "midnight_of_year_one", "end_of_year_9999"])
def test_it_reports_an_instant_no_clock_can_hold_as_a_timestamp_error(read):
    with pytest.raises(TimestampError, match="out of range"):
        read()
