"""Rows written by mistake or by someone hostile: each is a rejected row with its line and column,
told without personal data, the same on SQLite and PostgreSQL; the rest of the file is applied."""

from __future__ import annotations

import csv
import os
import stat

import pytest
from sqlalchemy import select

from monitor.config import PROJECT_DIR
from monitor.imports import SPECS, CsvImportError, import_csv, load_mapping
from monitor.models import Supplier, Visit
from tests.conftest import ASTRID, DATA, HONEST, SUSPECT, supplier_row, visit_row

START, END = "2026-10-06 08:00", "2026-10-06 08:30"
HYPERLINK = '=HYPERLINK("http://evil.example","Klicka")'


def _import(engine, pseudonymise, kind, path, **options):
    return import_csv(engine, SPECS[kind], path, pseudonymise=pseudonymise, **options)


def _raw(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _visits_text(*rows: str) -> str:
    header = ",".join(visit_row("V", START, END))
    good = ",".join(visit_row("V1", START, END).values())
    return "\n".join((header, good, *rows)) + "\n"


DUPLICATES = {
    "suppliers": [supplier_row(HONEST["org_number"], "Första AB"), supplier_row("5566778899", "Andra AB")],
    "staff": [{"staff_id": "S1", "supplier_org_number": SUSPECT["org_number"], "relative_of_client_ids": ""},
              {"staff_id": "S1", "supplier_org_number": "5599233219", "relative_of_client_ids": ASTRID}],
    "visits": [visit_row("V1", START, END), visit_row("V1", START, "2026-10-06 08:40")],
    "observations": [{"observation_id": "O1", "address": "Testgatan 1", "observed_from": START,
                      "observed_to": END, "staff_seen": seen} for seen in ("ja", "nej")],
    "client-events": [{"client_id": ASTRID, "event": "hospitalized", "start": start, "end": end}
                      for start, end in (("2026-10-01", "2026-10-03"), ("20261001", "2026-10-05"))],
}


@pytest.mark.parametrize("kind", DUPLICATES)
def test_it_applies_the_first_row_of_a_key_and_rejects_the_later_ones(with_suppliers, write_csv, pseudonymise,
                                                                       kind):
    result = _import(with_suppliers, pseudonymise, kind, write_csv("f.csv", DUPLICATES[kind]))
    assert (result.rows_accepted, result.rows_changed, result.rows_rejected) == (1, 1, 1)
    assert result.rejected[0].line == 3
    assert "duplicate of line 2" in result.rejected[0].describe()


def test_the_first_of_two_visits_with_one_id_is_the_one_stored(with_suppliers, write_csv, pseudonymise):
    _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", DUPLICATES["visits"]))
    with with_suppliers.connect() as conn:
        ends = conn.execute(select(Visit.registered_end)).scalars().all()  # type: ignore[call-overload]
    assert [e.minute for e in ends] == [30]


def test_strict_applies_nothing_when_a_key_comes_twice(with_suppliers, write_csv, pseudonymise):
    result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", DUPLICATES["visits"]), strict=True)
    assert not result.applied and result.rows_rejected == 1


CONTROL = [("address", "Test\x00gatan 1", "NUL, U+0000) at position 5"),
           ("staff_id", "S\x1b1", "escape, U+001B"),
           ("service_type", "hemtjänst\nnatt", "line feed, U+000A")]


@pytest.mark.parametrize(("column", "value", "reason"), CONTROL, ids=["nul", "escape", "line-feed"])
def test_a_control_character_rejects_the_row_and_names_line_and_column(with_suppliers, write_csv, pseudonymise,
                                                                       column, value, reason):
    rows = [visit_row("V1", START, END), visit_row("V2", START, END, **{column: value})]
    result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", rows))
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert result.rejected[0].line == 3
    assert result.rejected[0].describe().startswith(f"column {column}: contains a control character ({reason}")


def test_a_line_break_in_an_observation_note_is_kept(engine, write_csv, pseudonymise):
    row = {"observation_id": "O1", "address": "Testgatan 1", "observed_from": START, "observed_to": END,
           "staff_seen": "nej", "note": "Ingen kom.\r\nPorten låst."}
    assert _import(engine, pseudonymise, "observations", write_csv("o.csv", [row])).rows_accepted == 1


@pytest.mark.parametrize(("length", "reason"), [(301, "longer than 300 characters (301)"),
                                                (5000, "longer than 1,000 characters (5,000)")],
                         ids=["over-the-column", "absurd"])
def test_a_value_too_long_to_store_is_a_rejected_row(with_suppliers, write_csv, pseudonymise, length, reason):
    rows = [visit_row("V1", START, END), visit_row("V2", START, END, address="x" * length)]
    result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", rows))
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert result.rejected[0].describe() == f"column address: {reason}"


def test_a_field_over_the_csv_limit_stops_the_file_at_the_line_it_starts(with_suppliers, tmp_path, pseudonymise):
    unclosed = ',"' + "\n".join(["x" * 1000] * 200)  # a quote never closed swallows the rest of the file
    path = _raw(tmp_path, "v.csv", _visits_text("V2" + unclosed))
    with pytest.raises(CsvImportError, match=r"v\.csv:3: a field starting in this row is longer than"):
        _import(with_suppliers, pseudonymise, "visits", path)
    with with_suppliers.connect() as conn:
        assert conn.execute(select(Visit.id)).first() is None  # type: ignore[call-overload]


@pytest.mark.parametrize(("row", "reason"), [("V2,x,y", "too few fields (3 of 13)"),
                                             ("V2" + ",x" * 13, "too many fields (14 of 13)")],
                         ids=["short", "long"])
def test_a_row_with_the_wrong_number_of_fields_says_how_many(with_suppliers, tmp_path, pseudonymise, row, reason):
    result = _import(with_suppliers, pseudonymise, "visits", _raw(tmp_path, "v.csv", _visits_text(row)))
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert result.rejected[0].describe().startswith(reason)


def test_empty_fields_after_the_last_column_are_not_too_many(with_suppliers, tmp_path, pseudonymise):
    row = ",".join(visit_row("V2", START, END).values()) + ",,"
    result = _import(with_suppliers, pseudonymise, "visits", _raw(tmp_path, "v.csv", _visits_text(row)))
    assert (result.rows_accepted, result.rows_rejected) == (2, 0)


@pytest.mark.parametrize(("written", "shown"), [("19350218-2575", "19350218-****"), ("3502182575", "350218****"),
                                                ("350218+2575", "350218+****")],
                         ids=["twelve-digits", "ten-digits", "over-a-hundred"])
def test_a_personnummer_in_the_wrong_column_is_masked(with_suppliers, write_csv, pseudonymise, written, shown):
    rows = [visit_row("V1", START, END, registration_method=written)]
    result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", rows))
    described = result.rejected[0].describe()
    assert f"unknown value '{shown}'" in described and "2575" not in described


def test_a_client_id_is_never_repeated_even_from_another_column(with_suppliers, write_csv, pseudonymise):
    rows = [visit_row("V1", START, END, client_id="KLIENT-4711", registration_method="KLIENT-4711")]
    result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", rows))
    assert "unknown value '<client id>'" in result.rejected[0].describe()
    with result.rejected_file.open(encoding="utf-8-sig") as f:
        (rejected,) = list(csv.DictReader(f))
    assert "KLIENT-4711" not in rejected["reason"] and rejected["client_id"] == "KLIENT-4711"


def test_a_file_without_a_header_line_shows_no_personnummer(with_suppliers, tmp_path, pseudonymise):
    path = _raw(tmp_path, "v.csv", _visits_text().split("\n", 1)[1])
    with pytest.raises(CsvImportError) as caught:
        _import(with_suppliers, pseudonymise, "visits", path)
    assert "missing required column" in str(caught.value)
    assert "19300101-****" in str(caught.value) and ASTRID not in str(caught.value)


def test_an_org_number_is_not_taken_for_a_personnummer(with_suppliers, write_csv, pseudonymise):
    rows = [visit_row("V1", START, END, supplier_org_number="556677-8898")]
    result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", rows))
    assert "'556677-8898'" in result.rejected[0].describe()


def test_the_rejected_file_is_readable_only_by_its_owner_whatever_the_umask(with_suppliers, write_csv,
                                                                            pseudonymise):
    rows = [visit_row("V1", START, END, registration_method="brevduva")]
    old = os.umask(0)
    try:
        result = _import(with_suppliers, pseudonymise, "visits", write_csv("v.csv", rows))
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.rejected_file.stat().st_mode) == 0o600


