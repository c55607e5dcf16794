"""The visit_during_absence detector: visits registered while the client was in hospital, dead or moved away."""

from __future__ import annotations

import pytest

from monitor.messages import render_detail
from tests.conftest import ASTRID, BERTIL, BERTIL_HOME, HONEST, visit_row
from tests.findings.conftest import detect, make_rule, shipped_rule

KIND = "visit_during_absence"


def event_row(event: str, start: str, end: str = "", client_id: str = ASTRID) -> dict[str, str]:
    return {"client_id": client_id, "event": event, "start": start, "end": end}


# Astrid was admitted on Monday 5 October at 10:00 and discharged on Friday the 9th at 12:00.
STAY = event_row("hospitalized", "2026-10-05 10:00", "2026-10-09 12:00")
CASES = [
    pytest.param(STAY, ("2026-10-06 08:00", "2026-10-06 08:30"), True, id="visit_during_a_hospital_stay"),
    pytest.param(STAY, ("2026-10-06 08:00", "2026-10-06 08:10"), True, id="short_visit_wholly_inside_a_stay"),
    pytest.param(STAY, ("2026-10-05 08:00", "2026-10-05 09:00"), False, id="visit_the_morning_before_admission"),
    pytest.param(STAY, ("2026-10-05 09:30", "2026-10-05 10:10"), False, id="visit_ending_10_min_into_the_stay"),
    pytest.param(STAY, ("2026-10-05 09:30", "2026-10-05 10:20"), True, id="visit_ending_20_min_into_the_stay"),
    pytest.param(STAY, ("2026-10-09 13:00", "2026-10-09 13:30"), False, id="visit_after_discharge_the_same_day"),
    pytest.param(STAY, ("2026-10-06 08:00", "2026-10-06 08:30", {"client_id": BERTIL, "address": BERTIL_HOME}),
                 False, id="visit_to_another_client"),
    pytest.param(event_row("hospitalized", "2026-10-05 10:00"), ("2026-10-20 08:00", "2026-10-20 08:30"),
                 True, id="still_in_hospital"),
    pytest.param(event_row("hospitalized", "2026-10-06 00:30", "2026-10-09 12:00"),
                 ("2026-10-05 23:50", "2026-10-06 01:00"), True, id="night_visit_across_midnight_into_the_stay"),
    pytest.param(event_row("deceased", "2026-10-07 14:00"), ("2026-10-08 08:00", "2026-10-08 08:30"),
                 True, id="visit_after_death"),
    pytest.param(event_row("deceased", "2026-10-07 14:00"), ("2026-10-07 08:00", "2026-10-07 08:30"),
                 False, id="visit_the_morning_before_death"),
    pytest.param(event_row("deceased", "2026-10-07"), ("2026-10-07 08:00", "2026-10-07 08:30"),
                 False, id="visit_on_the_day_of_death_known_only_by_date"),
    pytest.param(event_row("deceased", "2026-10-07"), ("2026-10-08 08:00", "2026-10-08 08:30"),
                 True, id="visit_the_day_after_death_known_only_by_date"),
    pytest.param(event_row("moved_out", "2026-10-07 12:00"), ("2026-10-12 08:00", "2026-10-12 08:30"),
                 True, id="visit_after_moving_out"),
    pytest.param(event_row("hospitalized", "2026-10-05", "2026-10-07"), ("2026-10-06 08:00", "2026-10-06 08:30"),
                 True, id="visit_inside_a_stay_known_only_by_dates"),
    pytest.param(event_row("hospitalized", "2026-10-05", "2026-10-07"), ("2026-10-07 15:00", "2026-10-07 15:30"),
                 False, id="visit_on_the_discharge_day_known_only_by_date"),
    # 02:00-03:00 happens twice that night. The visit ran 01:50-02:55 summer time (23:50-00:55 UTC);
    # the admission was at 02:20 winter time (01:20 UTC), 25 minutes after the visit ended.
    pytest.param(event_row("hospitalized", "2026-10-25T02:20:00+01:00"),
                 ("2026-10-25T01:50:00+02:00", "2026-10-25T02:55:00+02:00"), False,
                 id="visit_before_admission_in_the_repeated_autumn_hour"),
    pytest.param(event_row("hospitalized", "2026-10-25T02:20:00+02:00"),
                 ("2026-10-25T01:50:00+02:00", "2026-10-25T02:55:00+02:00"), True,
                 id="admission_during_the_visit_in_the_first_autumn_hour"),
]


