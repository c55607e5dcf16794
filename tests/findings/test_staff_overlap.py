"""The staff_overlap detector: one staff id registered with two clients at the same time."""

from __future__ import annotations

import pytest

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
                                           "samtidigt i minst 10 min (2 personal, 45 min sammanlagt)")


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
