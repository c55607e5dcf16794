"""The evidence frames: what every detector reads, loaded once per scoring run."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import Engine

from monitor.findings import evidence as evidence_module
from monitor.findings.evidence import Evidence
from tests.conftest import ASTRID, BERTIL, BERTIL_HOME, HONEST, SUSPECT, visit_row

VISIT_COLUMNS = [
    "id", "visit_id", "supplier_id", "staff_id", "client_ref", "address_key", "latitude", "longitude",
    "planned_start", "planned_end", "registered_start", "registered_end", "recorded_at",
    "registration_method", "service_type", "device_id", "decided_minutes", "staff_key", "client_key",
    "address_code", "registered_minutes", "planned_minutes",
]


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def load_visits(engine: Engine, **window: datetime):
    with engine.connect() as conn:
        evidence = Evidence(conn, **window)
        return evidence.visits, evidence.suppliers.set_index("org_number")["id"]


def at_bertil(visit_id: str, start: str, end: str, **extra: str) -> dict[str, str]:
    """A visit by Omsorg Alfa's carer S1 (another person than Beta's S1) at Bertil's home."""
    row = visit_row(visit_id, start, end, supplier_org_number=HONEST["org_number"], client_id=BERTIL,
                    address=BERTIL_HOME, latitude="59.2400", longitude="17.9900")
    row.update(extra)
    return row


def test_it_gives_every_column_in_the_documented_order_and_types(load_evidence):
    visits, _ = load_visits(load_evidence(visits=[visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")]))
    assert list(visits.columns) == VISIT_COLUMNS
    instants = ["planned_start", "planned_end", "registered_start", "registered_end", "recorded_at"]
    assert all(visits[c].dtype == np.float64 for c in [*instants, "latitude", "longitude", "decided_minutes"])
    assert all(visits[c].dtype == np.int64 for c in ["id", "supplier_id", "staff_key", "client_key", "address_code"])
    assert all(visits[c].dtype == "str" for c in ["visit_id", "staff_id", "client_ref", "address_key", "device_id"])
    assert all(visits[c].dtype == "category" for c in ["registration_method", "service_type"])


def test_it_reads_a_visits_values_as_numbers_and_text(load_evidence):
    row = visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30", registered_start="2026-10-06 08:05",
                    registration_method="manual", service_type="Hemtjänst", device_id="D7",
                    recorded_at="2026-10-06 09:00", decided_minutes="25")
    visits, suppliers = load_visits(load_evidence(visits=[row]))
    (visit,) = visits.to_dict("records")
    assert visit["visit_id"] == "V1" and visit["staff_id"] == "S1" and visit["device_id"] == "D7"
    assert visit["supplier_id"] == suppliers[SUSPECT["org_number"]]
    assert visit["client_ref"] != ASTRID and len(visit["client_ref"]) > 20  # a pseudonym, never the personnummer
    assert (visit["latitude"], visit["longitude"]) == (59.2301, 17.9802)
    assert visit["registered_start"] == utc("2026-10-06 06:05")  # 08:05 summer time
    assert visit["recorded_at"] == utc("2026-10-06 07:00")
    assert (visit["registered_minutes"], visit["planned_minutes"], visit["decided_minutes"]) == (25.0, 30.0, 25.0)
    assert (visit["registration_method"], visit["service_type"]) == ("manual", "Hemtjänst")


def test_it_gives_nan_for_empty_coordinates_planned_times_and_optional_columns(load_evidence):
    row = visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30", latitude="", longitude="",
                    planned_start="", planned_end="")
    visits, _ = load_visits(load_evidence(visits=[row]))
    (visit,) = visits.to_dict("records")
    for column in ("latitude", "longitude", "planned_start", "planned_end", "planned_minutes", "recorded_at",
                   "decided_minutes", "device_id"):
        assert isinstance(visit[column], float) and math.isnan(visit[column]), column
    assert visit["registered_minutes"] == 30.0


def test_it_counts_epoch_seconds_exactly_through_the_night_the_clocks_go_back(load_evidence):
    # 02:50 summer time to 02:10 winter time: the hour that happens twice, 20 minutes of care.
    row = visit_row("V1", "2026-10-25T02:50:00+02:00", "2026-10-25T02:10:00+01:00")
    visits, _ = load_visits(load_evidence(visits=[row]))
    assert visits["registered_start"].iloc[0] == utc("2026-10-25 00:50") == 1_792_889_400
    assert visits["registered_end"].iloc[0] == utc("2026-10-25 01:10")
    assert visits["registered_minutes"].iloc[0] == 20.0


def test_it_orders_visits_by_staff_then_start_then_end_then_visit_id(load_evidence):
    rows = [
        visit_row("V3", "2026-10-06 10:00", "2026-10-06 10:30"),
        at_bertil("V9", "2026-10-06 07:00", "2026-10-06 07:30"),
        visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
        visit_row("V2", "2026-10-06 08:00", "2026-10-06 08:20"),  # same start as V1, ends first
        visit_row("V5", "2026-10-06 09:00", "2026-10-06 09:15"),
        visit_row("V4", "2026-10-06 09:00", "2026-10-06 09:15"),  # same start and end as V5: the id decides
    ]
    visits, suppliers = load_visits(load_evidence(visits=rows))
    staff_keys = visits["staff_key"].tolist()
    assert staff_keys == sorted(staff_keys)
    beta = visits[visits["supplier_id"] == suppliers[SUSPECT["org_number"]]]
    assert beta["visit_id"].tolist() == ["V2", "V1", "V4", "V5", "V3"]


def test_it_keeps_one_staff_id_at_two_suppliers_apart_and_one_client_together(load_evidence):
    rows = [
        visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
        at_bertil("V2", "2026-10-06 08:00", "2026-10-06 08:30"),
        visit_row("V3", "2026-10-07 08:00", "2026-10-07 08:30"),
    ]
    visits, _ = load_visits(load_evidence(visits=rows))
    by_id = visits.set_index("visit_id")
    assert by_id.loc["V1", "staff_key"] != by_id.loc["V2", "staff_key"]
    assert by_id.loc["V1", "staff_key"] == by_id.loc["V3", "staff_key"]
    assert by_id.loc["V1", "client_key"] == by_id.loc["V3", "client_key"] != by_id.loc["V2", "client_key"]
    assert by_id.loc["V1", "address_code"] == by_id.loc["V3", "address_code"] != by_id.loc["V2", "address_code"]


def test_it_reads_the_same_frame_in_small_fetches_as_in_one(load_evidence, monkeypatch):
    rows = [visit_row(f"V{i}", f"2026-10-{6 + i % 3:02d} {8 + i:02d}:00", f"2026-10-{6 + i % 3:02d} {8 + i:02d}:30",
                      staff_id=f"S{i % 2}", device_id="" if i % 4 else f"D{i % 3}") for i in range(8)]
    rows += [at_bertil("V20", "2026-10-06 08:00", "2026-10-06 08:30")]
    engine = load_evidence(visits=rows)
    whole, _ = load_visits(engine)
    monkeypatch.setattr(evidence_module, "_FETCH_ROWS", 2)
    chunked, _ = load_visits(engine)
    assert chunked.equals(whole)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        pytest.param({}, ["V1", "V2", "V3"], id="no_window"),
        pytest.param({"since": datetime(2026, 10, 6, 22, tzinfo=UTC)}, ["V2", "V3"], id="since_is_inclusive"),
        pytest.param({"until": datetime(2026, 10, 6, 22, tzinfo=UTC)}, ["V1"], id="until_is_exclusive"),
        pytest.param({"since": datetime(2026, 10, 6, 22, tzinfo=UTC), "until": datetime(2026, 10, 8, tzinfo=UTC)},
                     ["V2"], id="both"),
    ],
)
def test_it_loads_only_visits_starting_inside_the_window(load_evidence, window, expected):
    rows = [
        visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
        visit_row("V2", "2026-10-07 00:00", "2026-10-07 00:30"),  # 22:00 UTC on the 6th
        visit_row("V3", "2026-10-08 08:00", "2026-10-08 08:30"),
    ]
    visits, _ = load_visits(load_evidence(visits=rows), **window)
    assert visits["visit_id"].tolist() == expected


