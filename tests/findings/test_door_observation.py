"""The door_observation_mismatch detector: visits registered while observers saw no staff at the door."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from monitor.config import PROJECT_DIR
from monitor.findings.detectors import FindingDraft
from monitor.findings.evaluate import run_rule
from monitor.findings.rules import Rule, Scope, load_rules
from monitor.imports import SPECS, import_csv
from monitor.messages import render_detail
from monitor.models import Finding
from monitor.pseudonyms import Pseudonymiser
from monitor.ranking.score import load_scoring_config
from monitor.scoring import run_scoring
from tests.conftest import ASTRID_HOME, BERTIL, BERTIL_HOME, HONEST, SUSPECT, visit_row

RULES_DIR = PROJECT_DIR / "rules"
# Astrid's entrance; 0.0002 degrees of latitude is about 22 m.
HOME_LAT, HOME_LON = "59.2301", "17.9802"
# Kiruna: 0.000907 degrees of longitude is about 38 m this far north (a degree of longitude shrinks
# with cos(latitude), so a box sized for Stockholm misses it).
KIRUNA_LAT, KIRUNA_LON = "67.8558", "20.2253"


@pytest.fixture
def rule() -> Rule:
    (shipped,) = [r for r in load_rules(RULES_DIR) if r.kind == "door_observation_mismatch"]
    return shipped


def observation_row(observation_id: str = "O1", **change: str) -> dict[str, str]:
    """The follow-up team watched Astrid's entrance 08:00-10:00 on 6 October and saw no staff."""
    row = {
        "observation_id": observation_id, "address": ASTRID_HOME, "latitude": HOME_LAT,
        "longitude": HOME_LON, "observed_from": "2026-10-06 08:00", "observed_to": "2026-10-06 10:00",
        "staff_seen": "nej", "observer": "Team Syd", "note": "Ingen personal kom eller gick",
    }
    return {**row, **change}


@pytest.fixture
def load(with_suppliers: Engine, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser):
    """Import observations and visits into the database with the persona suppliers."""

    def load(observations: list[dict[str, str]], visits: list[dict[str, str]]) -> Engine:
        for kind, rows in (("observations", observations), ("visits", visits)):
            result = import_csv(with_suppliers, SPECS[kind], write_csv(f"{kind}.csv", rows),
                                pseudonymise=pseudonymise)
            assert result.rows_rejected == 0, result.rejected
        return with_suppliers

    return load


def _drafts(engine: Engine, rule: Rule) -> list[FindingDraft]:
    with engine.connect() as conn:
        return run_rule(conn, rule)


def _count_findings(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Finding.__table__)).scalar_one()


