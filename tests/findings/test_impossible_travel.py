"""The impossible_travel detector: consecutive visits too far apart for the time between them."""

from __future__ import annotations

import pytest

from monitor.messages import render_detail
from tests.conftest import BERTIL, visit_row
from tests.findings.conftest import detect, shipped_rule

KIND = "impossible_travel"
HOME_LAT = 59.2301  # Astrid's home; see visit_row
KM_PER_DEGREE = 6371.0 * 3.141592653589793 / 180  # of latitude, on the haversine's sphere


def km_north(visit_id: str, km: float, start: str, end: str, **extra: str) -> dict[str, str]:
    """A visit to Bertil, `km` kilometres due north of Astrid's home."""
    row = {"client_id": BERTIL, "address": f"Norrvägen {visit_id}", "latitude": f"{HOME_LAT + km / KM_PER_DEGREE:.6f}"}
    return visit_row(visit_id, start, end, **{**row, **extra})


def instants(row: dict[str, str], start: str, end: str) -> dict[str, str]:
    """The row registered at explicit instants (with offset) and no plan."""
    return {**row, "planned_start": "", "planned_end": "", "registered_start": start, "registered_end": end}


D = "2026-10-06"
CASES = [
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 20, f"{D} 08:40", f"{D} 09:00")],
                 True, id="20_km_in_10_min"),
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 25, f"{D} 09:00", f"{D} 09:30")],
                 False, id="rural_drive_of_25_km_in_30_min"),
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 5, f"{D} 08:30", f"{D} 09:00")],
                 True, id="5_km_with_no_gap_counts_as_one_minute"),
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 0.4, f"{D} 08:30", f"{D} 09:00")],
                 False, id="hop_to_the_next_block_with_no_gap"),
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 20, f"{D} 08:20", f"{D} 09:00")],
                 False, id="overlapping_visits_are_staff_overlaps"),
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"),
                  km_north("V2", 20, f"{D} 08:40", f"{D} 09:00", latitude="", longitude="")],
                 False, id="next_visit_without_coordinates"),
    pytest.param([visit_row("V1", f"{D} 08:00", f"{D} 08:30"),
                  km_north("V2", 20, f"{D} 08:40", f"{D} 09:00", staff_id="S2")],
                 False, id="two_staff_far_apart"),
    pytest.param([visit_row("V1", f"{D} 23:40", "2026-10-07 00:05"),
                  km_north("V2", 15, "2026-10-07 00:30", "2026-10-07 00:50")],
                 False, id="night_shift_15_km_in_25_min_across_midnight"),
    pytest.param([visit_row("V1", f"{D} 23:40", "2026-10-07 00:05"),
                  km_north("V2", 15, "2026-10-07 00:10", "2026-10-07 00:30")],
                 True, id="night_shift_15_km_in_5_min_across_midnight"),
    # 02:00-03:00 happens twice: V1 ends at 02:55 summer time, V2 starts at 02:05 winter time, 10 minutes
    # later; by the wall clock V2 would start before V1 ended.
    pytest.param([instants(visit_row("V1", "", ""), "2026-10-25T02:30:00+02:00", "2026-10-25T02:55:00+02:00"),
                  instants(km_north("V2", 20, "", ""), "2026-10-25T02:05:00+01:00", "2026-10-25T02:30:00+01:00")],
                 True, id="autumn_clock_change_20_km_in_10_min"),
    # V1 ends at 02:50 summer time, V2 starts at 02:10 winter time: 20 minutes for 20 km is 60 km/h.
    pytest.param([instants(visit_row("V1", "", ""), "2026-10-25T02:20:00+02:00", "2026-10-25T02:50:00+02:00"),
                  instants(km_north("V2", 20, "", ""), "2026-10-25T02:10:00+01:00", "2026-10-25T02:30:00+01:00")],
                 False, id="autumn_clock_change_20_km_in_20_min"),
]


@pytest.mark.parametrize(("visits", "flagged"), CASES)
def test_it_flags_a_move_between_visits_faster_than_a_car(load_evidence, visits, flagged):
    drafts = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert [d.evidence["visit_ids"] for d in drafts] == ([["V1", "V2"]] if flagged else [])


def test_it_ignores_hops_shorter_than_the_minimum_distance(load_evidence):
    # 900 m with no gap is 54 km/h: too fast for a 30 km/h limit, yet too short a hop to judge.
    visits = [visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 0.9, f"{D} 08:30", f"{D} 09:00")]
    engine = load_evidence(visits=visits)
    assert detect(engine, KIND, max_kmh=30) == []
    assert len(detect(engine, KIND, max_kmh=30, min_distance_m=500)) == 1


def test_it_treats_a_long_gap_as_a_new_shift(load_evidence):
    # 40 km in 2 hours is 20 km/h: too fast for a 10 km/h limit, unless 2 hours is already a new shift.
    visits = [visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 40, f"{D} 10:30", f"{D} 11:00")]
    engine = load_evidence(visits=visits)
    assert len(detect(engine, KIND, max_kmh=10)) == 1
    assert detect(engine, KIND, max_kmh=10, max_gap_hours=1) == []


def test_it_skips_visits_without_coordinates_and_still_finds_the_others(load_evidence):
    visits = [visit_row("V1", f"{D} 08:00", f"{D} 08:30", latitude="", longitude=""),
              km_north("V2", 20, f"{D} 08:40", f"{D} 09:00"),
              visit_row("V3", f"{D} 09:05", f"{D} 09:30")]
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert draft.evidence == {"visit_ids": ["V2", "V3"], "staff_ids": ["S1"]}


def test_it_words_the_moves_and_the_top_speed_for_the_team(load_evidence):
    visits = [visit_row("V1", f"{D} 08:00", f"{D} 08:30"), km_north("V2", 20, f"{D} 08:40", f"{D} 09:00"),
              visit_row("V3", f"{D} 09:10", f"{D} 09:30")]
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert draft.strength == 2
    assert render_detail(draft.detail) == ("2 förflyttningar mellan besök som skulle kräva mer än 80 km/h "
                                           "(som mest 120 km/h, 1 personal)")
