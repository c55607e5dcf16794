"""One batch of CSV rows -> stored rows and rejected rows, in the file's line order.

Kinds with a column parser (ImportSpec.parse_columns) take the fast path: the batch is turned
into columns and each distinct value is parsed once (columns.py). Every row that path is unsure
of, and every row of a kind without one, goes through the row path: the kind's row parser and
RowChecks, which say what is wrong with line and column. Keys are then checked in line order
over both paths, so the first row of a key is the one kept, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor.imports.columns import ParsedColumns
from monitor.imports.fields import RowErrors
from monitor.imports.mapping import ColumnMapping
from monitor.imports.problems import RejectedRow, rejected_row
from monitor.imports.rowchecks import RowChecks
from monitor.imports.writers import BatchWriter

if TYPE_CHECKING:
    from monitor.imports.runner import ImportContext, ImportSpec


@dataclass
class ParsedBatch:
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # stored form, writer's column order
    rejected: list[tuple[RejectedRow, list[str]]] = field(default_factory=list)  # with the row's fields


class BatchParser:
    def __init__(
        self, spec: ImportSpec, ctx: ImportContext, positions: dict[str, int], mapping: ColumnMapping,
        checks: RowChecks, labels: dict[str, str], width: int,
        make_writer: Callable[[list[str]], BatchWriter],
    ) -> None:
        self._spec = spec
        self._ctx = ctx
        self._positions = positions
        self._mapping = mapping
        self._translated = [c for c in positions if c in mapping.values]
        self._checks = checks
        self._labels = labels
        self._width = width
        self._make_writer = make_writer
        self.writer: BatchWriter | None = None

    def parse(self, chunk: Sequence[tuple[int, list[str]]], batch_id: int) -> ParsedBatch:
        """The chunk's rows, each either stored (with `batch_id`) or rejected."""
        outcomes: list[Any] = [None] * len(chunk)  # a stored row, a record or a RowErrors
        unsure = range(len(chunk))
        if self._spec.parse_columns is not None:
            unsure = self._parse_columns(chunk, outcomes, batch_id)
        for i in unsure:
            outcomes[i] = self._parse_row(chunk[i][1], batch_id)
        return self._in_line_order(chunk, outcomes)

    def _values(self, fields: list[str]) -> dict[str, str]:
        values = {c: (fields[i] if i < len(fields) else "") for c, i in self._positions.items()}
        for column in self._translated:
            values[column] = self._mapping.translate(column, values[column])
        return values

    def _parse_row(self, fields: list[str], batch_id: int) -> Any:
        values = self._values(fields)
        try:
            self._checks.check_fields(fields, values)
            record = self._spec.parse_row(values, self._ctx)
        except RowErrors as exc:
            # Without its traceback: the frames it holds would make a cycle per bad row.
            return exc.with_traceback(None)
        record["import_batch_id"] = batch_id
        if self.writer is None:
            self.writer = self._make_writer(list(record))
        return record

    def _parse_columns(self, chunk: Sequence[tuple[int, list[str]]], outcomes: list[Any], batch_id: int) -> list[int]:
        """Fill `outcomes` for the rows the column parser is sure of; return the others."""
        assert self._spec.parse_columns is not None
        # Only rows of the header's width can be turned into columns; the rest are row work.
        rows = [fields for _, fields in chunk]
        if set(map(len, rows)) == {self._width}:
            whole: Sequence[int] = range(len(chunk))
        else:
            whole = [i for i, fields in enumerate(rows) if len(fields) == self._width]
            if not whole:
                return list(range(len(chunk)))
            rows = [rows[i] for i in whole]
        fields_by_index = list(zip(*rows, strict=True))
        raw: dict[str, Sequence[str]] = {c: fields_by_index[i] for c, i in self._positions.items()}
        parsed = ParsedColumns(len(whole))
        for column in self._translated:
            table = {v: self._mapping.translate(column, v) for v in set(raw[column])}
            raw[column] = list(map(table.__getitem__, raw[column]))
        for column, values in raw.items():
            suspect = self._checks.suspect_values(column, values)
            if suspect is not None:
                parsed.mark(suspect)
        self._spec.parse_columns(raw, self._ctx, parsed)
        for column, cap in self._checks.stored_caps:
            values = parsed.columns.get(column)
            if values is None:
                continue
            if max((len(v) for v in set(values) if isinstance(v, str)), default=0) > cap:
                parsed.mark(np.fromiter((isinstance(v, str) and len(v) > cap for v in values), dtype=bool,
                                        count=len(values)))
        if self.writer is None:
            self.writer = self._make_writer([*parsed.columns, "import_batch_id"])
        columns = [parsed.columns[c] if c != "import_batch_id" else repeat(batch_id) for c in self.writer.columns]
        rows = list(zip(*columns, strict=False))  # repeat() is endless
        redo = [whole[j] for j in np.flatnonzero(parsed.unsure).tolist()]
        if isinstance(whole, range):
            outcomes[:] = rows
        else:
            for j, i in enumerate(whole):
                outcomes[i] = rows[j]
        # The unsure rows are parsed again by the caller, which replaces these outcomes.
        if len(whole) < len(chunk):
            taken = set(whole)
            redo.extend(i for i in range(len(chunk)) if i not in taken)
            redo.sort()
        return redo

    def _in_line_order(self, chunk: Sequence[tuple[int, list[str]]], outcomes: list[Any]) -> ParsedBatch:
        batch = ParsedBatch()
        writer = self.writer
        key = None
        if writer is not None:
            positions = [writer.columns.index(k) for k in self._spec.conflict_keys]
            key = (lambda row: row[positions[0]]) if len(positions) == 1 else (
                lambda row: tuple(row[p] for p in positions))
        check_record, check_key = self._checks.check_record, self._checks.check_key
        for (line, fields), outcome in zip(chunk, outcomes, strict=True):
            try:
                if isinstance(outcome, RowErrors):
                    raise outcome
                if isinstance(outcome, dict):
                    check_record(outcome, line)
                    assert writer is not None
                    batch.rows.append(writer.stored(outcome))
                else:
                    assert key is not None
                    check_key(key(outcome), line)
                    batch.rows.append(outcome)
            except RowErrors as exc:
                rejected = rejected_row(line, exc.errors, self._values(fields), self._labels)
                batch.rejected.append((rejected, fields))
        return batch
