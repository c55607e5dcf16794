"""The excessive_staff_hours and insufficient_rest detectors: more hours, less rest than one person has."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from monitor.messages import render_detail
from tests.conftest import ASTRID_HOME, visit_row
from tests.findings.conftest import detect, shipped_rule

HOURS, REST = "excessive_staff_hours", "insufficient_rest"
MONDAY = date(2026, 10, 5)
ASTRIDS_HUSBAND = "19320202-0003"  # synthetic; lives with Astrid


def shift(visit_id: str, day: int, start: str, end: str, end_day: int | None = None, **extra: str) -> dict[str, str]:
    """A visit by S1 on MONDAY + `day` days, from `start` to `end` (on `end_day`, by default the same day)."""
    first = MONDAY + timedelta(days=day)
    last = MONDAY + timedelta(days=day if end_day is None else end_day)
    return visit_row(visit_id, f"{first} {start}", f"{last} {end}", **extra)


def weekdays(start: str, end: str, days: int = 5, overnight: bool = False) -> list[dict[str, str]]:
    return [shift(f"V{d + 1}", d, start, end, d + 1 if overnight else None) for d in range(days)]


def flagged_visits(drafts) -> list[list[str]]:
    return [d.evidence["visit_ids"] for d in drafts]


# Sunday 25 October has 25 hours: 02:00-03:00 happens twice.
DST_SUNDAY = (date(2026, 10, 25) - MONDAY).days
HOURS_CASES = [
    pytest.param([shift("V1", 0, "07:00", "13:00"), shift("V2", 0, "13:30", "20:30")], ["V1", "V2"],
                 id="13_hours_in_one_day"),
    pytest.param([shift("V1", 0, "07:00", "13:00"), shift("V2", 0, "13:30", "19:30")], [],
                 id="12_hours_in_one_day"),
    pytest.param([shift("V1", 0, "08:00", "16:00"), shift("V2", 0, "20:00", "03:00", end_day=1)], [],
                 id="evening_visit_split_at_midnight_12_plus_3_hours"),
    pytest.param(weekdays("22:00", "06:00", overnight=True), [], id="five_night_shifts_across_midnight"),
    pytest.param(weekdays("08:00", "16:00"), [], id="full_time_40_hours_a_week"),
    pytest.param(weekdays("07:00", "17:30", days=6), ["V1", "V2", "V3", "V4", "V5", "V6"],
                 id="63_hours_in_a_week"),
    pytest.param([*weekdays("07:00", "17:30", days=5), shift("V6", 7, "07:00", "17:30")], [],
                 id="52_hours_then_the_next_monday"),
    pytest.param([shift("V1", 0, "07:00", "14:00"),
                  shift("V2", 0, "07:00", "14:00", client_id=ASTRIDS_HUSBAND, address=f"{ASTRID_HOME}, lgh 2")],
                 [], id="couple_visited_together_counts_once"),
    pytest.param([shift("V1", 0, "07:00", "14:00"), shift("V2", 0, "07:00", "14:00", staff_id="S2")], [],
                 id="double_staffing_two_carers_7_hours_each"),
    pytest.param([shift("V1", DST_SUNDAY, "00:30", "12:00")], ["V1"],
                 id="11_5_wall_clock_hours_are_12_5_on_the_autumn_night"),
]


@pytest.mark.parametrize(("visits", "flagged"), HOURS_CASES)
def test_it_flags_more_visit_hours_than_one_person_can_work(load_evidence, visits, flagged):
    drafts = detect(load_evidence(visits=visits), shipped_rule(HOURS))
    assert flagged_visits(drafts) == ([flagged] if flagged else [])


def test_it_words_the_longest_day_and_week_for_the_team(load_evidence):
    visits = [*weekdays("07:00", "17:30", days=6), shift("V7", 2, "18:00", "20:00", staff_id="S2")]
    visits[2] = shift("V3", 2, "06:00", "20:00")
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(HOURS))
    assert draft.evidence["staff_ids"] == ["S1"]
    assert draft.strength == 2  # one long day, one long week
    assert render_detail(draft.detail) == (
        "1 personal registrerade fler timmar än en person hinner arbeta: som mest 14 timmar på ett dygn och "
        "66.5 timmar på en vecka (gräns 12 respektive 60 timmar)")


def test_it_follows_a_lower_weekly_limit(load_evidence):
    engine = load_evidence(visits=weekdays("08:00", "16:00"))
    assert detect(engine, HOURS) == []
    assert flagged_visits(detect(engine, HOURS, max_week_hours=38)) == [["V1", "V2", "V3", "V4", "V5"]]


REST_CASES = [
    pytest.param([shift("V1", 0, "15:00", "22:30"), shift("V2", 1, "06:00", "14:00")], ["V1", "V2"],
                 id="evening_then_morning_after_7_5_hours"),
    pytest.param([shift("V1", 0, "14:00", "21:30"), shift("V2", 1, "07:00", "15:00")], [],
                 id="evening_then_day_after_9_5_hours"),
    pytest.param([shift("V1", 0, "22:15", "23:30"), shift("V2", 1, "01:30", "03:00"), shift("V3", 1, "04:15", "06:00"),
                  shift("V4", 1, "22:15", "23:30"), shift("V5", 2, "01:30", "03:00"), shift("V6", 2, "04:15", "06:00")],
                 [], id="two_night_shifts_across_midnight"),
    pytest.param([shift("V1", 0, "07:00", "11:00"), shift("V2", 0, "16:00", "20:00"),
                  shift("V3", 1, "07:00", "11:00"), shift("V4", 1, "16:00", "20:00")],
                 [], id="split_shifts_with_a_5_hour_break"),
    pytest.param([shift("V1", 0, "07:00", "11:00"), shift("V2", 0, "14:00", "18:00")], [],
                 id="day_shift_with_a_3_hour_lunch_break"),
    pytest.param([shift("V1", 0, "06:00", "14:00"), shift("V2", 0, "14:30", "23:00")], ["V1", "V2"],
                 id="one_stretch_of_17_hours"),
    pytest.param([shift("V1", 0, "15:00", "22:30"), shift("V2", 1, "06:00", "14:00", staff_id="S2")], [],
                 id="evening_and_morning_by_two_carers"),
    # Wall clocks say 22:00 to 06:30 is 8.5 hours, but that night had 25: the rest was 9.5 hours.
    pytest.param([shift("V1", DST_SUNDAY - 1, "14:00", "22:00"), shift("V2", DST_SUNDAY, "06:30", "14:00")], [],
                 id="rest_of_9_5_hours_on_the_autumn_night"),
]


@pytest.mark.parametrize(("visits", "flagged"), REST_CASES)
def test_it_flags_long_stretches_of_work_without_a_daily_rest(load_evidence, visits, flagged):
    drafts = detect(load_evidence(visits=visits), shipped_rule(REST))
    assert flagged_visits(drafts) == ([flagged] if flagged else [])


def test_it_follows_a_shorter_rest_limit(load_evidence):
    engine = load_evidence(visits=[shift("V1", 0, "15:00", "22:30"), shift("V2", 1, "06:00", "14:00")])
    assert len(detect(engine, REST)) == 1
    assert detect(engine, REST, min_rest_hours=7) == []


def test_it_words_the_stretches_for_the_team(load_evidence):
    visits = [shift("V1", 0, "15:00", "22:30"), shift("V2", 1, "06:00", "14:00"),
              shift("V3", 2, "06:00", "14:00", staff_id="S2"), shift("V4", 2, "14:30", "23:00", staff_id="S2")]
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(REST))
    assert draft.evidence == {"visit_ids": ["V1", "V2", "V3", "V4"], "staff_ids": ["S1", "S2"]}
    assert render_detail(draft.detail) == ("2 arbetspass längre än 16 timmar utan minst 9 timmars vila "
                                           "(som mest 23 timmar, 2 personal)")
