"""The single_client_concentration detector: suppliers where many carers spend nearly all their
registered time with one client ("objektsanställning")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from monitor.findings.detectors import DETECTORS
from monitor.messages import render_detail
from tests.conftest import visit_row
from tests.findings.conftest import detect, make_rule, shipped_rule

OCTOBER = date(2026, 10, 1)


def carer(staff_id: str, clients: list[str], hours: float = 24, first: date = OCTOBER) -> list[dict[str, str]]:
    """A month of 2-hour visits by `staff_id`, taking the clients in turn, `hours` in all."""
    rows = []
    for i in range(int(hours // 2)):
        day = first + timedelta(days=i % 28)
        hour = 8 + 2 * (i // 28)
        rows.append(visit_row(f"{staff_id}-{i:02d}", f"{day} {hour:02d}:00", f"{day} {hour + 2:02d}:00",
                              staff_id=staff_id, client_id=clients[i % len(clients)]))
    return rows


def ordinary(staff_id: str, hours: float = 24) -> list[dict[str, str]]:
    """A carer seeing six clients, as in most home care."""
    return carer(staff_id, [f"{staff_id}-K{k}" for k in range(6)], hours)


def staff(*rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [row for block in rows for row in block]


CASES = [
    pytest.param(staff(carer("S1", ["K1"]), ordinary("S2"), ordinary("S3"), ordinary("S4")), True,
                 id="one_of_four_carers_works_for_one_client"),
    pytest.param(staff(carer("S1", ["K1"] * 4 + ["K2"], hours=20), ordinary("S2"), ordinary("S3"), ordinary("S4")),
                 True, id="carer_at_80_percent_of_20_hours_with_one_client"),
    pytest.param(staff(carer("S1", ["K1"] * 3 + ["K2"]), ordinary("S2"), ordinary("S3"), ordinary("S4")), False,
                 id="carer_at_75_percent_with_one_client"),
    pytest.param(staff(*(ordinary(f"S{i}") for i in range(1, 9))), False, id="normal_supplier_six_clients_each"),
    pytest.param(staff(carer("S1", ["K1"]), carer("S2", ["K2"]), carer("S3", ["K3"])), False,
                 id="small_supplier_with_three_staff"),
    pytest.param(staff(carer("S1", ["K1"]), *(ordinary(f"S{i}") for i in range(2, 7))), False,
                 id="honest_relative_one_of_six_staff"),
    pytest.param(staff(carer("S1", ["K1"], hours=16), carer("S9", ["K1"], hours=16),
                       *(ordinary(f"S{i}") for i in range(2, 6))), False,
                 id="two_regulars_of_a_one_client_evening_round"),
]


@pytest.mark.parametrize(("rows", "flagged"), CASES)
def test_it_flags_a_supplier_whose_carers_work_for_one_client(load_evidence, rows, flagged):
    engine = load_evidence(visits=rows)
    assert len(detect(engine, shipped_rule("single_client_concentration"))) == int(flagged)


def test_it_names_the_concentrated_carers_and_their_visits_and_words_the_finding(load_evidence):
    rows = staff(carer("S1", ["K1"]), carer("S5", ["K5"] * 5 + ["K6"]), ordinary("S2"), ordinary("S3"))
    (draft,) = detect(load_evidence(visits=rows), shipped_rule("single_client_concentration"))
    assert draft.evidence["staff_ids"] == ["S1", "S5"]
    assert draft.evidence["visit_ids"] == sorted(
        [r["visit_id"] for r in rows if r["staff_id"] == "S1"]
        + [r["visit_id"] for r in rows if r["staff_id"] == "S5" and r["client_id"] == "K5"]
    )
    assert draft.strength == pytest.approx(0.5 / 0.25)
    assert render_detail(draft.detail, "sv") == (
        "2 av 4 anställda (50 %) hade minst 80 % av sin registrerade tid hos en och samma brukare"
    )


def test_it_counts_registered_hours_across_midnight_and_the_autumn_clock_change(load_evidence):
    # Five night visits 01:00-03:00 with K1 from 21 to 25 October: 2 hours each, but 3 on the night
    # 02:00-03:00 happens twice; and one 23:00-01:00 with K2. 13 hours in all (12 by the wall clock).
    nights = [visit_row(f"N{d}", f"2026-10-{d} 01:00", f"2026-10-{d} 03:00", staff_id="S1", client_id="K1")
              for d in range(21, 26)]
    midnight = [visit_row("M1", "2026-10-01 23:00", "2026-10-02 01:00", staff_id="S1", client_id="K2")]
    rows = staff(nights, ordinary("S2"), ordinary("S3"), ordinary("S4"), ordinary("S5"))
    engine = load_evidence(visits=rows + midnight)
    (draft,) = detect(engine, make_rule("single_client_concentration", min_staff_hours=12.5, max_staff_share=0.2))
    assert draft.evidence["staff_ids"] == ["S1"]  # 11 of 13 hours with K1: 85 %
    assert detect(engine, make_rule("single_client_concentration", min_staff_hours=13.5, max_staff_share=0.2)) == []


def test_it_judges_each_month_on_its_own(load_evidence):
    november = carer("S1", ["K1"], first=date(2026, 11, 1))
    rows = staff(november, ordinary("S2"), ordinary("S3"), ordinary("S4"))
    assert detect(load_evidence(visits=rows), shipped_rule("single_client_concentration")) == []


def test_it_counts_only_staff_with_registered_time():
    # At 0 hours, carers whose only visits last no time would each be "with one client".
    params = DETECTORS["single_client_concentration"].Params
    with pytest.raises(ValidationError, match="greater than 0"):
        params.model_validate({"min_staff_hours": 0.0})
    assert params.model_validate({"min_staff_hours": 0.5}).min_staff_hours == 0.5
