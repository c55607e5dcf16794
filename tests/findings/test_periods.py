"""Periods in Swedish local time: the team's calendar, not UTC's."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from monitor.findings.periods import local_days, period_bounds, period_keys, period_label
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