@pytest.mark.parametrize(
    ("suppliers", "service_types", "expected"),
    [
        pytest.param(None, None, ["V1", "V2", "V3"], id="everything"),
        pytest.param([SUSPECT], None, ["V1", "V2"], id="one_supplier"),
        pytest.param(None, ["HEMTJÄNST"], ["V1", "V3"], id="service_type_in_other_case"),
        pytest.param([SUSPECT], ["dubbelbemanning", "ledsagning"], ["V2"], id="supplier_and_service_type"),
        pytest.param([HONEST], ["Dubbelbemanning"], [], id="nothing_in_scope"),
    ],
)
def test_it_narrows_visits_to_a_rules_scope(load_evidence, suppliers, service_types, expected):
    rows = [
        visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30", service_type="hemtjänst"),
        visit_row("V2", "2026-10-06 09:00", "2026-10-06 09:30", service_type="Dubbelbemanning"),
        at_bertil("V3", "2026-10-06 08:00", "2026-10-06 08:30", service_type="Hemtjänst"),
    ]
    engine = load_evidence(visits=rows)
    with engine.connect() as conn:
        evidence = Evidence(conn)
        ids = evidence.suppliers.set_index("org_number")["id"]
        supplier_ids = frozenset(int(ids[s["org_number"]]) for s in suppliers) if suppliers else None
        scoped = evidence.scoped_visits(supplier_ids, frozenset(service_types) if service_types else None)
    assert sorted(scoped["visit_id"]) == expected
    assert scoped.index.tolist() == list(range(len(scoped)))
