from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from monitor.config import PROJECT_DIR
from monitor.imports import SPECS, CsvImportError, import_csv, load_mapping
from monitor.models import ImportBatch, Visit
from tests.conftest import ASTRID, DATA, visit_row

VISITS = SPECS["visits"]


def _visits(engine: Engine) -> list[Visit]:
    with engine.connect() as conn:
        return list(conn.execute(select(Visit.__table__).order_by(Visit.visit_id)))


def _dump(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("select * from visits order by visit_id"))]


def test_it_imports_a_swedish_excel_export_with_a_mapping(with_suppliers, pseudonymise, tmp_path):
    suppliers = import_csv(
        with_suppliers, SPECS["suppliers"], DATA / "leverantorer.csv", pseudonymise=pseudonymise,
        mapping=load_mapping(PROJECT_DIR / "mappings/leverantorsregister.yaml", SPECS["suppliers"].all_columns),
    )
    assert (suppliers.rows_read, suppliers.rows_rejected) == (17, 0)
    result = import_csv(
        with_suppliers, VISITS, DATA / "besok-export.csv", pseudonymise=pseudonymise,
        mapping=load_mapping(PROJECT_DIR / "mappings/tidsregistrering.yaml", VISITS.all_columns),
    )
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (40, 40, 0)
    first = next(v for v in _visits(with_suppliers) if v.visit_id == "V00001671")
    # 2026-10-06 13:09 Swedish summer time is 11:09 UTC; decimal commas read as decimals.
    assert first.registered_start == datetime(2026, 10, 6, 11, 9, tzinfo=UTC)
    assert first.latitude == pytest.approx(59.276943)
    assert first.registration_method == "nfc"


def test_it_stores_local_times_as_utc_across_the_autumn_clock_change(with_suppliers, write_csv, pseudonymise):
    # Night of 2026-10-25: 02:00-03:00 happens twice. A visit 02:50 -> 02:10 lasted 20 minutes.
    path = write_csv("v.csv", [visit_row("V1", "2026-10-25 02:50", "2026-10-25 02:10"),
                               visit_row("V2", "2026-10-25 01:40", "2026-10-25 02:20")])
    import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    v1, v2 = _visits(with_suppliers)
    assert v1.registered_end - v1.registered_start == timedelta(minutes=20)
    assert v2.registered_end - v2.registered_start == timedelta(minutes=40)
    assert v2.registered_end < v1.registered_start  # no false overlap between the two


def test_it_honours_an_explicit_offset(with_suppliers, write_csv, pseudonymise):
    path = write_csv("v.csv", [visit_row("V1", "2026-10-06T08:00:00+00:00", "2026-10-06T08:30:00Z")])
    import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    assert _visits(with_suppliers)[0].registered_start == datetime(2026, 10, 6, 8, 0, tzinfo=UTC)


def test_reimporting_the_same_file_changes_nothing(with_suppliers, write_csv, pseudonymise):
    path = write_csv("v.csv", [visit_row(f"V{i}", "2026-10-06 08:00", "2026-10-06 08:30") for i in range(5)])
    first = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    before = _dump(with_suppliers)
    again = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    assert (first.rows_changed, again.rows_changed) == (5, 0)
    assert _dump(with_suppliers) == before


def test_a_corrected_row_updates_the_stored_visit(with_suppliers, write_csv, pseudonymise):
    import_csv(with_suppliers, VISITS, write_csv("a.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")]),
               pseudonymise=pseudonymise)
    fixed = write_csv("b.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:45")])
    assert import_csv(with_suppliers, VISITS, fixed, pseudonymise=pseudonymise).rows_changed == 1
    (visit,) = _visits(with_suppliers)
    assert visit.registered_end == datetime(2026, 10, 6, 6, 45, tzinfo=UTC)


