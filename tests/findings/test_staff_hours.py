"""The excessive_staff_hours and insufficient_rest detectors: more hours, less rest than one person has."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.messages import render_detail
from tests.conftest import ASTRID_HOME, visit_row
from tests.findings.conftest import detect, shipped_rule
from tests.findings.test_staff_overlap import frame_detect, frame_of, period_of, random_visits

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


def instants(visit_id: str, start: float, end: float) -> dict[str, str]:
    """A visit by S1 between two epoch instants (UTC)."""
    stamps = [datetime.fromtimestamp(t, UTC).isoformat() for t in (start, end)]
    return {**visit_row(visit_id, "", ""), "planned_start": "", "planned_end": "",
            "registered_start": stamps[0], "registered_end": stamps[1]}


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
        "1 anställd registrerade fler timmar än en person hinner arbeta: som mest 14 timmar på ett dygn och "
        "66,5 timmar på en vecka (gräns 12 respektive 60 timmar)")


def test_it_follows_a_lower_weekly_limit(load_evidence):
    engine = load_evidence(visits=weekdays("08:00", "16:00"))
    assert detect(engine, HOURS) == []
    assert flagged_visits(detect(engine, HOURS, max_week_hours=38)) == [["V1", "V2", "V3", "V4", "V5"]]


def test_it_counts_a_long_week_once_in_the_month_of_its_thursday_and_not_in_a_day_period(load_evidence):
    # Monday 28 September to Saturday 3 October: 63 hours, no day over 12.
    visits = [shift(f"V{d + 1}", d - 7, "07:00", "17:30") for d in range(6)]
    engine = load_evidence(visits=visits)
    monthly = detect(engine, HOURS, period="month")
    assert [(d.period_start.date().isoformat(), d.strength, flagged_visits([d])) for d in monthly] == [
        ("2026-09-30", 1.0, [["V1", "V2", "V3", "V4", "V5", "V6"]])]  # October; its local midnight in UTC
    assert detect(engine, HOURS, period="day") == []


REST_CASES = [
    pytest.param([shift("V1", 0, "15:00", "22:30"), shift("V2", 1, "06:00", "14:00")], ["V1", "V2"],
                 id="evening_then_morning_after_7_5_hours"),
    pytest.param([shift("V1", 0, "14:00", "21:30"), shift("V2", 1, "07:00", "15:00")], [],
                 id="evening_then_day_after_9_5_hours"),
    pytest.param([shift("V1", 1, "17:00", "19:00"), shift("V2", 1, "19:15", "21:00"), shift("V3", 2, "05:00", "07:00"),
                  shift("V4", 2, "07:15", "09:00")], ["V2", "V3"], id="evening_then_early_morning_after_8_hours"),
    pytest.param([shift("V1", 0, "07:00", "10:00"), shift("V2", 0, "17:00", "21:00")], [],
                 id="break_of_7_hours_in_a_14_hour_day_leaves_the_night_to_rest"),
    pytest.param([shift("V1", 0, "06:59", "07:16"), shift("V2", 0, "13:44", "14:05")], [],
                 id="morning_visit_and_afternoon_visit_of_a_short_day"),
    pytest.param([shift("V1", 0, "07:00", "13:00"), shift("V2", 0, "20:00", "23:00")], ["V1", "V2"],
                 id="break_of_7_hours_in_a_16_hour_day_is_a_short_rest"),
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
def test_it_flags_short_rests_and_long_shifts(load_evidence, visits, flagged):
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
    assert draft.strength == 2
    assert render_detail(draft.detail) == ("1 tillfälle med kortare vila än 9 timmar mellan två arbetspass och "
                                           "1 arbetspass längre än 16 timmar (2 anställda)")


def test_it_flags_every_short_rest_in_each_week(load_evidence):
    # Eight hours on, eight hours off, for twenty days: every rest is too short.
    start = 1791151200.0  # Monday 2026-10-05 00:00 local
    visits = [instants(f"V{n:02d}", start + n * 16 * 3600, start + (n * 16 + 8) * 3600) for n in range(30)]
    drafts = detect(load_evidence(visits=visits), shipped_rule(REST))
    assert [(d.period_start.date().isoformat(), d.strength) for d in drafts] == [
        ("2026-10-04", 10.0), ("2026-10-11", 10.0), ("2026-10-18", 9.0)]  # each rest dated by the next shift


def test_it_does_not_accept_a_shift_break_longer_than_the_rest(load_evidence):
    with pytest.raises(ValueError, match="shift_break_hours"):
        detect(load_evidence(visits=weekdays("08:00", "16:00")), REST, shift_break_hours=10)


def reference_rest(rows: list[dict], rest_h: float, break_h: float, shift_h: float, period: str) -> list[tuple]:
    """Each staff id's visits one by one: a gap of break_h from the latest end so far ends a shift."""
    events: dict[tuple, list] = {}
    by_staff: dict[tuple, list] = {}
    for r in sorted(rows, key=lambda r: (r["start"], r["end"], r["visit_id"])):
        by_staff.setdefault((r["supplier_id"], r["staff_id"]), []).append(r)
    for (supplier, _), visits in by_staff.items():
        shifts, latest, rests = [], None, []
        for v in visits:
            if latest is None or v["start"] - latest["end"] >= break_h * 60:
                if latest is not None and v["start"] - latest["end"] < rest_h * 60:
                    rests.append((len(shifts), latest, v))
                shifts.append([])
            shifts[-1].append(v)
            if latest is None or v["end"] >= latest["end"]:
                latest = v
        for index, before, after in rests:
            # Only when the two shifts and the rest fill more than a day less the minimum rest.
            if max(v["end"] for v in shifts[index]) - shifts[index - 1][0]["start"] > (24 - rest_h) * 60:
                events.setdefault((supplier, period_of(after["start"], period)), []).append(("rest", [before, after]))
        for members in shifts:
            if max(v["end"] for v in members) - members[0]["start"] > shift_h * 60:
                events.setdefault((supplier, period_of(members[0]["start"], period)), []).append(("shift", members))
    return [(supplier, key, float(len(found)),
             {"rests": sum(kind == "rest" for kind, _ in found), "shifts": sum(kind == "shift" for kind, _ in found),
              "staff": len({v["staff_id"] for _, vs in found for v in vs}),
              "threshold_rest_hours": rest_h, "threshold_shift_hours": shift_h},
             {"visit_ids": sorted({v["visit_id"] for _, vs in found for v in vs}),
              "staff_ids": sorted({v["staff_id"] for _, vs in found for v in vs})})
            for (supplier, key), found in sorted(events.items())]


@pytest.mark.parametrize("seed", range(40))
def test_it_finds_every_short_rest_and_long_shift_a_step_by_step_search_finds(seed):
    rows = random_visits(seed, count=random.Random(seed).randrange(2, 30), staff=2, hours=100)
    rest_h, break_h, shift_h = random.Random(seed).choice([(9.0, 6.0, 16.0), (4.0, 2.0, 6.0), (3.0, 3.0, 10.0)])
    for period in ("day", "week"):
        expected = reference_rest(rows, rest_h, break_h, shift_h, period)
        for order in range(3):
            found = frame_detect(REST, frame_of(rows, order), period, min_rest_hours=rest_h,
                                 shift_break_hours=break_h, max_shift_hours=shift_h)
            assert found == expected
