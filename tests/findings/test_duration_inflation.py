"""The duration_inflation detector: visits registered as much longer than planned, per supplier and week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest

from monitor.messages import render_detail
from tests.conftest import BERTIL, BERTIL_HOME, HONEST, visit_row
from tests.findings.conftest import detect, shipped_rule

KIND = "duration_inflation"
MONDAY = date(2026, 10, 5)


def fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def week(n: int = 40, prefix: str = "V", planned_minutes: int = 30, minutes: Callable[[int], float] = lambda i: 30,
         **extra: str) -> list[dict[str, str]]:
    """n visits in one week by Hemtjänst Beta's S1; visit i is registered `minutes(i)` long."""
    rows = []
    for i in range(n):
        start = datetime.combine(MONDAY + timedelta(days=i % 7), time(7)) + timedelta(minutes=40 * (i // 7))
        row = visit_row(f"{prefix}{i:03d}", fmt(start), fmt(start + timedelta(minutes=planned_minutes)), **extra)
        row["registered_end"] = fmt(start + timedelta(minutes=minutes(i)))
        rows.append(row)
    return rows


def unplanned(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**r, "planned_start": "", "planned_end": ""} for r in rows]


CASES = [
    pytest.param(week(minutes=lambda i: 40), [(40, 40, 1.33)], id="every_visit_a_third_longer"),
    pytest.param(week(minutes=lambda i: 27 + i % 3), [], id="honest_visits_a_little_shorter"),
    # Five visits of three hours would push a mean to 1.5 times the plan; the median stays at 0.9.
    pytest.param(week(minutes=lambda i: 180 if i % 8 == 0 else 27), [], id="a_few_very_long_visits"),
    pytest.param(week(planned_minutes=40, minutes=lambda i: 50), [], id="median_exactly_at_the_limit"),
    pytest.param(week(20, minutes=lambda i: 60), [], id="too_few_visits"),
    pytest.param(week(30, minutes=lambda i: 45) + unplanned(week(40, "U", minutes=lambda i: 25)), [(30, 30, 1.5)],
                 id="visits_without_a_plan_are_left_out"),
    pytest.param(week(planned_minutes=0, minutes=lambda i: 30), [], id="visits_planned_at_zero_minutes"),
    # 02:30 to 02:10 is 40 minutes that night (the end is in winter time): twice the 20 planned.
    pytest.param([visit_row(f"N{i:02d}", "2026-10-25 02:30", "2026-10-25 02:50", registered_end="2026-10-25 02:10")
                  for i in range(40)], [(40, 40, 2.0)], id="night_visits_across_the_autumn_clock_change"),
]


@pytest.mark.parametrize(("visits", "expected"), CASES)
def test_it_flags_a_supplier_whose_median_visit_runs_long_past_the_plan(load_evidence, visits, expected):
    drafts = detect(load_evidence(visits=visits), shipped_rule(KIND))
    assert [(d.detail["args"]["visits"], d.detail["args"]["total"], d.detail["args"]["median_ratio"])
            for d in drafts] == expected


def test_it_names_the_visits_over_the_limit_and_their_staff(load_evidence):
    visits = week(minutes=lambda i: 45 if i < 30 else 30)
    visits[0]["staff_id"] = "S2"
    (draft,) = detect(load_evidence(visits=visits), KIND)
    assert len(draft.evidence["visit_ids"]) == 30 and "V035" not in draft.evidence["visit_ids"]
    assert draft.evidence["staff_ids"] == ["S1", "S2"]
    assert draft.strength == pytest.approx(1.5 / 1.25)


def test_it_flags_only_the_supplier_that_inflates(load_evidence):
    honest = week(prefix="H", minutes=lambda i: 28, supplier_org_number=HONEST["org_number"], client_id=BERTIL,
                  address=BERTIL_HOME, staff_id="A7")
    drafts = detect(load_evidence(visits=honest + week(minutes=lambda i: 45)), KIND)
    assert [d.evidence["staff_ids"] for d in drafts] == [["S1"]]


def test_it_follows_a_stricter_limit(load_evidence):
    engine = load_evidence(visits=week(minutes=lambda i: 36))
    assert detect(engine, KIND) == []
    assert len(detect(engine, KIND, max_median_ratio=1.1)) == 1


def test_it_words_the_finding_in_swedish(load_evidence):
    (draft,) = detect(load_evidence(visits=week(minutes=lambda i: 45 if i < 30 else 30)), shipped_rule(KIND))
    assert render_detail(draft.detail) == (
        "Registrerad tid är i median 150 % av den planerade över 40 besök (gräns 125 %); "
        "30 besök (75 %) över gränsen, sammanlagt 450 min mer än planerat")