@pytest.mark.parametrize(("event", "visit", "flagged"), CASES)
def test_it_flags_a_visit_only_if_it_overlaps_the_absence(load_evidence, event, visit, flagged):
    start, end, *extra = visit
    engine = load_evidence(events=[event], visits=[visit_row("V1", start, end, **(extra[0] if extra else {}))])
    drafts = detect(engine, shipped_rule(KIND))
    assert [d.evidence["visit_ids"] for d in drafts] == ([["V1"]] if flagged else [])


def test_it_counts_a_shorter_overlap_under_a_lower_minimum(load_evidence):
    engine = load_evidence(events=[STAY], visits=[visit_row("V1", "2026-10-05 09:30", "2026-10-05 10:10")])
    assert detect(engine, KIND) == []
    assert len(detect(engine, KIND, min_overlap_minutes=5)) == 1


def test_it_looks_only_at_the_chosen_events(load_evidence):
    events = [STAY, event_row("deceased", "2026-10-07 14:00", client_id=BERTIL)]
    visits = [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
              visit_row("V2", "2026-10-08 08:00", "2026-10-08 08:30", client_id=BERTIL, address=BERTIL_HOME)]
    engine = load_evidence(events=events, visits=visits)
    assert [d.evidence["visit_ids"] for d in detect(engine, KIND)] == [["V1", "V2"]]
    assert [d.evidence["visit_ids"] for d in detect(engine, KIND, events=["deceased"])] == [["V2"]]


@pytest.fixture
def absent(load_evidence):
    """Hemtjänst Beta registered two visits in Astrid's hospital stay and one after Bertil died;
    Omsorg Alfa one after Bertil died."""
    events = [STAY, event_row("deceased", "2026-10-07 14:00", client_id=BERTIL)]
    bertil = {"client_id": BERTIL, "address": BERTIL_HOME}
    visits = [visit_row("V2", "2026-10-06 08:00", "2026-10-06 08:30"),
              visit_row("V1", "2026-10-06 18:00", "2026-10-06 18:30", staff_id="S2"),
              visit_row("V3", "2026-10-08 09:00", "2026-10-08 09:30", staff_id="S2", **bertil),
              visit_row("V9", "2026-10-08 10:00", "2026-10-08 10:30", staff_id="A7",
                        supplier_org_number=HONEST["org_number"], **bertil)]
    return load_evidence(events=events, visits=visits)


def test_it_names_visits_staff_and_counts_per_event_but_no_client(absent, pseudonymise):
    drafts = sorted(detect(absent, KIND), key=lambda d: d.strength)
    honest, suspect = drafts
    assert suspect.evidence == {"visit_ids": ["V1", "V2", "V3"], "staff_ids": ["S1", "S2"]}
    assert suspect.detail["args"] == {"visits": 3, "hospital_visits": 2, "after_death_visits": 1,
                                      "after_move_visits": 0}
    assert suspect.strength == 3 and honest.evidence["visit_ids"] == ["V9"]
    for client in (ASTRID, BERTIL):
        assert pseudonymise(client) not in repr(drafts)


def test_it_reports_one_finding_per_supplier_and_week(load_evidence):
    visits = [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
              visit_row("V2", "2026-10-13 08:00", "2026-10-13 08:30")]
    engine = load_evidence(events=[event_row("moved_out", "2026-10-05 12:00")], visits=visits)
    drafts = detect(engine, KIND)
    assert [(d.period_start.date().isoformat(), d.evidence["visit_ids"]) for d in drafts] == [
        ("2026-10-04", ["V1"]), ("2026-10-11", ["V2"])]  # local Monday midnight is Sunday 22:00 UTC


def test_it_words_the_detail_in_swedish(absent):
    suspect = max(detect(absent, make_rule(KIND)), key=lambda d: d.strength)
    assert render_detail(suspect.detail) == (
        "3 besök registrerade när brukaren var inlagd på sjukhus (2) eller avliden (1)")