def test_errors_name_the_files_own_column_beside_ours(with_suppliers, tmp_path, pseudonymise):
    header, good = (DATA / "besok-export.csv").read_text(encoding="utf-8-sig").splitlines()[:2]
    good = good.replace("559523-2793", SUSPECT["org_number"])
    bad = good.replace(";NFC;", ";Brevduva;").replace("V00001671", "V2")
    path = _raw(tmp_path, "besok.csv", "\n".join((header, good, bad)) + "\n")
    mapping = load_mapping(PROJECT_DIR / "mappings" / "tidsregistrering.yaml", SPECS["visits"].all_columns)
    result = _import(with_suppliers, pseudonymise, "visits", path, mapping=mapping)
    assert result.rejected[0].describe().startswith(
        "column Registreringssätt (registration_method): unknown value 'Brevduva'")


def test_a_formula_goes_to_the_rejected_file_as_text_and_comes_back_as_written(engine, write_csv, pseudonymise):
    rows = [supplier_row(HONEST["org_number"], HYPERLINK, contract_form="LOVV")]
    rejected = _import(engine, pseudonymise, "suppliers", write_csv("s.csv", rows)).rejected_file
    text = rejected.read_text(encoding="utf-8-sig")
    assert "\"'=HYPERLINK(\"\"http" in text
    rejected.write_text(text.replace(",LOVV,", ",LOV,"), encoding="utf-8-sig")  # the fix, as a user makes it
    result = _import(engine, pseudonymise, "suppliers", rejected)
    assert (result.rows_accepted, result.rows_rejected) == (1, 0)
    with engine.connect() as conn:
        assert conn.execute(select(Supplier.name)).scalar_one() == HYPERLINK  # type: ignore[call-overload]


def test_importing_a_rejected_file_again_does_not_nest_it(engine, write_csv, pseudonymise):
    source = write_csv("s.csv", [supplier_row(HONEST["org_number"], "Omsorg Alfa AB", contract_form="LOVV")])
    first = _import(engine, pseudonymise, "suppliers", source).rejected_file
    again = _import(engine, pseudonymise, "suppliers", first)
    assert again.rejected_file == first and again.rows_rejected == 1
    header = first.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "line,column,reason," + ",".join(supplier_row("", ""))
    assert not list(source.parent.glob("*.rejected.rejected.csv"))
