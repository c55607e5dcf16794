"""The shared_device detector: one device registering visits for several staff ids within a short time."""

from __future__ import annotations

import itertools
import random

import pytest

from monitor.messages import render_detail
from tests.conftest import BERTIL, BERTIL_HOME, HONEST, visit_row
from tests.findings.conftest import detect, shipped_rule
from tests.findings.test_staff_overlap import frame_detect, frame_of, period_of, random_visits

KIND = "shared_device"
D = "2026-10-06"


def on(device: str, visit_id: str, staff_id: str, start: str, end: str, day: str = D, **extra: str) -> dict[str, str]:
    return visit_row(visit_id, f"{day} {start}", f"{day} {end}", staff_id=staff_id, device_id=device, **extra)


CASES = [
    pytest.param([on("D1", "V1", "S1", "08:00", "08:30"), on("D1", "V2", "S2", "08:45", "09:15")],
                 (["D1"], ["S1", "S2"], ["V1", "V2"]), id="two_staff_15_min_apart_on_one_phone"),
    pytest.param([on("D1", "V1", "S1", "08:00", "09:00"), on("D1", "V2", "S2", "08:30", "08:45")],
                 (["D1"], ["S1", "S2"], ["V1", "V2"]), id="second_staff_registered_during_the_first_visit"),
    pytest.param([on("D1", "V1", "S1", "08:00", "08:30"), on("D1", "V2", "S2", "09:30", "10:00")],
                 (["D1"], ["S1", "S2"], ["V1", "V2"]), id="exactly_the_window_apart"),
    pytest.param([on("D1", "V1", "S1", "08:00", "08:30"), on("D1", "V2", "S2", "09:31", "10:00")],
                 None, id="61_min_apart"),
    pytest.param([on("D1", f"V{i}", "S1", f"{8 + i:02d}:00", f"{8 + i:02d}:45") for i in range(8)],
                 None, id="one_carer_on_one_phone_all_day"),
    pytest.param([on("T1", "V1", "S1", "08:00", "09:00"), on("T1", "V2", "S2", "08:00", "09:00", day="2026-10-07")],
                 None, id="shared_tablet_on_different_days"),
    pytest.param([on("D1", "V1", "S1", "08:00", "09:00"), on("D2", "V2", "S2", "08:00", "09:00")],
                 None, id="double_staffing_each_on_their_own_phone"),
    pytest.param([on("", "V1", "S1", "08:00", "08:30"), on("", "V2", "S2", "08:45", "09:15")],
                 None, id="visits_without_a_device"),
    pytest.param([on("D1", "V1", "S1", "08:00", "08:30"),
                  on("D1", "V2", "S2", "08:45", "09:15", supplier_org_number=HONEST["org_number"], client_id=BERTIL,
                     address=BERTIL_HOME)],
                 None, id="same_device_id_at_two_suppliers"),
    # V1 ended at 02:55 summer time (00:55 UTC); V2 began at 02:10 winter time (01:10 UTC), 15 minutes later.
    pytest.param([{**on("D1", "V1", "S1", "", ""), "planned_start": "", "planned_end": "",
                   "registered_start": "2026-10-25T02:30:00+02:00", "registered_end": "2026-10-25T02:55:00+02:00"},
                  {**on("D1", "V2", "S2", "", ""), "planned_start": "", "planned_end": "",
                   "registered_start": "2026-10-25T02:10:00+01:00", "registered_end": "2026-10-25T02:30:00+01:00"}],
                 (["D1"], ["S1", "S2"], ["V1", "V2"]), id="autumn_clock_change_15_min_apart"),
]


@pytest.mark.parametrize(("visits", "flagged"), CASES)
def test_it_flags_a_device_registering_for_several_staff_at_once(load_evidence, visits, flagged):
    drafts = detect(load_evidence(visits=visits), shipped_rule(KIND))
    found = [(d.evidence["device_ids"], d.evidence["staff_ids"], d.evidence["visit_ids"]) for d in drafts]
    assert found == ([flagged] if flagged else [])


def test_it_handles_an_export_without_the_device_column(load_evidence):
    engine = load_evidence(visits=[visit_row("V1", f"{D} 08:00", f"{D} 08:30"),
                                   visit_row("V2", f"{D} 08:45", f"{D} 09:15", staff_id="S2")])
    assert detect(engine, shipped_rule(KIND)) == []


