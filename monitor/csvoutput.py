"""The one way the project writes CSV: cells a spreadsheet would run as formulas are neutralised.

A supplier name such as `=HYPERLINK("http://evil.example","Klicka")` or `+cmd|' /C calc'!A0`
comes from a file someone else wrote; opened in Excel or LibreOffice, a cell starting with
`=`, `+`, `-`, `@`, a tab or a carriage return may be run as a formula. Following OWASP's
advice such a cell is written with a single quote in front; a real number (`-3.5`, `+46`) stays
a number, since a spreadsheet cannot run it.

`reversible=True` (the rejected-rows files, which are meant to be imported again) also quotes
a cell that already starts with a quote, so that `restore_cell` can take exactly one quote off
every quoted cell and give back what was read.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
UTF8_BOM = "\ufeff"
# A number as people write it, with a decimal point or comma: safe to leave as it is.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(text: str, reversible: bool = False) -> str:
    """The text as a spreadsheet will show it, never run it."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return QUOTE + text
    if reversible and text.startswith(QUOTE):
        return QUOTE + text
    return text


def restore_cell(text: str) -> str:
    """The cell as it was before `neutralise_cell(text, reversible=True)`."""
    return text[1:] if text.startswith(QUOTE) else text


class CsvWriter:
    """csv.writer with neutralised cells. `excel=True` writes what Swedish Excel opens with a
    double-click: `;` between cells, a UTF-8 byte order mark, decimal commas in numbers."""

    def __init__(
        self,
        out: IO[str],
        *,
        delimiter: str = ",",
        excel: bool = False,
        reversible: bool = False,
        bom: bool = False,
        lineterminator: str = "\r\n",
    ) -> None:
        if excel:
            delimiter, bom = ";", True
        if bom:
            out.write(UTF8_BOM)
        self._writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
        self._decimal_comma = excel
        self._reversible = reversible

    def writerow(self, cells: Iterable[object]) -> None:
        self._writer.writerow([self._cell(c) for c in cells])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)

    def _cell(self, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and math.isfinite(value):
            text = repr(value)
            return text.replace(".", ",") if self._decimal_comma else text
        if isinstance(value, int):  # and bool, as the csv module writes it
            return str(value)
        return neutralise_cell(str(value), self._reversible)
