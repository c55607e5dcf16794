"""The command line with hostile rows: exit codes as the README says, CSV a spreadsheet opens as
text, and no personal data on the console."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.conftest import ASTRID, ASTRID_HOME, HONEST, SUSPECT, invoke, supplier_row, visit_row

runner = CliRunner()

HYPERLINK = '=HYPERLINK("http://evil.example","Klicka")'
COMMAND = "-2+3+cmd|' /C calc'!A0"
START, END = "2026-10-06 08:00", "2026-10-06 08:30"


@pytest.fixture
def hostile(env, write_csv):
    """Both persona suppliers under names that are spreadsheet formulas, scored."""
    suppliers = [supplier_row(HONEST["org_number"], HYPERLINK), supplier_row(SUSPECT["org_number"], COMMAND)]
    assert invoke(env, "import", "suppliers", str(write_csv("s.csv", suppliers))).exit_code == 0
    invoke(env, "import", "visits", str(write_csv("v.csv", [visit_row("V1", START, END)])))
    observation = {"observation_id": "O1", "address": ASTRID_HOME, "observed_from": "2026-10-06 07:30",
                   "observed_to": "2026-10-06 09:00", "staff_seen": "nej"}
    invoke(env, "import", "observations", str(write_csv("o.csv", [observation])))
    assert invoke(env, "score").exit_code == 0
    return env


def test_rank_as_csv_writes_formula_names_as_text(hostile):
    rows = list(csv.DictReader(io.StringIO(invoke(hostile, "rank", "--format", "csv").stdout)))
    assert {r["name"] for r in rows} == {"'" + HYPERLINK, "'" + COMMAND}
    assert float(rows[0]["score"]) > 0  # numbers stay numbers


def test_rank_for_excel_has_semicolons_a_bom_and_decimal_commas(hostile):
    out = invoke(hostile, "rank", "--format", "csv", "--excel").stdout
    assert out.startswith("\ufeffrank;org_number;name;")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    assert "'" + COMMAND in {r["name"] for r in rows}
    assert "," in rows[0]["score"] and "." not in rows[0]["score"]


def test_excel_without_csv_is_a_usage_error(hostile):
    result = runner.invoke(app, ["rank", "--excel"], env=hostile)
    assert result.exit_code == 2 and "only goes with --format csv" in result.output


def test_strict_import_with_a_bad_row_applies_nothing_and_exits_2(env, write_csv):
    path = write_csv("s.csv", [supplier_row(**HONEST), supplier_row("123", "Fel AB")])
    result = invoke(env, "import", "suppliers", str(path), "--strict")
    assert result.exit_code == 2
    assert "Inget lästes in (--strict): 1 av 2 rader avvisades" in result.output
    assert invoke(env, "rank").exit_code == 2  # nothing to rank: not even the good row


def test_a_duplicate_visit_exits_1_and_names_the_first_line(env, write_csv):
    invoke(env, "import", "suppliers", str(write_csv("s.csv", [supplier_row(**SUSPECT)])))
    rows = [visit_row("V1", START, END), visit_row("V1", START, "2026-10-06 08:40")]
    result = invoke(env, "import", "visits", str(write_csv("v.csv", rows)))
    assert result.exit_code == 1
    assert "v.csv:3: column visit_id: duplicate of line 2" in result.output


def test_import_shows_no_personnummer_and_warns_about_the_rejected_file(env, write_csv):
    invoke(env, "import", "suppliers", str(write_csv("s.csv", [supplier_row(**SUSPECT)])))
    rows = [visit_row("V1", START, END, registration_method="19350218-2575", staff_id=ASTRID)]
    result = invoke(env, "import", "visits", str(write_csv("v.csv", rows)))
    assert result.exit_code == 1
    assert "19350218-****" in result.output
    assert "2575" not in result.output and ASTRID not in result.output
    assert "innehåller personuppgifter" in result.output


def test_a_fixed_rejected_file_imports_with_exit_0(env, write_csv):
    path = write_csv("s.csv", [supplier_row(**HONEST), supplier_row(SUSPECT["org_number"], COMMAND,
                                                                    contract_form="LOVV")])
    assert invoke(env, "import", "suppliers", str(path)).exit_code == 1
    rejected = path.with_name("s.csv.rejected.csv")
    rejected.write_text(rejected.read_text(encoding="utf-8-sig").replace(",LOVV,", ",LOV,"), encoding="utf-8-sig")
    result = invoke(env, "import", "suppliers", str(rejected))
    assert result.exit_code == 0, result.output
    assert "1 av 1 rad lästes in" in result.output and "radera filen" in result.output


def test_a_field_over_the_csv_limit_is_one_clear_line(env, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("org_number,name,contract_area,contract_form\n556677-8899,\"" + "x" * 200_000 + "\n")
    result = invoke(env, "import", "suppliers", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: a field starting in this row is longer than" in result.output
    assert "Traceback" not in result.output
