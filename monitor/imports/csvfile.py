"""Reading municipal CSV exports: UTF-8 with or without BOM, ';' or ',' separated.

A `.rejected.csv` written by an earlier import is read as the export it came from: its line,
column and reason columns are dropped and the quotes its writer put in front of formula-like
cells are taken off again (see monitor.csvoutput)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from monitor.csvoutput import restore_cell

DELIMITERS = (";", ",", "\t")
REJECTED_COLUMNS = ("line", "column", "reason")


class CsvImportError(Exception):
    """The file as a whole cannot be imported; nothing was applied."""


class _CountingReader(io.RawIOBase):
    """Counts bytes read, so a progress bar can follow a streaming read."""

    def __init__(self, raw: BinaryIO, on_bytes: Callable[[bytes], None] | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer) or 0  # type: ignore[attr-defined]
        self.bytes_read += n
        if self._on_bytes and n:
            self._on_bytes(bytes(buffer[:n]))
        return n


@dataclass
class CsvFile:
    path: Path
    delimiter: str
    header: list[str]
    _rows: Iterator[tuple[int, list[str]]]
    _counter: _CountingReader
    rejected_file: bool = False  # a .rejected.csv of ours, read as the original rows

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number where the record starts, fields); blank lines are skipped."""
        return self._rows


def sniff_delimiter(header_line: str) -> str:
    """The candidate under which the csv module reads the header into the most columns; ','
    when none splits it.

    Counting characters would let a quoted name decide: in `a,"b; c; d"` the `;` are part of
    a name. Split on the wrong candidate, such a header keeps its quote marks inside the names
    (`a,"b`), so the candidate leaving the fewest stray quotes wins first.
    """

    def reading(delimiter: str) -> tuple[int, int]:
        names = next(csv.reader([header_line], delimiter=delimiter), [])
        return -sum(name.count('"') for name in names), len(names)

    best = max(DELIMITERS, key=reading)
    return best if reading(best)[1] > 1 else ","


def open_csv(
    path: Path,
    raw: BinaryIO,
    encoding: str = "utf-8-sig",
    on_bytes: Callable[[bytes], None] | None = None,
) -> CsvFile:
    """Read the header and return a streaming reader; `on_bytes` sees every byte read."""
    counter = _CountingReader(raw, on_bytes)
    text = io.TextIOWrapper(
        io.BufferedReader(counter, buffer_size=1 << 20), encoding=encoding, newline=""
    )
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise CsvImportError(_decode_message(path, 1, exc)) from exc
    if not first.strip():
        raise CsvImportError(f"{path}: the file is empty (expected a header line)")
    delimiter = sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    header = [h.strip().lstrip("\ufeff") for h in header]
    rejected_file = tuple(h.casefold() for h in header[:3]) == REJECTED_COLUMNS
    skip = len(REJECTED_COLUMNS) if rejected_file else 0
    if rejected_file:
        header = [restore_cell(h) for h in header[skip:]]
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        previous_end = 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise CsvImportError(_decode_message(path, previous_end + 1, exc)) from exc
            except csv.Error as exc:
                raise CsvImportError(_csv_error_message(path, previous_end + 1, exc)) from exc
            start = previous_end + 1
            previous_end = reader.line_num + 1  # +1: the header was read outside the reader
            # The first field decides for nearly every row; only a row starting blank is looked through.
            if not (fields and (fields[0].strip() or any(f.strip() for f in fields))):
                continue
            yield start, ([restore_cell(f) for f in fields[skip:]] if skip else fields)

    return CsvFile(path=path, delimiter=delimiter, header=header, _rows=rows(), _counter=counter,
                   rejected_file=rejected_file)


def _csv_error_message(path: Path, line: int, exc: csv.Error) -> str:
    if "field limit" in str(exc):
        # Usually a quote mark that is never closed: the rest of the file became one field.
        return (f"{path}:{line}: a field starting in this row is longer than {csv.field_size_limit():,} "
                "characters (a quote mark not closed?); nothing applied")
    return f"{path}:{line}: {exc}; nothing applied"


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    # The text layer decodes in large chunks, so its error does not know the line.
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None


def _decode_message(path: Path, line: int, exc: UnicodeDecodeError) -> str:
    if path.is_file():
        line = _first_undecodable_line(path, exc.encoding) or line
    return (
        f"{path}:{line}: the file is not UTF-8 ({exc.reason}); in Excel, save it as "
        "'CSV UTF-8', or pass --encoding (e.g. cp1252)"
    )
