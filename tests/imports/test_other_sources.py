"""Suppliers, staff, door observations and client events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select

from monitor.imports import SPECS, import_csv
from monitor.models import ClientEvent, DoorObservation, Staff, Supplier
from tests.conftest import ASTRID, ASTRID_HOME, BERTIL, SUSPECT, supplier_row


def _rows(engine: Engine, model: type) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(model.__table__)))


def test_it_normalises_org_numbers_and_splits_aliases(engine, write_csv, pseudonymise):
    row = supplier_row("5599233219", "Hemtjänst Beta AB", aliases="Beta Omsorg; Beta Hemtjänst")
    import_csv(engine, SPECS["suppliers"], write_csv("s.csv", [row]), pseudonymise=pseudonymise)
    (supplier,) = _rows(engine, Supplier)
    assert supplier.org_number == "559923-3219"
    assert supplier.aliases == ["Beta Omsorg", "Beta Hemtjänst"]


SUPPLIER_ERRORS = [
    ("bad_check_digit", {"org_number": "559923-3218"}, "org_number"),
    ("unknown_contract_form", {"contract_form": "avtal"}, "contract_form"),
    ("contract_ends_before_start", {"contract_end": "2023-12-31"}, "contract_end"),
    ("bad_date", {"contract_start": "1/1/2024"}, "contract_start"),
]


@pytest.mark.parametrize(("change", "column"), [e[1:] for e in SUPPLIER_ERRORS], ids=[e[0] for e in SUPPLIER_ERRORS])
def test_it_rejects_bad_supplier_rows(engine, write_csv, pseudonymise, change, column):
    row = {**supplier_row(SUSPECT["org_number"], SUSPECT["name"]), **change}
    result = import_csv(engine, SPECS["suppliers"], write_csv("s.csv", [row]), pseudonymise=pseudonymise)
    assert [c for c, _ in result.rejected[0].errors] == [column]


def test_staff_relatives_are_stored_as_pseudonyms(with_suppliers, write_csv, pseudonymise):
    rows = [{"staff_id": "S1", "supplier_org_number": SUSPECT["org_number"],
             "relative_of_client_ids": f"{ASTRID};{BERTIL}"}]
    import_csv(with_suppliers, SPECS["staff"], write_csv("st.csv", rows), pseudonymise=pseudonymise)
    (staff,) = _rows(with_suppliers, Staff)
    assert staff.relative_of_client_refs == sorted([pseudonymise(ASTRID), pseudonymise(BERTIL)])


def test_staff_of_an_unknown_supplier_are_rejected(with_suppliers, write_csv, pseudonymise):
    rows = [{"staff_id": "S1", "supplier_org_number": "556036-0793", "relative_of_client_ids": ""}]
    result = import_csv(with_suppliers, SPECS["staff"], write_csv("st.csv", rows), pseudonymise=pseudonymise)
    assert "unknown supplier" in result.rejected[0].describe()


def _observation(**change: str) -> dict[str, str]:
    row = {"observation_id": "O1", "address": ASTRID_HOME, "latitude": "", "longitude": "",
           "observed_from": "2026-10-06 07:30", "observed_to": "2026-10-06 09:00", "staff_seen": "nej",
           "observer": "Team Syd", "note": "Ingen kom"}
    return {**row, **change}


@pytest.mark.parametrize(("written", "seen"), [("nej", False), ("Ja", True), ("no", False), ("true", True)])
def test_it_reads_staff_seen_in_swedish_or_english(engine, write_csv, pseudonymise, written, seen):
    path = write_csv("o.csv", [_observation(staff_seen=written)])
    import_csv(engine, SPECS["observations"], path, pseudonymise=pseudonymise)
    assert _rows(engine, DoorObservation)[0].staff_seen is seen


def test_an_observation_ending_before_it_starts_is_rejected(engine, write_csv, pseudonymise):
    path = write_csv("o.csv", [_observation(observed_to="2026-10-06 07:00")])
    result = import_csv(engine, SPECS["observations"], path, pseudonymise=pseudonymise)
    assert result.rejected[0].errors[0][0] == "observed_to"


def test_client_events_take_whole_days_with_an_inclusive_end(engine, write_csv, pseudonymise):
    rows = [{"client_id": ASTRID, "event": "hospitalized", "start": "2026-10-05", "end": "2026-10-07"}]
    import_csv(engine, SPECS["client-events"], write_csv("c.csv", rows), pseudonymise=pseudonymise)
    (event,) = _rows(engine, ClientEvent)
    assert event.client_ref == pseudonymise(ASTRID)
    assert event.start == datetime(2026, 10, 4, 22, 0, tzinfo=UTC)  # local midnight, CEST
    assert event.end == datetime(2026, 10, 7, 22, 0, tzinfo=UTC)  # end of the 7th


def test_a_death_may_have_no_end(engine, write_csv, pseudonymise):
    rows = [{"client_id": BERTIL, "event": "deceased", "start": "2026-10-10 14:00", "end": ""}]
    import_csv(engine, SPECS["client-events"], write_csv("c.csv", rows), pseudonymise=pseudonymise)
    assert _rows(engine, ClientEvent)[0].end is None


def test_an_unknown_event_is_rejected_with_the_valid_ones(engine, write_csv, pseudonymise):
    rows = [{"client_id": BERTIL, "event": "vacation", "start": "2026-10-10", "end": ""}]
    result = import_csv(engine, SPECS["client-events"], write_csv("c.csv", rows), pseudonymise=pseudonymise)
    assert "hospitalized, deceased, moved_out" in result.rejected[0].describe()


OPEN_ENDS = ["", "9999-12-31", "9999-12-31 23:59", "9999-12-31T23:59:59", "99991231"]


@pytest.mark.parametrize("end", OPEN_ENDS, ids=["empty", "date", "minute", "second", "compact"])
def test_it_reads_an_event_until_further_notice_as_open_ended(engine, write_csv, pseudonymise, end):
    rows = [{"client_id": BERTIL, "event": "moved_out", "start": "2026-10-10", "end": end}]
    result = import_csv(engine, SPECS["client-events"], write_csv("c.csv", rows), pseudonymise=pseudonymise)
    assert (result.rows_accepted, result.batch_id is not None) == (1, True)
    assert _rows(engine, ClientEvent)[0].end is None


def test_it_reads_a_contract_until_further_notice_as_open_ended(engine, write_csv, pseudonymise):
    row = supplier_row(SUSPECT["org_number"], SUSPECT["name"], contract_end="9999-12-31")
    import_csv(engine, SPECS["suppliers"], write_csv("s.csv", [row]), pseudonymise=pseudonymise)
    assert _rows(engine, Supplier)[0].contract_end is None


def test_it_rejects_a_date_no_clock_can_hold_instead_of_crashing(engine, write_csv, pseudonymise):
    rows = [{"client_id": BERTIL, "event": "hospitalized", "start": "0001-01-01", "end": ""},
            {"client_id": ASTRID, "event": "hospitalized", "start": "2026-10-05", "end": ""}]
    result = import_csv(engine, SPECS["client-events"], write_csv("c.csv", rows), pseudonymise=pseudonymise)
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert result.rejected[0].line == 2 and result.rejected[0].errors[0][0] == "start"


COMPACT = [
    ("hyphenated", "2026-10-05", "2026-10-07", (2026, 10, 4, 22, 0), (2026, 10, 7, 22, 0)),
    ("compact", "20261005", "20261007", (2026, 10, 4, 22, 0), (2026, 10, 7, 22, 0)),
    ("compact_with_time", "20261005T0800", "20261007 16:30", (2026, 10, 5, 6, 0), (2026, 10, 7, 14, 30)),
]


@pytest.mark.parametrize(("start", "end", "stored_start", "stored_end"), [c[1:] for c in COMPACT],
                         ids=[c[0] for c in COMPACT])
def test_it_reads_compact_dates_as_whole_days_like_hyphenated_ones(engine, write_csv, pseudonymise, start, end,
                                                             stored_start, stored_end):
    rows = [{"client_id": ASTRID, "event": "hospitalized", "start": start, "end": end}]
    import_csv(engine, SPECS["client-events"], write_csv("c.csv", rows), pseudonymise=pseudonymise)
    (event,) = _rows(engine, ClientEvent)
    assert (event.start, event.end) == (datetime(*stored_start, tzinfo=UTC), datetime(*stored_end, tzinfo=UTC))


def test_it_reads_compact_contract_dates(engine, write_csv, pseudonymise):
    row = supplier_row(SUSPECT["org_number"], SUSPECT["name"], contract_start="20240101", contract_end="20271231")
    import_csv(engine, SPECS["suppliers"], write_csv("s.csv", [row]), pseudonymise=pseudonymise)
    supplier = _rows(engine, Supplier)[0]
    assert (supplier.contract_start, supplier.contract_end) == (date(2024, 1, 1), date(2027, 12, 31))
