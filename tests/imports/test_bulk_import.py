"""The bulk path keeps the import's guarantees: line and column of a bad row in a big batch,
all or nothing when the import is killed, and the indexes rebuilt after a large load."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from monitor.config import PROJECT_DIR
from monitor.db import make_engine
from monitor.imports import SPECS, ColumnMapping, import_csv
from tests.conftest import ASTRID, BERTIL, HONEST, TEST_KEY, visit_row

VISITS = SPECS["visits"]
ROW_BY_ROW = dataclasses.replace(VISITS, parse_columns=None)
START = datetime(2026, 10, 5, 7, 0)


def _visit(n: int, **extra: str) -> dict[str, str]:
    """Visit n of a realistic export: ids not in order, a few staff, clients and doors again and again."""
    start = START + timedelta(minutes=7 * n)
    row = visit_row(f"V{(n * 7919) % 100_003:06d}", f"{start:%Y-%m-%d %H:%M}",
                    f"{start + timedelta(minutes=25 + n % 20):%Y-%m-%d %H:%M}",
                    staff_id=f"S{n % 7}", latitude=f"59,{2300 + n % 11}", longitude="17.9802",
                    device_id=f"MOB-{n % 7}" if n % 3 else "", decided_minutes=str(20 + n % 4) if n % 2 else "",
                    recorded_at="")
    if n % 2:
        row.update(supplier_org_number=HONEST["org_number"], client_id=BERTIL, address="Provvägen 22, lgh 1102")
    row.update(extra)
    return row


def _dump(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "select visit_id, supplier_id, staff_id, client_ref, address, address_key, latitude, longitude, "
            "planned_start, planned_end, registered_start, registered_end, registration_method, service_type, "
            "device_id, recorded_at, decided_minutes from visits order by visit_id"))]


def _indexes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("select sql from sqlite_master where type = 'index' and tbl_name = 'visits' "
                                     "and sql is not null"))
        else:
            rows = conn.execute(text("select indexdef from pg_indexes where tablename = 'visits'"))
        return {r[0] for r in rows}


def test_a_bad_row_in_the_middle_of_a_big_batch_is_told_by_line_and_column(with_suppliers, write_csv, pseudonymise):
    rows = [_visit(n) for n in range(3_000)]
    rows[1_500] = _visit(1_500, latitude="95,1")  # line 1,502: the header is line 1
    rows[1_700] = _visit(1_700, registered_end="2026-10-05 06:00")  # ends before it starts
    rows[2_100]["visit_id"] = rows[300]["visit_id"]  # the same id again
    result = import_csv(with_suppliers, VISITS, write_csv("v.csv", rows), pseudonymise=pseudonymise,
                        batch_rows=2_500)
    assert (result.rows_accepted, result.rows_rejected) == (2_997, 3)
    told = {(r.line, column) for r in result.rejected for column, _ in r.errors}
    assert told == {(1_502, "latitude"), (1_702, "registered_end"), (2_102, "visit_id")}
    assert "duplicate of line 302" in result.rejected[2].describe()


def test_the_fast_path_stores_exactly_what_the_row_parser_stores(with_suppliers, write_csv, pseudonymise):
    rows = [_visit(n) for n in range(400)]
    # The autumn hour that happens twice, an explicit offset, a manual entry time, a mapped value.
    rows[10] = _visit(10, registered_start="2026-10-25 02:50", registered_end="2026-10-25 02:10",
                      planned_start="2026-10-25 02:40", planned_end="2026-10-25 03:10")
    rows[11] = _visit(11, registered_start="2026-10-06T08:00:00+00:00", registered_end="2026-10-06T08:30:00Z")
    rows[12] = _visit(12, registration_method="manuell", recorded_at="2026-10-07 09:15")
    rows[13] = _visit(13, planned_start="", planned_end="", latitude="", longitude="")
    path = write_csv("v.csv", rows, delimiter=";")
    mapping = ColumnMapping(values={"registration_method": {"manuell": "manual"}})
    fast = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise, mapping=mapping, batch_rows=150)
    stored = _dump(with_suppliers)
    with with_suppliers.begin() as conn:
        conn.execute(text("delete from visits"))
    slow = import_csv(with_suppliers, ROW_BY_ROW, path, pseudonymise=pseudonymise, mapping=mapping, batch_rows=150)
    assert (fast.rows_accepted, fast.rows_changed) == (slow.rows_accepted, slow.rows_changed) == (400, 400)
    assert _dump(with_suppliers) == stored
    assert ASTRID not in repr(stored) and BERTIL not in repr(stored)


def test_a_load_that_crosses_the_rebuild_size_leaves_every_index_as_it_was(with_suppliers, write_csv, pseudonymise):
    before = _indexes(with_suppliers)
    assert len(before) >= 3  # the secondary indexes (and on PostgreSQL the keys)
    path = write_csv("v.csv", [_visit(n) for n in range(2_000)])
    result = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise, batch_rows=300,
                        index_rebuild_rows=500)
    assert result.rows_changed == 2_000
    assert _indexes(with_suppliers) == before
    stored = _dump(with_suppliers)
    # Again, with the indexes rebuilt: the same file changes nothing and is not dropped (2,000 <= table).
    again = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise, batch_rows=300,
                       index_rebuild_rows=500)
    assert (again.rows_accepted, again.rows_changed) == (2_000, 0)
    assert _dump(with_suppliers) == stored and _indexes(with_suppliers) == before


def test_a_strict_load_rolled_back_after_dropping_the_indexes_keeps_them(with_suppliers, write_csv, pseudonymise):
    before = _indexes(with_suppliers)
    rows = [_visit(n) for n in range(2_000)]
    rows[-1] = _visit(1_999, service_type="")
    result = import_csv(with_suppliers, VISITS, write_csv("v.csv", rows), pseudonymise=pseudonymise,
                        strict=True, batch_rows=300, index_rebuild_rows=500)
    assert (result.applied, result.rows_rejected) == (False, 1)
    assert _dump(with_suppliers) == []
    assert _indexes(with_suppliers) == before


_KILLED_IMPORT = """
import sys, threading
from pathlib import Path
from monitor.db import make_engine
from monitor.imports import SPECS, import_csv
from monitor.pseudonyms import Pseudonymiser

