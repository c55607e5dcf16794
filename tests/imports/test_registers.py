"""Register snapshots (registry, permits) and invoices: Swedish exports through the mappings in
mappings/, bad rows with line and column, dated snapshots kept side by side, safe re-imports."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from monitor.config import PROJECT_DIR
from monitor.imports import SPECS, import_csv, load_mapping
from monitor.models import Invoice, Permit, RegistrySnapshot, Supplier
from tests.conftest import DATA, HONEST, SUSPECT, invoke, supplier_row

MAPPINGS = PROJECT_DIR / "mappings"


def _import(engine: Engine, kind: str, path, pseudonymise, mapping: str | None = None):
    spec = SPECS[kind]
    column_mapping = load_mapping(MAPPINGS / mapping, spec.all_columns) if mapping else None
    return import_csv(engine, spec, path, pseudonymise=pseudonymise if spec.pseudonymises else None,
                      mapping=column_mapping)


# The natural key's order: PostgreSQL's bulk upsert does not keep the file's order in the ids.
ORDER = {RegistrySnapshot: ("snapshot_date", "org_number"), Permit: ("snapshot_date", "unit"),
         Invoice: ("invoice_id",), Supplier: ("name",)}


def _rows(engine: Engine, model: type) -> list:
    table = model.__table__
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(*(table.c[c] for c in ORDER[model]))))


def test_it_reads_a_credit_information_export_as_dated_snapshots(engine, pseudonymise):
    result = _import(engine, "registry", DATA / "foretagsfakta.csv", pseudonymise, "foretagsfakta.yaml")
    assert (result.rows_accepted, result.rows_rejected) == (3, 2)
    first, other, second = _rows(engine, RegistrySnapshot)
    assert (first.org_number, first.snapshot_date, first.f_tax) == (SUSPECT["org_number"], date(2026, 9, 1), True)
    # The second snapshot of the same company is kept beside the first: the change shows.
    assert (second.snapshot_date, second.f_tax, second.payment_remarks, second.payment_remarks_amount) == (
        date(2026, 10, 1), False, 2, 48_500.0)
    assert second.credit_rating == "B" and other.company_status == "active"
    assert other.signatory_refs == [pseudonymise("19600303-0005")]
    assert sorted(other.board_refs) == sorted([pseudonymise("19600303-0005"), pseudonymise("19610404-0006")])


def test_it_never_stores_or_tells_a_board_members_personnummer(engine, pseudonymise, tmp_path):
    path = tmp_path / "foretagsfakta.csv"
    path.write_bytes((DATA / "foretagsfakta.csv").read_bytes())
    result = _import(engine, "registry", path, pseudonymise, "foretagsfakta.yaml")
    stored = " ".join(str(tuple(r)) for r in _rows(engine, RegistrySnapshot))
    assert "19700101" not in stored and "19600303" not in stored
    messages = " ".join(r.describe() for r in result.rejected)
    assert "19600303-0005" not in messages


def test_it_names_the_line_and_column_of_bad_registry_rows(engine, pseudonymise):
    result = _import(engine, "registry", DATA / "foretagsfakta.csv", pseudonymise, "foretagsfakta.yaml")
    by_line = {r.line: r for r in result.rejected}
    assert sorted(by_line) == [5, 6]
    # Line 5 repeats line 4's company and date (2026-10-1 is the same day).
    assert "duplicate of line 4" in by_line[5].describe()
    problems = {c for c, _ in by_line[6].errors}
    assert problems == {"vat", "payment_remarks", "company_status"}
    assert "column Momsregistrerad (vat)" in by_line[6].describe()
    assert "column Status (company_status): unknown value 'Vilande'" in by_line[6].describe()


def test_it_reads_ivo_permits_with_their_criticism(engine, pseudonymise):
    result = _import(engine, "permits", DATA / "ivo-tillstand.csv", pseudonymise, "ivo-tillstand.yaml")
    assert (result.rows_accepted, result.rows_rejected) == (2, 2)
    revoked, valid = _rows(engine, Permit)  # HVB Solgläntan, Korttidshemmet Eken
    assert (revoked.status, revoked.criticism_date, revoked.criticism_area) == ("revoked", date(2026, 8, 20),
                                                                                "Bemanning")
    assert (valid.status, valid.criticism_date) == ("valid", None)
    by_line = {r.line: r.describe() for r in result.rejected}
    assert "column Status (status): unknown value 'Pausat'" in by_line[4]
    assert "column Beslutsdatum (decision_date): not a date: '2022-13-01'" in by_line[5]


def test_it_reads_invoice_lines_and_keeps_credit_notes_as_negative_amounts(engine, pseudonymise):
    result = _import(engine, "invoices", DATA / "fakturor.csv", pseudonymise, "fakturor.yaml")
    assert (result.rows_accepted, result.rows_rejected) == (4, 2)
    lines = _rows(engine, Invoice)
    assert [(r.invoice_id, r.hours, r.amount) for r in lines[:3]] == [
        ("F-1001", 120.0, 54_000.0), ("F-1002", -120.0, -54_000.0), ("F-1003", 100.0, 45_000.0)]
    assert lines[0].period == date(2026, 10, 1) and lines[0].contract_price == 450.0
    # A supplier outside the register is kept: spend outside contract is what to find.
    assert lines[3].org_number == "556778-8996" and lines[3].period == date(2026, 10, 1)
    by_line = {r.line: r.describe() for r in result.rejected}
    assert "column Avser månad (period): not a month: 'oktober'" in by_line[6]
    assert "column Fakturerade timmar (hours): hours and amount have opposite signs" in by_line[7]


def test_importing_the_same_exports_again_changes_nothing(engine, pseudonymise):
    for kind, name, mapping in (("registry", "foretagsfakta.csv", "foretagsfakta.yaml"),
                                ("permits", "ivo-tillstand.csv", "ivo-tillstand.yaml"),
                                ("invoices", "fakturor.csv", "fakturor.yaml")):
        first = _import(engine, kind, DATA / name, pseudonymise, mapping)
        again = _import(engine, kind, DATA / name, pseudonymise, mapping)
        assert first.rows_changed == first.rows_accepted > 0
        assert (again.rows_accepted, again.rows_changed) == (first.rows_accepted, 0), kind


def test_a_later_snapshot_is_added_beside_the_earlier_one(engine, pseudonymise, write_csv):
    row = {"org_number": SUSPECT["org_number"], "snapshot_date": "2026-09-01", "f_tax": "ja"}
    _import(engine, "registry", write_csv("r1.csv", [row]), pseudonymise)
    _import(engine, "registry", write_csv("r2.csv", [{**row, "snapshot_date": "2026-10-01", "f_tax": "nej"}]),
            pseudonymise)
    assert [(r.snapshot_date, r.f_tax) for r in _rows(engine, RegistrySnapshot)] == [
        (date(2026, 9, 1), True), (date(2026, 10, 1), False)]


def test_a_snapshot_dated_in_a_mistyped_future_year_is_rejected(engine, pseudonymise, write_csv):
    row = {"org_number": SUSPECT["org_number"], "snapshot_date": "2062-10-01", "f_tax": "ja"}
    result = _import(engine, "registry", write_csv("r.csv", [row]), pseudonymise)
    assert result.rejected[0].errors[0][0] == "snapshot_date"
    assert "MONITOR_IMPORT_MAX_FUTURE_HOURS" in result.rejected[0].describe()


def test_the_supplier_register_can_mark_a_cancelled_contract(engine, pseudonymise, write_csv):
    rows = [supplier_row(**HONEST, contract_cancelled=""), supplier_row(**SUSPECT, contract_cancelled="ja")]
    _import(engine, "suppliers", write_csv("s.csv", rows), pseudonymise)
    assert [r.contract_cancelled for r in _rows(engine, Supplier)] == [True, False]  # Beta, Alfa


def test_the_command_line_imports_each_new_kind_with_a_mapping(env):
    for kind, name, mapping in (("registry", "foretagsfakta.csv", "foretagsfakta.yaml"),
                                ("permits", "ivo-tillstand.csv", "ivo-tillstand.yaml"),
                                ("invoices", "fakturor.csv", "fakturor.yaml")):
        result = invoke(env, "import", kind, str(DATA / name), "--mapping", str(MAPPINGS / mapping))
        # Some rows of the samples are bad on purpose: exit code 1, the others applied.
        assert result.exit_code == 1, result.output
        assert f"{kind}: {name}:" in result.output


def test_it_splits_a_board_list_on_commas_and_ignores_unusual_whitespace(engine, pseudonymise, write_csv):
    # A register writing "a, b" lists two people, not one pseudonym standing for nobody; a
    # non-breaking space from a spreadsheet is the same person.
    rows = [{"org_number": SUSPECT["org_number"], "snapshot_date": "2026-10-01", "name": "Hemtjänst Beta AB",
             "board_members": "19500101-0001, 19500101-0002|19500101-0003",
             "signatories": "19500101\u00a0-\u00a00001"}]
    result = _import(engine, "registry", write_csv("registry.csv", rows), pseudonymise)
    assert result.rows_rejected == 0, result.rejected
    (snapshot,) = _rows(engine, RegistrySnapshot)
    assert snapshot.board_refs == sorted(pseudonymise(p) for p in ("19500101-0001", "19500101-0002", "19500101-0003"))
    assert snapshot.signatory_refs == [pseudonymise("19500101-0001")]


def test_an_old_permit_decision_is_accepted_and_a_future_one_refused(engine, pseudonymise, write_csv):
    # Old HVB permits exist: a 1995 decision is no mistyped year, one dated 2099 is.
    row = {"org_number": SUSPECT["org_number"], "unit": "HVB Solgläntan", "permit_type": "HVB",
           "decision_date": "1995-03-14", "status": "valid", "snapshot_date": "2026-10-01"}
    result = _import(engine, "permits", write_csv("permits.csv", [row, {**row, "unit": "HVB Ekbacken",
                                                                         "decision_date": "2099-03-14"}]), pseudonymise)
    assert result.rows_accepted == 1
    (rejected,) = result.rejected
    assert rejected.line == 3 and "column decision_date: 2099-03-14 is after" in rejected.describe()
    (permit,) = _rows(engine, Permit)
    assert permit.decision_date == date(1995, 3, 14)


def test_an_invoice_period_with_a_mistyped_year_is_rejected_naming_the_row(engine, pseudonymise, write_csv):
    def line(invoice_id: str, period: str) -> dict[str, str]:
        return {"invoice_id": invoice_id, "supplier_org_number": SUSPECT["org_number"], "period": period,
                "service_type": "hemtjänst", "hours": "10", "units": "", "amount": "4500",
                "contract_price": "450", "invoice_date": "2026-11-05", "contract_area": ""}

    path = write_csv("invoices.csv", [line("F1", "2026-10"), line("F2", "2062-10"), line("F3", "1026-10")])
    result = _import(engine, "invoices", path, pseudonymise)
    assert result.rows_accepted == 1
    by_line = {r.line: r.describe() for r in result.rejected}
    assert "column period: 2062-10 is more than a year after the import" in by_line[3]
    assert "column period: 1026-10 is before 2000-01-01" in by_line[4]


def test_a_narrower_export_of_the_same_snapshot_leaves_the_facts_it_lacks(engine, pseudonymise, write_csv):
    full = {"org_number": SUSPECT["org_number"], "snapshot_date": "2026-10-01", "f_tax": "ja",
            "payment_remarks": "2", "board_members": "19600303-0005", "credit_rating": "B"}
    _import(engine, "registry", write_csv("full.csv", [full]), pseudonymise)
    # The same day again, from an export of payment remarks only: one fact corrected, none blanked.
    narrow = {"org_number": SUSPECT["org_number"], "snapshot_date": "2026-10-01", "payment_remarks": "3"}
    result = _import(engine, "registry", write_csv("narrow.csv", [narrow]), pseudonymise)
    assert result.rows_changed == 1
    (row,) = _rows(engine, RegistrySnapshot)
    assert (row.f_tax, row.payment_remarks, row.credit_rating) == (True, 3, "B")
    assert row.board_refs == [pseudonymise("19600303-0005")]
    # A column the file has, left empty, does clear the fact.
    _import(engine, "registry", write_csv("empty.csv", [{**narrow, "credit_rating": ""}]), pseudonymise)
    assert _rows(engine, RegistrySnapshot)[0].credit_rating is None


def test_a_supplier_register_without_the_cancelled_column_keeps_a_cancelled_contract(engine, pseudonymise, write_csv):
    _import(engine, "suppliers", write_csv("s.csv", [supplier_row(**SUSPECT, contract_cancelled="ja")]), pseudonymise)
    register = {k: v for k, v in supplier_row(**SUSPECT).items() if k in SPECS["suppliers"].required_columns}
    again = _import(engine, "suppliers", write_csv("s2.csv", [register]), pseudonymise)
    assert (again.rows_accepted, again.rows_changed) == (1, 0)
    assert [r.contract_cancelled for r in _rows(engine, Supplier)] == [True]
