"""Periods in Swedish local time: the team's calendar, not UTC's."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from monitor.findings.periods import (
    is_local_midnight,
    local_days,
    local_midnights,
    period_bounds,
    period_keys,
    period_label,
    weekday,
)
from monitor.timestamps import STOCKHOLM


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).timestamp()


CASES = [
    ("2026-10-06 13:11", "day", "2026-10-06"),
    ("2026-10-06 00:30", "day", "2026-10-06"),  # 22:30 UTC the day before
    ("2026-07-01 01:30", "day", "2026-07-01"),  # summer time: 23:30 UTC the day before
    ("2026-10-11 23:59", "week", "2026-W41"),  # Sunday night is still the week that began Monday
    ("2026-10-12 00:00", "week", "2026-W42"),
    ("2026-12-31 12:00", "week", "2026-W53"),
    ("2027-01-01 00:10", "month", "2027-01"),
    ("2026-10-31 23:30", "month", "2026-10"),
]


@pytest.mark.parametrize(("local", "period", "label"), CASES, ids=[f"{c[1]}_{c[0]}" for c in CASES])
def test_it_files_an_instant_under_the_local_period_the_team_would_name(local, period, label):
    (key,) = period_keys(np.array([_epoch(local)]), period)
    assert period_label(key, period) == label


def test_it_gives_the_autumn_clock_change_day_its_25_hours():
    (key,) = period_keys(np.array([_epoch("2026-10-25 12:00")]), "day")
    start, end = period_bounds(key, "day")
    assert (end - start).total_seconds() == 25 * 3600
    assert start.astimezone(STOCKHOLM).isoformat() == "2026-10-25T00:00:00+02:00"


def test_it_puts_both_readings_of_the_repeated_hour_on_the_same_day():
    first = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=0).timestamp()
    second = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=1).timestamp()
    assert second - first == 3600
    assert list(local_days(np.array([first, second]))) == list(local_days(np.array([first, first])))


def test_it_bounds_a_week_from_monday_midnight_to_monday_midnight_local():
    (key,) = period_keys(np.array([_epoch("2026-10-21 09:00")]), "week")
    start, end = period_bounds(key, "week")
    assert start.astimezone(STOCKHOLM).isoformat() == "2026-10-19T00:00:00+02:00"
    assert end.astimezone(STOCKHOLM).isoformat() == "2026-10-26T00:00:00+01:00"


def test_it_leaves_missing_instants_without_a_period():
    keys = period_keys(np.array([np.nan, _epoch("2026-10-06 08:00")]), "month")
    assert np.isnan(keys[0]) and period_label(keys[1], "month") == "2026-10"


DAY_LENGTHS = [
    pytest.param("2026-03-29", 23, id="spring_clock_change_day_has_23_hours"),
    pytest.param("2026-10-25", 25, id="autumn_clock_change_day_has_25_hours"),
    pytest.param("2026-10-24", 24, id="the_day_before_has_24"),
    pytest.param("2026-10-26", 24, id="the_day_after_has_24"),
]


@pytest.mark.parametrize(("day", "hours"), DAY_LENGTHS)
def test_it_starts_each_local_day_at_its_own_midnight(day, hours):
    (key,) = local_days(np.array([_epoch(f"{day} 12:00")]))
    start, end = local_midnights(np.array([key, key + 1]))
    assert start == _epoch(f"{day} 00:00") and (end - start) / 3600 == hours


def test_it_finds_local_midnights_for_many_days_at_once_and_leaves_nan_alone():
    days = np.array([local_days(np.array([_epoch("2026-10-25 12:00")]))[0] - 1, np.nan, 0.0])
    midnights = local_midnights(days)
    assert midnights[0] == _epoch("2026-10-24 00:00") and np.isnan(midnights[1])
    assert midnights[2] == _epoch("1970-01-01 00:00")
    assert is_local_midnight(np.append(midnights, [midnights[0] + 1, np.inf])).tolist() == [True, False, True, False, False]


def test_it_numbers_weekdays_from_monday():
    days = local_days(np.array([_epoch(f"2026-10-{d:02d} 09:00") for d in range(5, 12)]))  # Monday to Sunday
    assert weekday(days).tolist() == [0, 1, 2, 3, 4, 5, 6]