def test_it_follows_a_wider_window(load_evidence):
    engine = load_evidence(visits=[on("T1", "V1", "S1", "08:00", "09:00"), on("T1", "V2", "S2", "12:00", "13:00")])
    assert detect(engine, KIND) == []
    assert len(detect(engine, KIND, window_minutes=180)) == 1


def test_it_words_the_devices_staff_and_visits_for_the_team(load_evidence):
    visits = [on("D1", "V1", "S1", "08:00", "08:30"), on("D1", "V2", "S2", "08:40", "09:00"),
              on("D1", "V3", "S3", "09:10", "09:30"), on("D1", "V4", "S1", "09:40", "10:00"),
              on("D2", "V5", "S4", "08:00", "08:30"), on("D2", "V6", "S5", "08:35", "09:00")]
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert draft.strength == 6  # pairs within the hour: V1-V2, V1-V3, V2-V3, V2-V4, V3-V4 and V5-V6
    assert render_detail(draft.detail) == ("2 enheter registrerade besök åt olika personal med högst 60 min "
                                           "emellan (5 anställda, 6 besök)")


@pytest.mark.parametrize("reverse", [False, True], ids=["imported_in_order", "imported_in_reverse"])
def test_it_counts_the_same_pairs_whatever_order_the_visits_were_imported_in(load_evidence, reverse):
    # V1 and V2 start together; all three pairs of staff are within the hour of each other.
    visits = [on("D1", "V1", "S3", "08:00", "09:00"), on("D1", "V2", "S1", "08:00", "08:15"),
              on("D1", "V3", "S2", "08:30", "08:45")]
    (draft,) = detect(load_evidence(visits=visits[::-1] if reverse else visits), shipped_rule(KIND))
    assert draft.strength == 3
    assert draft.detail["args"] == {"devices": 1, "staff": 3, "visits": 3, "threshold_minutes": 60.0}


def test_it_flags_each_day_a_pair_ends_with_a_day_period(load_evidence):
    # C on Tuesday is 40 minutes after A ended on Monday, though B (C's own staff id) came between.
    visits = [on("D1", "A", "S1", "23:00", "23:40", day="2026-10-05"), on("D1", "B", "S2", "23:30", "23:45",
                                                                             day="2026-10-05"),
              on("D1", "C", "S2", "00:20", "00:30")]
    drafts = detect(load_evidence(visits=visits), KIND, period="day")
    assert [(d.period_start.date().isoformat(), d.evidence["visit_ids"]) for d in drafts] == [
        ("2026-10-04", ["A", "B"]), ("2026-10-05", ["A", "C"])]  # local midnight is 22:00 UTC


def reference_pairs(rows: list[dict], window: float, period: str) -> list[tuple]:
    found: dict[tuple, list] = {}
    for a, b in itertools.combinations([r for r in rows if r["device_id"]], 2):
        if (a["supplier_id"], a["device_id"]) != (b["supplier_id"], b["device_id"]) or a["staff_id"] == b["staff_id"]:
            continue
        first, second = (a, b) if a["start"] <= b["start"] else (b, a)
        if second["start"] - first["end"] <= window:
            found.setdefault((a["supplier_id"], period_of(second["start"], period)), []).append((a, b))
    out = []
    for (supplier, key), pairs in sorted(found.items()):
        visits = {v["visit_id"]: v for pair in pairs for v in pair}.values()
        evidence = {"device_ids": sorted({v["device_id"] for v in visits}),
                    "staff_ids": sorted({v["staff_id"] for v in visits}),
                    "visit_ids": sorted(v["visit_id"] for v in visits)}
        args = {"devices": len(evidence["device_ids"]), "staff": len(evidence["staff_ids"]),
                "visits": len(evidence["visit_ids"]), "threshold_minutes": window}
        out.append((supplier, key, float(len(pairs)), args, evidence))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_it_finds_every_pair_a_brute_force_search_finds(seed):
    rows = random_visits(seed, count=random.Random(seed).randrange(2, 30), staff=3, hours=30)
    window = random.Random(seed).choice([0.0, 30.0, 60.0])
    for period in ("day", "week"):
        expected = reference_pairs(rows, window, period)
        for order in range(3):
            assert frame_detect(KIND, frame_of(rows, order), period, window_minutes=window) == expected