BAD_ROWS = [
    ("end_before_start", {"registered_end": "2026-10-06 07:00"}, "registered_end", "end before start"),
    ("unknown_supplier", {"supplier_org_number": "556036-0793"}, "supplier_org_number", "unknown supplier"),
    ("invalid_org_number", {"supplier_org_number": "556677-8898"}, "supplier_org_number", "invalid organisation"),
    ("swapped_coordinates", {"latitude": "17.98", "longitude": "59.23"}, "latitude", "look swapped"),
    ("outside_sweden", {"latitude": "48.85", "longitude": "2.35"}, "latitude", "outside Sweden"),
    ("half_coordinates", {"longitude": ""}, "longitude", "missing"),
    ("bad_timestamp", {"registered_start": "06/10/2026 08:00"}, "registered_start", "ISO 8601"),
    ("unknown_method", {"registration_method": "telepathy"}, "registration_method", "expected one of"),
    ("missing_client", {"client_id": " "}, "client_id", "missing value"),
]


@pytest.mark.parametrize(("change", "column", "reason"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS])
def test_it_rejects_a_bad_row_naming_line_column_and_reason(
    with_suppliers, write_csv, pseudonymise, change, column, reason
):
    good = visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")
    bad = visit_row("V2", "2026-10-06 08:00", "2026-10-06 08:30", **change)
    path = write_csv("v.csv", [good, bad])
    result = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    (rejected,) = result.rejected
    assert rejected.line == 3
    assert any(col == column and reason in why for col, why in rejected.errors), rejected.errors
    assert [v.visit_id for v in _visits(with_suppliers)] == ["V1"]


def test_it_reports_every_error_of_a_row_and_writes_them_beside_the_file(with_suppliers, write_csv, pseudonymise):
    bad = visit_row("", "2026-10-06 08:00", "2026-10-06 08:30", staff_id="", registered_end="2026-10-06 07:00")
    path = write_csv("v.csv", [bad, visit_row("V2", "2026-10-06 08:00", "2026-10-06 08:30")])
    result = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    assert {c for c, _ in result.rejected[0].errors} == {"visit_id", "staff_id", "registered_end"}
    rejected_file = Path(f"{path}.rejected.csv")
    assert result.rejected_file == rejected_file
    lines = rejected_file.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("line,column,reason,visit_id")
    assert lines[1].startswith("2,")


def test_it_never_echoes_a_client_id_in_an_error(with_suppliers, write_csv, pseudonymise):
    bad = visit_row("V1", "2026-10-06 08:00", "2026-10-06 07:00")
    result = import_csv(with_suppliers, VISITS, write_csv("v.csv", [bad]), pseudonymise=pseudonymise)
    assert ASTRID not in result.rejected[0].describe()


def test_strict_mode_applies_nothing_if_any_row_is_bad(with_suppliers, write_csv, pseudonymise):
    rows = [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
            visit_row("V2", "2026-10-06 08:00", "2026-10-06 07:30")]
    result = import_csv(with_suppliers, VISITS, write_csv("v.csv", rows), pseudonymise=pseudonymise, strict=True)
    assert not result.applied
    assert result.rows_rejected == 1
    assert _visits(with_suppliers) == []


def test_a_stale_rejected_file_is_removed_when_the_fixed_file_imports_cleanly(with_suppliers, write_csv, pseudonymise):
    path = write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 07:00")])
    assert import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise).rejected_file
    path = write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 09:00")])
    assert import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise).rejected_file is None
    assert not Path(f"{path}.rejected.csv").exists()


def test_a_missing_required_column_stops_the_import_with_the_columns_named(with_suppliers, write_csv, pseudonymise):
    row = visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")
    del row["staff_id"]
    with pytest.raises(CsvImportError, match=r"v\.csv:1: missing required column\(s\): staff_id"):
        import_csv(with_suppliers, VISITS, write_csv("v.csv", [row]), pseudonymise=pseudonymise)
    assert _visits(with_suppliers) == []


