"""The shared_device detector: one device registering visits for several staff ids within a short time."""

from __future__ import annotations

import pytest

from monitor.messages import render_detail
from tests.conftest import BERTIL, BERTIL_HOME, HONEST, visit_row
from tests.findings.conftest import detect, shipped_rule

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
    assert draft.strength == 4
    assert render_detail(draft.detail) == ("2 enheter registrerade besök åt olika personal med högst 60 min "
                                           "emellan (5 personal, 6 besök)")
