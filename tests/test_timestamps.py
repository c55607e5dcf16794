from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.timestamps import TimestampError, instant_candidates, parse_instant, resolve_interval

INSTANTS = [
    ("winter_local", "2026-01-15 08:00", datetime(2026, 1, 15, 7, 0, tzinfo=UTC)),
    ("summer_local", "2026-07-15 08:00", datetime(2026, 7, 15, 6, 0, tzinfo=UTC)),
    ("with_T_and_seconds", "2026-07-15T08:00:30", datetime(2026, 7, 15, 6, 0, 30, tzinfo=UTC)),
    ("explicit_offset", "2026-07-15T08:00:00+00:00", datetime(2026, 7, 15, 8, 0, tzinfo=UTC)),
    ("zulu", "2026-07-15T08:00:00Z", datetime(2026, 7, 15, 8, 0, tzinfo=UTC)),
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
