"""The relative_caregiver detector: relatives employed to care for their own family member whose
visits run longer than the supplier's other visits, or who carry most of its visits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from monitor.messages import render_detail, render_summary
from tests.conftest import ASTRID, BERTIL, HONEST, SUSPECT, visit_row
from tests.findings.conftest import detect, shipped_rule

RELATIVE = "R1"  # Astrid's son, employed by Hemtjänst Beta
OCTOBER = date(2026, 10, 1)


def son_of_astrid(org: str = SUSPECT["org_number"]) -> list[dict[str, str]]:
    return [{"staff_id": RELATIVE, "supplier_org_number": org, "relative_of_client_ids": ASTRID}]


def visits(prefix: str, count: int, minutes: int, staff_id: str = RELATIVE, client_id: str = ASTRID,
           planned: int = 30, first: date = OCTOBER, hour: int = 9) -> list[dict[str, str]]:
    """`count` daily visits planned for `planned` minutes and registered for `minutes`."""
    rows = []
    for i in range(count):
        day = first + timedelta(days=i % 28)
        start = f"{day} {hour + i // 28:02d}:00"
        rows.append(visit_row(
            f"{prefix}{i:03d}", start, f"{day} {hour + i // 28:02d}:{planned:02d}", staff_id=staff_id,
            client_id=client_id, registered_end=f"{day} {hour + i // 28 + minutes // 60:02d}:{minutes % 60:02d}",
        ))
    return rows


def others(count: int = 40) -> list[dict[str, str]]:
    """Hemtjänst Beta's other visits: as long as planned, by S1 at Bertil's."""
    return visits("O", count, 30, staff_id="S1", client_id=BERTIL, hour=13)


def unplanned(rows: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    """The rows with the first `count` of them without planned times."""
    return [{**row, "planned_start": "", "planned_end": ""} if i < count else row for i, row in enumerate(rows)]


CASES = [
    pytest.param(son_of_astrid(), visits("R", 10, 60) + others(), True, id="relative_visits_run_twice_as_long"),
    pytest.param(son_of_astrid(), visits("R", 20, 30) + others(15), True, id="relatives_make_most_visits"),
    pytest.param(son_of_astrid(), visits("R", 9, 30) + others(51), False,
                 id="honest_relative_as_long_as_planned"),
    pytest.param(son_of_astrid(), visits("R", 7, 60) + others(), False, id="too_few_relative_visits_to_compare"),
    pytest.param(son_of_astrid(), visits("R", 10, 38) + others(), False, id="relative_visits_a_little_longer"),
    pytest.param(son_of_astrid(), visits("R", 10, 30) + visits("B", 10, 60, client_id=BERTIL) + others(), False,
                 id="relative_staff_visiting_other_clients"),
    pytest.param(son_of_astrid(HONEST["org_number"]), visits("R", 10, 60) + others(), False,
                 id="same_staff_id_is_a_relative_at_another_supplier"),
    pytest.param(son_of_astrid(), visits("R", 10, 30) + visits("R2", 10, 30, client_id=BERTIL), False,
                 id="most_visits_by_a_relative_but_too_few_visits"),
    pytest.param([], visits("R", 10, 60) + others(), False, id="no_staff_list"),
    # Against one other visit, registered at half its plan, exact relative visits look "twice as long".
    pytest.param(son_of_astrid(), visits("R", 10, 30) + visits("O", 1, 15, staff_id="S1", client_id=BERTIL, hour=13),
                 False, id="a_single_other_visit_to_compare_with"),
    pytest.param(son_of_astrid(), visits("R", 10, 60) + others(7), False, id="seven_other_visits_to_compare_with"),
    pytest.param(son_of_astrid(), visits("R", 10, 60) + others(8), True, id="eight_other_visits_to_compare_with"),
    pytest.param(son_of_astrid(), unplanned(visits("R", 10, 60), 3) + others(), False,
                 id="seven_relative_visits_with_a_plan"),
    pytest.param(son_of_astrid(), visits("R", 10, 60) + unplanned(others(), 33), False,
                 id="seven_other_visits_with_a_plan"),
]


@pytest.mark.parametrize(("staff", "rows", "flagged"), CASES)
def test_it_flags_relative_visits_that_run_long_or_dominate(load_evidence, staff, rows, flagged):
    engine = load_evidence(staff=staff, visits=rows)
    assert len(detect(engine, shipped_rule("relative_caregiver"))) == int(flagged)


def test_it_names_the_relative_visits_and_staff_and_words_the_finding(load_evidence):
    engine = load_evidence(staff=son_of_astrid(), visits=visits("R", 10, 60) + others())
    (draft,) = detect(engine, shipped_rule("relative_caregiver"))
    assert draft.evidence == {"visit_ids": [f"R{i:03d}" for i in range(10)], "staff_ids": [RELATIVE]}
    assert draft.detail["args"] == {"visits": 10, "total": 50, "share_pct": 20.0, "duration_ratio": 2.0}
    assert draft.strength == pytest.approx(2.0 / 1.3)
    assert render_detail(draft.detail, "sv") == (
        "10 besök där personalen är anhörig till brukaren (20 % av besöken); "
        "räknat mot planerad tid var de 2 gånger så långa som övriga besök"
    )
    assert "up to 20 % of visits" in render_summary([draft.detail, draft.detail], "en")


def test_it_words_a_finding_without_other_visits_by_the_share_alone(load_evidence):
    engine = load_evidence(staff=son_of_astrid(), visits=visits("R", 30, 60))
    (draft,) = detect(engine, shipped_rule("relative_caregiver"))
    assert render_detail(draft.detail, "sv") == "30 besök där personalen är anhörig till brukaren (100 % av besöken)"


def test_it_compares_durations_of_night_visits_across_midnight(load_evidence):
    # Planned 23:30-00:30; the son registers until 02:30 on the next day.
    rows = [visit_row(f"N{d}", f"2026-10-{d} 23:30", f"2026-10-{d + 1} 00:30", staff_id=RELATIVE,
                      registered_end=f"2026-10-{d + 1} 02:30") for d in range(12, 20)]
    engine = load_evidence(staff=son_of_astrid(), visits=rows + others())
    (draft,) = detect(engine, shipped_rule("relative_caregiver"))
    assert draft.detail["args"]["duration_ratio"] == 3.0


def test_it_measures_a_visit_in_the_hour_that_happens_twice_by_real_time(load_evidence):
    # Planned 01:30-02:30 summer time (one hour); registered until 02:30 winter time: two hours.
    dst = visit_row("N1", "2026-10-25 01:30", "2026-10-25 02:30", staff_id=RELATIVE,
                    registered_end="2026-10-25T02:30:00+01:00")
    engine = load_evidence(staff=son_of_astrid(), visits=[dst, *others()])
    rule = shipped_rule("relative_caregiver")
    (draft,) = detect(engine, rule.model_copy(update={"params": {**rule.params, "min_relative_visits": 1}}))
    assert draft.detail["args"]["duration_ratio"] == 2.0


def test_it_lets_the_analyst_demand_a_larger_excess(load_evidence):
    engine = load_evidence(staff=son_of_astrid(), visits=visits("R", 10, 60) + others())
    rule = shipped_rule("relative_caregiver")
    stricter = rule.model_copy(update={"params": {**rule.params, "min_duration_excess": 2.5}})
    assert len(detect(engine, rule)) == 1
    assert detect(engine, stricter) == []


def test_it_words_the_share_alone_when_too_few_other_visits_to_compare_with(load_evidence):
    rows = visits("R", 30, 30) + visits("O", 2, 15, staff_id="S1", client_id=BERTIL, hour=13)
    (draft,) = detect(load_evidence(staff=son_of_astrid(), visits=rows), shipped_rule("relative_caregiver"))
    assert draft.detail == {"key": "relative_caregiver:share", "args": {"visits": 30, "total": 32, "share_pct": 93.8}}
