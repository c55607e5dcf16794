"""The staff_overlap detector: one staff id registered with two clients at the same time."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from monitor.findings.detectors import DETECTORS
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import local_days, period_keys
from monitor.findings.rules import Scope
from monitor.messages import render_detail, render_summary
from tests.conftest import ASTRID_HOME, BERTIL, BERTIL_HOME, HONEST, visit_row
from tests.findings.conftest import detect, shipped_rule

KIND = "staff_overlap"
DAY = "2026-10-06"
ASTRIDS_HUSBAND = "19320202-0003"  # synthetic; lives with Astrid


def at_astrid(visit_id: str, start: str, end: str, **extra: str) -> dict[str, str]:
    return visit_row(visit_id, f"{DAY} {start}", f"{DAY} {end}", **extra)


def at_bertil(visit_id: str, start: str, end: str, **extra: str) -> dict[str, str]:
    """Bertil lives 9 km from Astrid."""
    return at_astrid(visit_id, start, end, client_id=BERTIL, address=BERTIL_HOME, latitude="59.3000",
                     longitude="18.1000", **extra)


CASES = [
    pytest.param([at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:30", "09:30")],
                 ["V1", "V2"], id="half_an_hour_at_two_clients"),
    pytest.param([at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:50", "09:30")],
                 ["V1", "V2"], id="overlap_of_exactly_the_minimum"),
    pytest.param([at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:51", "09:30")],
                 [], id="overlap_of_9_min_below_the_minimum"),
    pytest.param([at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "09:00", "09:30")],
                 [], id="back_to_back_visits"),
    pytest.param([at_astrid("V1", "08:00", "09:00"), at_astrid("V2", "08:00", "09:00", staff_id="S2")],
                 [], id="double_staffing_two_carers_one_client"),
    pytest.param([at_astrid("V1", "08:00", "09:00"),
                  at_astrid("V2", "08:00", "09:00", client_id=ASTRIDS_HUSBAND, address=f"{ASTRID_HOME}, lgh 1102")],
                 [], id="couple_at_the_same_address"),
    pytest.param([at_astrid("V1", "08:00", "09:00"),
                  at_bertil("V2", "08:00", "09:00", supplier_org_number=HONEST["org_number"])],
                 [], id="same_staff_id_at_two_suppliers_is_two_people"),
    # Bertil's long visit is not the one just before the third visit: the running end must remember it.
    pytest.param([at_bertil("V1", "08:00", "12:00"), at_astrid("V2", "08:30", "08:45"),
                  at_astrid("V3", "11:00", "11:30")],
                 ["V1", "V2", "V3"], id="two_short_visits_inside_one_long_visit"),
    # 02:00-03:00 happens twice. V1 ran 02:50 summer time to 02:10 winter time (00:50-01:10 UTC); V2 ran
    # 02:00-02:30 winter time (01:00-01:30 UTC): 10 minutes together, though the wall clocks never overlap.
    pytest.param([visit_row("V1", "2026-10-25 02:50", "2026-10-25 02:10"),
                  {**at_bertil("V2", "00:00", "00:00"), "planned_start": "", "planned_end": "",
                   "registered_start": "2026-10-25T02:00:00+01:00", "registered_end": "2026-10-25T02:30:00+01:00"}],
                 ["V1", "V2"], id="autumn_clock_change_overlap_in_real_time"),
    # V1 01:30-02:30 summer time (23:30-00:30 UTC); V2 02:10-02:40 winter time (01:10 UTC on): the wall
    # clocks overlap, the instants do not.
    pytest.param([visit_row("V1", "2026-10-25T01:30:00+02:00", "2026-10-25T02:30:00+02:00"),
                  {**at_bertil("V2", "00:00", "00:00"), "planned_start": "", "planned_end": "",
                   "registered_start": "2026-10-25T02:10:00+01:00", "registered_end": "2026-10-25T02:40:00+01:00"}],
                 [], id="autumn_clock_change_wall_clocks_overlap_only"),
]


@pytest.mark.parametrize(("visits", "flagged"), CASES)
def test_it_flags_a_carer_registered_in_two_homes_at_once(load_evidence, visits, flagged):
    drafts = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert [d.evidence["visit_ids"] for d in drafts] == ([flagged] if flagged else [])


def test_it_counts_a_shorter_overlap_under_a_lower_minimum(load_evidence):
    engine = load_evidence(visits=[at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:55", "09:30")])
    assert detect(engine, KIND) == []
    assert len(detect(engine, KIND, min_overlap_minutes=5)) == 1


def test_it_words_the_overlaps_and_their_minutes_for_the_team(load_evidence):
    visits = [at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:30", "09:30"),
              at_astrid("V3", "13:00", "14:00", staff_id="S2"), at_bertil("V4", "13:45", "14:30", staff_id="S2")]
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert draft.evidence == {"visit_ids": ["V1", "V2", "V3", "V4"], "staff_ids": ["S1", "S2"]}
    assert draft.strength == 2
    assert render_detail(draft.detail) == ("2 tillfällen där samma personal var registrerad hos två brukare "
                                           "samtidigt i minst 10 min (2 anställda, 45 min sammanlagt)")


def test_it_gives_each_week_its_own_finding_and_sums_them_in_one_sentence(load_evidence):
    visits = [at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:30", "09:30"),
              visit_row("V3", "2026-10-13 08:00", "2026-10-13 09:00"),
              {**at_bertil("V4", "00:00", "00:00"), "registered_start": "2026-10-13 08:40",
               "registered_end": "2026-10-13 09:40", "planned_start": "", "planned_end": ""}]
    drafts = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert [(d.period_start.date().isoformat(), d.evidence["visit_ids"]) for d in drafts] == [
        ("2026-10-04", ["V1", "V2"]), ("2026-10-11", ["V3", "V4"])]  # Monday 00:00 local is Sunday in UTC
    assert render_summary([d.detail for d in drafts], "en") == (
        "2 times in 2 periods the same staff member was registered with two clients at once for at least "
        "10 min (50 min in total)")


@pytest.mark.parametrize(
    "kind", ["staff_overlap", "impossible_travel", "excessive_staff_hours", "insufficient_rest", "shared_device"]
)
def test_each_staff_detector_finds_nothing_in_an_empty_or_out_of_scope_database(load_evidence, kind):
    engine = load_evidence(visits=[at_astrid("V1", "08:00", "09:00"), at_bertil("V2", "08:30", "09:30")])
    rule = shipped_rule(kind).model_copy(update={"scope": Scope(contract_areas=("Daglig verksamhet",))})
    assert detect(engine, rule) == []


def test_it_flags_each_day_an_overlap_begins_with_a_day_period(load_evidence):
    # Y1 overlaps X from Monday evening; Y2 overlaps X after midnight, so Tuesday has its own overlap.
    visits = [visit_row("X", "2026-10-05 22:00", "2026-10-06 02:00"),
              at_bertil("Y1", "00:00", "00:00") | {"registered_start": "2026-10-05 22:30",
                                                    "registered_end": "2026-10-06 03:00"},
              at_bertil("Y2", "00:30", "01:00")]
    drafts = detect(load_evidence(visits=visits), KIND, period="day")
    assert [(d.period_start.date().isoformat(), d.evidence["visit_ids"]) for d in drafts] == [
        ("2026-10-04", ["X", "Y1"]), ("2026-10-05", ["X", "Y2"])]  # local midnight is 22:00 UTC


def test_it_counts_every_overlapping_pair(load_evidence):
    visits = [at_astrid("X", "08:00", "12:00"), at_bertil("Y1", "08:30", "13:00"), at_bertil("Y2", "09:00", "09:30")]
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert (draft.strength, draft.detail["args"]["overlaps"], draft.detail["args"]["minutes"]) == (2, 2, 240)


# Brute-force references: every pair of visits, on random small frames built without a database.
BASE = 1792620000.0  # 2026-10-22 22:00 UTC, a Friday: the days drawn cover the autumn night and a week's end


class _FrameEvidence:
    def __init__(self, visits: pd.DataFrame) -> None:
        self.visits = visits
        self._derived: dict = {}

    def scoped_visits(self, supplier_ids, service_types) -> pd.DataFrame:
        return self.visits


def random_visits(seed: int, count: int, staff: int = 3, devices: int = 2, hours: int = 80) -> list[dict]:
    """Visits as dicts: minutes from BASE, few clients (two share an address), some without coordinates."""
    rnd = random.Random(seed)
    rows = []
    for n in range(count):
        start = rnd.randrange(0, hours * 60, 5)
        client = rnd.randrange(4)
        placed = rnd.random() > 0.15
        rows.append({
            "visit_id": f"V{n:03d}", "supplier_id": rnd.choice([1, 1, 2]), "staff_id": f"S{rnd.randrange(staff)}",
            "client_key": client, "address_key": "A0" if client < 2 else f"A{client}",
            "latitude": 59.2 + 0.2 * client + rnd.choice([0, 0.001]) if placed else np.nan,
            "longitude": 17.9 if placed else np.nan,
            "start": start, "end": start + rnd.choice([0, 5, 15, 30, 60, 120, 300, 600]),
            "device_id": rnd.choice([f"D{d}" for d in range(devices)] + [None]),
        })
    return rows


def frame_of(rows: list[dict], seed: int) -> pd.DataFrame:
    """The rows as the evidence frame has them: sorted by staff and start only, staff_key numbered
    and ties ordered at random (as database row order would)."""
    rnd = random.Random(seed)
    staff = sorted({(r["supplier_id"], r["staff_id"]) for r in rows})
    rnd.shuffle(staff)
    keys = {s: k for k, s in enumerate(staff)}
    rows = sorted(rows, key=lambda r: (keys[(r["supplier_id"], r["staff_id"])], r["start"], rnd.random()))
    frame = pd.DataFrame(rows)
    frame["staff_key"] = [keys[(r["supplier_id"], r["staff_id"])] for r in rows]
    frame["address_code"] = pd.factorize(frame["address_key"])[0]
    frame["registered_start"] = BASE + frame.pop("start") * 60.0
    frame["registered_end"] = BASE + frame.pop("end") * 60.0
    return frame


def frame_detect(kind: str, frame: pd.DataFrame, period: str = "day", **params) -> list[tuple]:
    """The findings of one detector on the frame: (supplier, period day number, strength, args, evidence)."""
    module = DETECTORS[kind]
    drafts = module.detect(RuleContext(_FrameEvidence(frame), period), module.Params(**params))
    return [(d.supplier_id, int(local_days(np.array([d.period_start.timestamp()]))[0]), d.strength,
             d.detail["args"], d.evidence) for d in drafts]


def period_of(minute: float, period: str) -> int:
    return int(period_keys(np.array([BASE + minute * 60.0]), period)[0])


def reference_overlaps(rows: list[dict], min_minutes: float, period: str) -> list[tuple]:
    found: dict[tuple, list] = {}
    for a, b in itertools.combinations(rows, 2):
        if (a["supplier_id"], a["staff_id"]) != (b["supplier_id"], b["staff_id"]):
            continue
        if a["client_key"] == b["client_key"] or a["address_key"] == b["address_key"]:
            continue
        overlap = min(a["end"], b["end"]) - max(a["start"], b["start"])
        if overlap >= min_minutes:
            found.setdefault((a["supplier_id"], period_of(max(a["start"], b["start"]), period)), []).append(
                (overlap, a, b))
    return [(supplier, key, float(len(pairs)),
             {"overlaps": len(pairs), "staff": len({a["staff_id"] for _, a, _ in pairs}),
              "minutes": round(sum(o for o, _, _ in pairs)), "threshold_minutes": min_minutes},
             {"visit_ids": sorted({v["visit_id"] for _, a, b in pairs for v in (a, b)}),
              "staff_ids": sorted({a["staff_id"] for _, a, _ in pairs})})
            for (supplier, key), pairs in sorted(found.items())]


@pytest.mark.parametrize("seed", range(40))
def test_it_finds_every_overlapping_pair_a_brute_force_search_finds(seed):
    rows = random_visits(seed, count=random.Random(seed).randrange(2, 30), staff=2, hours=40)
    min_minutes = random.Random(seed).choice([5.0, 10.0, 30.0])
    for period in ("day", "week"):
        expected = reference_overlaps(rows, min_minutes, period)
        for order in range(3):
            assert frame_detect(KIND, frame_of(rows, order), period, min_overlap_minutes=min_minutes) == expected