DAY = "2026-10-06"
CASES = [
    pytest.param({}, (f"{DAY} 09:30", f"{DAY} 10:30", {}), True, id="visit_starts_inside_the_watch"),
    pytest.param({}, (f"{DAY} 07:30", f"{DAY} 08:30", {}), True, id="visit_ends_inside_the_watch"),
    pytest.param({}, (f"{DAY} 07:30", f"{DAY} 10:30", {}), False, id="visit_spans_the_whole_watch"),
    pytest.param({"staff_seen": "ja"}, (f"{DAY} 09:30", f"{DAY} 10:30", {}), False, id="staff_were_seen"),
    pytest.param({}, (f"{DAY} 09:30", f"{DAY} 10:30",
                      {"address": BERTIL_HOME, "latitude": "59.3000", "longitude": "18.1000"}),
                 False, id="visit_at_another_address_far_away"),
    pytest.param({"address": "testgatan 1", "latitude": "", "longitude": ""},
                 (f"{DAY} 09:30", f"{DAY} 10:30",
                  {"address": "Testgatan 1, lgh 1102", "latitude": "", "longitude": ""}),
                 True, id="same_entrance_written_differently"),
    pytest.param({}, (f"{DAY} 09:30", f"{DAY} 10:30", {"address": "Testgatan 3", "latitude": "59.2303"}),
                 True, id="other_address_22_m_away"),
    pytest.param({}, (f"{DAY} 09:30", f"{DAY} 10:30", {"address": "Testgatan 7", "latitude": "59.2306"}),
                 False, id="other_address_56_m_away"),
    pytest.param({}, (f"{DAY} 08:01", f"{DAY} 10:30", {}), False, id="start_within_the_edge_margin"),
    pytest.param({}, (f"{DAY} 07:30", f"{DAY} 09:59", {}), False, id="end_within_the_edge_margin"),
    pytest.param({}, (f"{DAY} 08:03", f"{DAY} 10:30", {}), True, id="start_just_past_the_edge_margin"),
    pytest.param({}, ("2026-10-07 09:30", "2026-10-07 10:30", {}), False, id="same_hours_on_another_day"),
    # 02:00-03:00 happens twice that night: the visit ran 02:50 (summer time) to 02:10 (winter time),
    # 20 minutes inside a watch of 01:30-03:30 local time.
    pytest.param({"observed_from": "2026-10-25 01:30", "observed_to": "2026-10-25 03:30"},
                 ("2026-10-25 02:50", "2026-10-25 02:10", {}), True, id="autumn_clock_change_night"),
    pytest.param({"latitude": KIRUNA_LAT, "longitude": KIRUNA_LON},
                 (f"{DAY} 09:30", f"{DAY} 10:30",
                  {"address": "Testgatan 3", "latitude": KIRUNA_LAT, "longitude": "20.226207"}),
                 True, id="other_address_38_m_east_in_kiruna"),
    pytest.param({"latitude": KIRUNA_LAT, "longitude": KIRUNA_LON},
                 (f"{DAY} 09:30", f"{DAY} 10:30",
                  {"address": "Testgatan 5", "latitude": KIRUNA_LAT, "longitude": "20.226374"}),
                 False, id="other_address_45_m_east_in_kiruna"),
]


@pytest.mark.parametrize(("observation", "visit", "flagged"), CASES)
def test_it_flags_a_visit_only_if_the_observer_would_have_seen_the_carer_come_or_go(
    load, rule, observation, visit, flagged
):
    start, end, extra = visit
    engine = load([observation_row(**observation)], [visit_row("V1", start, end, **extra)])
    drafts = _drafts(engine, rule)
    assert [d.evidence["visit_ids"] for d in drafts] == ([["V1"]] if flagged else [])


def test_it_forgives_a_start_near_the_edge_under_a_wider_margin(load, rule):
    engine = load([observation_row()], [visit_row("V1", f"{DAY} 08:03", f"{DAY} 10:30")])
    assert len(_drafts(engine, rule)) == 1
    lenient = rule.model_copy(update={"params": {**rule.params, "edge_margin_minutes": 5}})
    assert _drafts(engine, lenient) == []


def test_it_names_the_observation_visits_and_staff_as_evidence(load, rule):
    visits = [visit_row("V2", f"{DAY} 09:00", f"{DAY} 09:30", staff_id="S2"),
              visit_row("V1", f"{DAY} 07:45", f"{DAY} 08:20"),
              visit_row("V3", f"{DAY} 07:00", f"{DAY} 11:00", staff_id="S3")]  # inside all along
    (draft,) = _drafts(load([observation_row()], visits), rule)
    assert draft.evidence == {"observation_ids": ["O1"], "visit_ids": ["V1", "V2"], "staff_ids": ["S1", "S2"]}
    assert draft.strength == 2


@pytest.mark.parametrize(
    ("language", "expected"),
    [("sv", "2 besök registrerade under en portobservation (120 min) där ingen personal sågs"),
     ("en", "2 visits registered during a door observation (120 min) in which no staff were seen")],
    ids=["swedish", "english"],
)
def test_it_words_the_detail_in_the_team_language(load, rule, language, expected):
    visits = [visit_row("V1", f"{DAY} 09:00", f"{DAY} 09:30"), visit_row("V2", f"{DAY} 09:40", f"{DAY} 10:20")]
    (draft,) = _drafts(load([observation_row()], visits), rule)
    assert render_detail(draft.detail, language) == expected


def test_it_gives_each_supplier_its_own_finding_for_one_observation(load, rule):
    honest_visit = visit_row("V2", f"{DAY} 09:00", f"{DAY} 09:30", supplier_org_number=HONEST["org_number"],
                             client_id=BERTIL, staff_id="A7")
    engine = load([observation_row()], [visit_row("V1", f"{DAY} 09:00", f"{DAY} 09:30"), honest_visit])
    assert sorted(d.evidence["staff_ids"] for d in _drafts(engine, rule)) == [["A7"], ["S1"]]


