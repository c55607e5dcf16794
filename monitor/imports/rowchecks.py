"""Checks every import kind makes on a row besides its own parsing: the number of fields,
characters no database column should hold, lengths, and a key seen earlier in the same file.

Each problem is a rejected row with its line and column, the same on SQLite and PostgreSQL:
PostgreSQL refuses a NUL byte or an over-long value for the whole file, SQLite stores them,
and a key twice in one file was "last row wins" on one backend and counted differently on the
other.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Table, Text

from monitor.imports.fields import RowErrors

# Free text may run over lines; an id, a name or a time may not.
MULTILINE_COLUMNS = frozenset({"note"})
LONGEST_TEXT = 10_000  # for columns stored as unbounded text
LONGEST_VALUE = 1_000  # for any other value before it is parsed
# C0 controls and DEL. A tab is allowed: whitespace to every parser, stripped at the ends like a space.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Columns the importer fills from another: a duplicate is named by the column the user wrote.
_KEY_SOURCES = {"supplier_id": "supplier_org_number", "client_ref": "client_id"}
# Invoices store the supplier's org number under its own name; the file calls it supplier_org_number.
_KEY_SOURCES_BY_TABLE = {"invoices": {"org_number": "supplier_org_number"}}


class RowChecks:
    def __init__(self, table: Table, columns: list[str], conflict_keys: tuple[str, ...], width: int) -> None:
        """`columns`: the file's columns this import reads; `width`: the header's number of fields."""
        self._width = width
        self._key_of = operator.itemgetter(*conflict_keys)
        sources = {**_KEY_SOURCES, **_KEY_SOURCES_BY_TABLE.get(table.name, {})}
        self._key_columns = [sources.get(k, k) for k in conflict_keys]
        self._first_lines: dict[int, int] = {}
        self._input_caps = {c: _input_cap(table, c) for c in columns}
        self._stored_caps = [
            (c, length) for c in columns
            if c in table.c and (length := getattr(table.c[c].type, "length", None))
        ]

    def check_fields(self, fields: list[str], values: Mapping[str, str]) -> None:
        """Before parsing: too few or too many fields, control characters, absurd lengths."""
        if len(fields) < self._width:
            _reject(("", f"too few fields ({len(fields)} of {self._width}): a separator missing, or a line "
                         "break inside an unquoted value?"))
        if len(fields) > self._width and any(f.strip() for f in fields[self._width:]):
            _reject(("", f"too many fields ({len(fields)} of {self._width}): a separator inside an unquoted "
                         "value?"))
        # Nearly every row is clean: one search over the whole row, column by column only if needed.
        joined = "".join(values.values())
        if len(joined) <= LONGEST_VALUE and not _CONTROL.search(joined):
            return
        _reject(*(
            (column, problem) for column, value in values.items()
            if (problem := _control_character(column, value) or _too_long(value, self._input_caps[column]))
        ))

    @property
    def stored_caps(self) -> list[tuple[str, int]]:
        return self._stored_caps

    def check_record(self, record: Mapping[str, Any], line: int) -> None:
        """After parsing: values too long for their column, and a key an earlier row had. Called
        only for rows that will be applied, so the first applied row of a key is the one kept."""
        for column, cap in self._stored_caps:
            value = record.get(column)
            if isinstance(value, str) and len(value) > cap:
                _reject((column, f"longer than {cap} characters ({len(value):,})"))
        self.check_key(self._key_of(record), line)

    def check_key(self, key: Any, line: int) -> None:
        """A key an earlier applied row had rejects this row."""
        # The key's 64-bit hash, not the key: a million-row file costs about 100 MB, whatever
        # its ids. Equal instants hash alike whatever their offset, as the database compares
        # them. A million keys give two different ones the same hash with a chance of about 3 in 10^8.
        first = self._first_lines.setdefault(hash(key), line)
        if first != line:
            _reject((self._key_columns[0], f"duplicate of line {first} (same {', '.join(self._key_columns)})"))

    def suspect_values(self, column: str, values: Sequence[str]) -> np.ndarray | None:
        """The column-wise fast path's view of check_fields: which values might have a control
        character or be too long (None: none); their rows are checked again one by one."""
        cap = self._input_caps[column]
        distinct = set(values)  # looked through first: an export repeats most values
        if max(map(len, distinct), default=0) <= cap:
            joined = "".join(distinct)
            # isprintable() is a plain C loop and true for nearly every column; only a column
            # with a tab, a no-break space or the like needs the (slower) exact search.
            if joined.isprintable() or not _CONTROL.search(joined):
                return None
        return np.fromiter((len(v) > cap or _CONTROL.search(v) is not None for v in values),
                           dtype=bool, count=len(values))


def _reject(*problems: tuple[str, str]) -> None:
    if problems:
        errors = RowErrors()
        errors.errors.extend(problems)
        raise errors


def _input_cap(table: Table, column: str) -> int:
    if column in table.c and isinstance(table.c[column].type, Text):
        return LONGEST_TEXT
    return LONGEST_VALUE


def _control_character(column: str, value: str) -> str | None:
    pattern = _CONTROL_IN_TEXT if column in MULTILINE_COLUMNS else _CONTROL
    found = pattern.search(value)
    if found is None:
        return None
    char = found.group()
    name = _C0_NAMES.get(char, "control")
    return (f"contains a control character ({name}, U+{ord(char):04X}) at position {found.start() + 1}; "
            "no database stores it reliably")


def _too_long(value: str, cap: int) -> str | None:
    return f"longer than {cap:,} characters ({len(value):,})" if len(value) > cap else None


_C0_NAMES = {"\x00": "NUL", "\n": "line feed", "\r": "carriage return", "\x1b": "escape", "\x7f": "delete"}