url, path, marker, key = sys.argv[1:]

def progress(done):
    # After the first batch is written (and the indexes dropped): announce it, then hang mid-load
    # until the test kills the process.
    Path(marker).touch()
    threading.Event().wait()

import_csv(make_engine(url), SPECS["visits"], Path(path), pseudonymise=Pseudonymiser(key.encode()),
           batch_rows=1_000, index_rebuild_rows=500, on_progress=progress)
"""


def test_an_import_killed_mid_load_applies_nothing_and_the_file_imports_again(
        with_suppliers, write_csv, pseudonymise, tmp_path):
    before = _indexes(with_suppliers)
    path = write_csv("v.csv", [_visit(n) for n in range(3_000)])
    marker = tmp_path / "mid-load"
    url = with_suppliers.url.render_as_string(hide_password=False)
    with_suppliers.dispose()  # the child must be able to take the SQLite write lock
    child = subprocess.Popen([sys.executable, "-c", _KILLED_IMPORT, url, str(path), str(marker), TEST_KEY],
                             cwd=PROJECT_DIR, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the import ended before it was killed"
            assert time.monotonic() < deadline, "the import never got to its first batch"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert _dump(with_suppliers) == []
    assert _indexes(with_suppliers) == before
    result = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise, batch_rows=1_000,
                        index_rebuild_rows=500)
    assert (result.status, result.rows_changed) == ("applied", 3_000)
    assert len(_dump(with_suppliers)) == 3_000
    assert _indexes(with_suppliers) == before


@pytest.mark.parametrize("rows", [1, 999, 1_000, 1_001])
def test_every_row_is_stored_whatever_the_batch_edges(with_suppliers, write_csv, pseudonymise, rows):
    path = write_csv("v.csv", [_visit(n) for n in range(rows)])
    result = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise, batch_rows=1_000,
                        index_rebuild_rows=500)
    assert (result.rows_read, result.rows_changed) == (rows, rows)
    assert len(_dump(with_suppliers)) == rows


def test_the_bulk_settings_last_only_as_long_as_the_import(with_suppliers, write_csv, pseudonymise):
    if with_suppliers.dialect.name != "sqlite":
        pytest.skip("connection settings of SQLite; PostgreSQL's are SET LOCAL, ended by the commit")
    with with_suppliers.connect() as conn:
        before = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "temp_store", "threads")]
    import_csv(with_suppliers, VISITS, write_csv("v.csv", [_visit(n) for n in range(600)]), pseudonymise=pseudonymise,
               batch_rows=200, index_rebuild_rows=100)
    with with_suppliers.connect() as conn:
        after = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "temp_store", "threads")]
        assert conn.exec_driver_sql("select count(*) from visits").scalar() == 600
    assert after == before


def test_values_remembered_across_batches_give_what_the_row_parser_gives(
        with_suppliers, write_csv, pseudonymise, monkeypatch):
    # Look-ups so small that they start afresh every batch or two, with the time columns' two
    # look-ups (the stored value and its seconds) cleared at different moments from the readings.
    monkeypatch.setattr("monitor.imports.columns.MEMO_LIMIT", 9)
    monkeypatch.setattr("monitor.imports.visit_columns.MEMO_LIMIT", 13)
    rows = [_visit(n) for n in range(600)]
    for n in (40, 250, 590):  # the same bad value in the first, a middle and the last batch
        rows[n] = _visit(n, latitude="95,1")
    rows[300] = _visit(300, registered_start=rows[299]["registered_start"], registered_end="2026-10-01 06:00")
    path = write_csv("v.csv", rows)
    fast = import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise, batch_rows=100)
    stored = _dump(with_suppliers)
    with with_suppliers.begin() as conn:
        conn.execute(text("delete from visits"))
    slow = import_csv(with_suppliers, ROW_BY_ROW, path, pseudonymise=pseudonymise, batch_rows=100)
    assert [(r.line, r.errors) for r in fast.rejected] == [(r.line, r.errors) for r in slow.rejected]
    assert [r.line for r in fast.rejected] == [42, 252, 302, 592]
    assert (fast.rows_accepted, slow.rows_accepted) == (596, 596)
    assert _dump(with_suppliers) == stored


def test_postgresql_stores_the_same_instants_whatever_the_session_time_zone(
        with_suppliers, write_csv, pseudonymise):
    if with_suppliers.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL session's TimeZone setting")
    path = write_csv("v.csv", [_visit(n) for n in range(50)])
    import_csv(with_suppliers, VISITS, path, pseudonymise=pseudonymise)
    expected = _dump(with_suppliers)
    with with_suppliers.begin() as conn:
        conn.execute(text("delete from visits"))
    url = with_suppliers.url.update_query_dict({"options": "-c TimeZone=Pacific/Kiritimati"})
    far_away = make_engine(url.render_as_string(hide_password=False))
    try:
        import_csv(far_away, VISITS, path, pseudonymise=pseudonymise)
    finally:
        far_away.dispose()
    assert _dump(with_suppliers) == expected
