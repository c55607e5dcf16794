"""The impossible_travel detector: consecutive visits too far apart for the time between them."""

from __future__ import annotations

import random

import numpy as np
import pytest

from monitor.addresses import haversine_m_array as haversine_m
from monitor.messages import render_detail
from tests.conftest import BERTIL, visit_row
from tests.findings.conftest import detect, shipped_rule
from tests.findings.test_staff_overlap import frame_detect, frame_of, period_of, random_visits

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
                                           "(som mest 120 km/h, 1 anställd)")


MISSED_MOVES = [
    # A long visit with a short one nested inside: C must be reached from A's end, 5 minutes before.
    pytest.param([visit_row("A", f"{D} 08:00", f"{D} 10:00"), visit_row("B", f"{D} 08:30", f"{D} 08:45"),
                  km_north("C", 29, f"{D} 10:05", f"{D} 10:30")], ["A", "C"], id="after_a_visit_nested_in_a_long_one"),
    # B has no coordinates; from A to C is still 29 km in 15 minutes.
    pytest.param([visit_row("A", f"{D} 08:00", f"{D} 08:30"),
                  km_north("B", 5, f"{D} 08:35", f"{D} 08:40", latitude="", longitude=""),
                  km_north("C", 29, f"{D} 08:45", f"{D} 09:00")], ["A", "C"], id="across_a_visit_without_coordinates"),
]


@pytest.mark.parametrize(("visits", "flagged"), MISSED_MOVES)
def test_it_measures_from_every_visit_the_carer_had_to_leave(load_evidence, visits, flagged):
    drafts = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert [d.evidence["visit_ids"] for d in drafts] == [flagged]


def reference_moves(rows: list[dict], max_kmh: float, period: str) -> list[tuple]:
    """Each visit with coordinates against the staff id's previous one with coordinates and the
    earlier one with coordinates that ends latest (the last of them on a tie)."""
    found: dict[tuple, list] = {}
    placed = sorted((r for r in rows if not np.isnan(r["latitude"])),
                    key=lambda r: (r["supplier_id"], r["staff_id"], r["start"], r["end"], r["visit_id"]))
    for j, b in enumerate(placed):
        before = [a for a in placed[:j] if (a["supplier_id"], a["staff_id"]) == (b["supplier_id"], b["staff_id"])]
        if not before:
            continue
        latest = max(range(len(before)), key=lambda i: (before[i]["end"], i))
        for a in {id(x): x for x in (before[-1], before[latest])}.values():
            gap = b["start"] - a["end"]
            if not 0 <= gap <= 12 * 60:
                continue
            metres = float(haversine_m(*map(np.array, (a["latitude"], a["longitude"], b["latitude"], b["longitude"]))))
            kmh = metres / 1000 / (max(gap, 1) / 60)
            if metres >= 1000 and kmh > max_kmh:
                found.setdefault((b["supplier_id"], period_of(b["start"], period)), []).append((kmh, a, b))
    return [(supplier, key, float(len(moves)),
             {"moves": len(moves), "staff": len({a["staff_id"] for _, a, _ in moves}),
              "max_kmh": round(max(k for k, _, _ in moves)), "threshold_kmh": max_kmh},
             {"visit_ids": sorted({v["visit_id"] for _, a, b in moves for v in (a, b)}),
              "staff_ids": sorted({a["staff_id"] for _, a, _ in moves})})
            for (supplier, key), moves in sorted(found.items())]


@pytest.mark.parametrize("seed", range(40))
def test_it_finds_every_move_a_brute_force_search_finds(seed):
    rows = random_visits(seed, count=random.Random(seed).randrange(2, 30), staff=2, hours=30)
    max_kmh = random.Random(seed).choice([30.0, 80.0])
    for period in ("day", "week"):
        expected = reference_moves(rows, max_kmh, period)
        for order in range(3):
            assert frame_detect(KIND, frame_of(rows, order), period, max_kmh=max_kmh) == expected