def test_a_file_that_is_not_utf8_names_the_first_bad_line(with_suppliers, write_csv, pseudonymise, tmp_path):
    good = write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(good.read_bytes() + "V2,559923-3219,S1,x,Gärdet 1,,,,,2026-10-06 08:00,2026-10-06 08:30,nfc,h\n"
                       .encode("latin-1"))
    with pytest.raises(CsvImportError, match=r"latin1\.csv:3: the file is not UTF-8"):
        import_csv(with_suppliers, VISITS, latin1, pseudonymise=pseudonymise)
    assert _visits(with_suppliers) == []  # nothing from the good first row either


def test_it_reads_semicolons_bom_and_decimal_commas(with_suppliers, write_csv, pseudonymise):
    row = visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30", latitude="59,2301", longitude="17,9802")
    path = write_csv("v.csv", [row], delimiter=";", bom=True)
    assert import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise).rows_accepted == 1
    assert _visits(with_suppliers)[0].longitude == pytest.approx(17.9802)


def test_it_stores_a_pseudonym_never_the_client_id(with_suppliers, write_csv, pseudonymise):
    path = write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])
    import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    (visit,) = _visits(with_suppliers)
    assert visit.client_ref == pseudonymise(ASTRID)
    assert ASTRID not in str(tuple(visit)) and ASTRID.replace("-", "") not in str(tuple(visit))


NOT_FINITE = [
    ("nan", "decided_minutes", "nan"),
    ("inf", "decided_minutes", "inf"),
    ("minus_inf", "decided_minutes", "-inf"),
    ("infinity_spelt_out", "decided_minutes", "Infinity"),
    ("overflowing_exponent", "decided_minutes", "1e999"),
    ("nan_latitude", "latitude", "NaN"),
]


@pytest.mark.parametrize(("column", "written"), [n[1:] for n in NOT_FINITE], ids=[n[0] for n in NOT_FINITE])
def test_it_rejects_numbers_that_are_not_finite(with_suppliers, write_csv, pseudonymise, column, written):
    row = visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30", decided_minutes="30")
    path = write_csv("v.csv", [{**row, column: written}])
    result = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    assert result.rows_rejected == 1
    assert result.rejected[0].errors == [(column, f"not a finite number: {written!r}")]


def test_it_records_a_failed_batch_when_an_import_breaks_off(with_suppliers, write_csv, pseudonymise):
    def broken(row, ctx):
        raise RuntimeError("a bug")

    spec = dataclasses.replace(VISITS, parse_row=broken, parse_columns=None)
    path = write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])
    with pytest.raises(RuntimeError):
        import_csv(with_suppliers, spec, path, pseudonymise=pseudonymise)
    with with_suppliers.connect() as conn:
        batch = conn.execute(select(ImportBatch.__table__).where(ImportBatch.kind == "visits")).one()
    assert (batch.status, batch.message) == ("failed", "unexpected error (RuntimeError); nothing applied")


def test_an_export_without_the_decided_minutes_keeps_the_stored_ones(with_suppliers, write_csv, pseudonymise):
    row = visit_row("V1", "2026-10-05 08:00", "2026-10-05 08:30", decided_minutes="30", device_id="MOB-1")
    import_csv(with_suppliers, VISITS, write_csv("a.csv", [row]), pseudonymise=pseudonymise)
    narrower = {k: v for k, v in row.items() if k not in ("decided_minutes", "device_id")}
    again = import_csv(with_suppliers, VISITS, write_csv("b.csv", [narrower]), pseudonymise=pseudonymise)
    assert again.rows_changed == 0
    with with_suppliers.connect() as conn:
        assert conn.execute(text("select decided_minutes, device_id from visits")).one() == (30.0, "MOB-1")
    # The column there but empty: the decision is gone from the export, and from the store.
    import_csv(with_suppliers, VISITS, write_csv("c.csv", [{**row, "decided_minutes": ""}]), pseudonymise=pseudonymise)
    with with_suppliers.connect() as conn:
        assert conn.execute(text("select decided_minutes from visits")).scalar() is None
