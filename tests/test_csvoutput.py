"""Every CSV the project writes: cells a spreadsheet would run are written as text."""

from __future__ import annotations

import csv
import io

import pytest

from monitor.csvoutput import CsvWriter, neutralise_cell, restore_cell

FORMULAS = ['=HYPERLINK("http://evil.example","Klicka")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def _written(*rows: list[object], **options: object) -> str:
    out = io.StringIO()
    CsvWriter(out, **options).writerows(rows)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize("cell", FORMULAS, ids=["equals", "plus", "at", "minus", "tab", "carriage-return"])
def test_it_writes_a_formula_as_text(cell):
    (row,) = csv.reader(io.StringIO(_written([cell])))
    assert row == ["'" + cell]


@pytest.mark.parametrize("cell", ["-3.5", "+46", "-3,5", "1e-5", "Omsorg Alfa AB", "2026-10-06", "O'Brien"],
                         ids=["negative", "plus-sign", "decimal-comma", "exponent", "name", "date", "quote-inside"])
def test_it_leaves_numbers_and_plain_text_as_they_are(cell):
    assert neutralise_cell(cell) == cell


def test_numbers_are_written_as_numbers():
    assert _written([-3.5, 12, None]) == "-3.5,12,\r\n"


def test_excel_gets_semicolons_a_bom_and_decimal_commas():
    assert _written(["Hemtjänst Beta AB", 42.5, -0.25], excel=True) == "\ufeffHemtjänst Beta AB;42,5;-0,25\r\n"


@pytest.mark.parametrize("cell", [*FORMULAS, "'quoted already", "''", "-3.5", "plain"])
def test_a_reversible_cell_reads_back_as_it_was(cell):
    assert restore_cell(neutralise_cell(cell, reversible=True)) == cell