def test_it_finds_nothing_for_a_rule_scoped_to_another_contract_area(load, rule):
    engine = load([observation_row()], [visit_row("V1", f"{DAY} 09:00", f"{DAY} 09:30")])
    assert len(_drafts(engine, rule)) == 1
    assert _drafts(engine, rule.model_copy(update={"scope": Scope(contract_areas=("Daglig verksamhet",))})) == []


@pytest.fixture
def contradicted(load) -> Engine:
    """Two watched mornings at Astrid's door; Hemtjänst Beta registered three visits during them."""
    observations = [observation_row("O1"),
                    observation_row("O2", observed_from="2026-10-08 08:00", observed_to="2026-10-08 09:00")]
    visits = [visit_row("V1", f"{DAY} 08:30", f"{DAY} 09:00"), visit_row("V2", f"{DAY} 09:15", f"{DAY} 09:45"),
              visit_row("V3", "2026-10-08 08:20", "2026-10-08 08:50"),
              visit_row("V9", f"{DAY} 12:00", f"{DAY} 12:30", supplier_org_number=HONEST["org_number"],
                        client_id=BERTIL, address=BERTIL_HOME, latitude="59.3000", longitude="18.1000")]
    return load(observations, visits)


def test_it_ranks_the_supplier_with_contradicted_visits_first_with_the_reason(contradicted, rule):
    outcome = run_scoring(contradicted, [rule], load_scoring_config(RULES_DIR))
    first, second = outcome.ranking
    assert (first.org_number, second.org_number) == (SUSPECT["org_number"], HONEST["org_number"])
    assert first.score > 0 and second.score == 0
    assert [r["id"] for r in first.reasons] == ["door-observation-mismatch"]
    assert first.reasons[0]["detail"] == "3 besök registrerade under 2 portobservationer där ingen personal sågs"


def test_it_adds_no_findings_and_keeps_the_ranking_when_rescoring_unchanged_data(contradicted, rule):
    config = load_scoring_config(RULES_DIR)
    first = run_scoring(contradicted, [rule], config)
    stored = _count_findings(contradicted)
    again = run_scoring(contradicted, [rule], config)
    assert (first.evaluation.findings_new, again.evaluation.findings_new) == (2, 0)
    assert again.evaluation.findings_total == 2
    assert _count_findings(contradicted) == stored == 2
    assert [(r.org_number, r.score, r.reasons) for r in again.ranking] == [
        (r.org_number, r.score, r.reasons) for r in first.ranking
    ]


def test_it_counts_only_the_new_findings_after_a_threshold_changes(contradicted, rule):
    config = load_scoring_config(RULES_DIR)
    run_scoring(contradicted, [rule], config)
    stricter = rule.model_copy(update={"params": {**rule.params, "edge_margin_minutes": 25}})
    outcome = run_scoring(contradicted, [stricter], config)
    assert outcome.evaluation.findings_new == outcome.evaluation.findings_total == 1  # only O1 survives
    assert outcome.ranking[0].reasons[0]["findings"] == 1


def test_it_shows_a_renamed_rule_with_its_new_title(contradicted, rule):
    config = load_scoring_config(RULES_DIR)
    run_scoring(contradicted, [rule], config)
    renamed = rule.model_copy(update={"title": "Besök under portobservation"})
    outcome = run_scoring(contradicted, [renamed], config)
    assert outcome.ranking[0].reasons[0]["title"] == "Besök under portobservation"


def test_it_counts_a_visit_seen_by_two_overlapping_watches_once(load, rule):
    observations = [observation_row("O1"),
                    observation_row("O2", observed_from=f"{DAY} 09:00", observed_to=f"{DAY} 11:00")]
    visits = [visit_row("V1", f"{DAY} 09:30", f"{DAY} 10:15"), visit_row("V2", f"{DAY} 10:30", f"{DAY} 10:50")]
    drafts = _drafts(load(observations, visits), rule)
    assert [(d.evidence["observation_ids"], d.evidence["visit_ids"]) for d in drafts] == [
        (["O1"], ["V1"]), (["O2"], ["V2"])
    ]
