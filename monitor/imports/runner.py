"""Streams a CSV export into the store: parse, validate, upsert in batches, report rejects.

One file is one transaction: either every valid row is applied, or (with --strict, or on a
file-level error) nothing is. Rejected rows go to `<file>.rejected.csv` with their line
numbers and reasons, so they can be fixed and the file imported again; re-importing is
safe because every row is upserted on its natural key and unchanged rows are left alone. An
optional column the file lacks leaves the stored values of a row it updates as they were.
Within one file the first row of a key is applied and later ones are rejected (rowchecks.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select, update

from monitor.config import Settings
from monitor.db import format_postgres_utc, format_sqlite_utc, utcnow
from monitor.gcpause import gc_paused
from monitor.imports.batches import BatchParser
from monitor.imports.bounds import TimeBounds
from monitor.imports.bulk import BulkLoad
from monitor.imports.columns import Memo, ParsedColumns
from monitor.imports.csvfile import CsvImportError, open_csv
from monitor.imports.fields import RowErrors, org_number
from monitor.imports.mapping import ColumnMapping
from monitor.imports.problems import RejectedFile, RejectedRow, column_labels, mask_personal_numbers
from monitor.imports.rowchecks import RowChecks
from monitor.imports.writers import BatchWriter, WriteBehind, batch_writer
from monitor.keycheck import PseudonymKeyError, claim_or_verify_key
from monitor.models import ImportBatch, Supplier
from monitor.pseudonyms import Pseudonymiser

logger = logging.getLogger(__name__)

SHOWN_REJECTS = 50


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    table: Table
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...]
    conflict_keys: tuple[str, ...]
    parse_row: Callable[[dict[str, str], ImportContext], dict[str, Any]]
    # The fast path (batches.py): a batch's columns -> stored values; unsure rows go to parse_row.
    parse_columns: Callable[[dict[str, Sequence[str]], ImportContext, ParsedColumns], None] | None = None
    # Holds client ids: needs the pseudonym key, and the database's check that it is the same key.
    pseudonymises: bool = True
    # Stored column -> the optional file column it is parsed from, where the names differ.
    derived_from: Mapping[str, str] = field(default_factory=dict)

    @property
    def all_columns(self) -> set[str]:
        return set(self.required_columns) | set(self.optional_columns)

    def kept_without(self, present: Iterable[str]) -> frozenset[str]:
        """The stored columns a re-imported row keeps when the file has only the `present`
        columns: a column the export leaves out says nothing about its value (an empty cell
        in a column it has does, and clears it)."""
        absent = set(self.optional_columns).difference(present)
        names = (column.name for column in self.table.c)
        return frozenset(c for c in names if self.derived_from.get(c, c) in absent)


@dataclass
class ImportResult:
    kind: str
    path: Path
    sha256: str = ""
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_changed: int = 0  # inserted or updated; 0 when the same file is imported again
    strict: bool = False
    applied: bool = False
    batch_id: int | None = None
    rejected: list[RejectedRow] = field(default_factory=list)  # the first SHOWN_REJECTS
    rejected_file: Path | None = None

    @property
    def status(self) -> str:
        if not self.applied:
            return "rejected"
        return "partial" if self.rows_rejected else "applied"


def _chunks(rows: Iterable[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _stage(bulk: BulkLoad, writer: BatchWriter, rows: list[tuple[Any, ...]]) -> None:
    bulk.before_writing(len(rows))
    writer.stage(rows)


def _no_client_ids(client_id: str) -> str:
    raise TypeError("this import kind is declared without client ids (ImportSpec.pseudonymises)")


class ImportContext:
    """What a row parser may look up: suppliers, the pseudonymiser, the target dialect, and
    the registered times this import accepts."""

    def __init__(self, conn: Connection, pseudonymiser: Pseudonymiser | None, bounds: TimeBounds) -> None:
        self.conn = conn
        # An attribute, not a method: it runs once per client id, millions of times an import.
        self.pseudonymise: Callable[[str], str] = pseudonymiser or _no_client_ids
        self.bounds = bounds
        # An instant as the batch writer hands it to the database: sortable UTC text on SQLite,
        # timestamptz text for COPY on PostgreSQL (monitor.db).
        self.stored_instant: Callable[[datetime], str] = (
            format_sqlite_utc if conn.dialect.name == "sqlite" else format_postgres_utc
        )
        self._supplier_ids: dict[str, int] | None = None
        # Column parsers' look-ups of values already parsed in this import (columns.by_value).
        self.memos: defaultdict[str, Memo] = defaultdict(Memo)

    def supplier_id(self, errors: RowErrors, text: str) -> int | None:
        org = errors.check("supplier_org_number", org_number, text)
        if org is None:
            return None
        if self._supplier_ids is None:
            rows = self.conn.execute(select(Supplier.id, Supplier.org_number))  # type: ignore[call-overload]
            self._supplier_ids = {o: i for i, o in rows}
        supplier = self._supplier_ids.get(org)
        if supplier is None:
            errors.add(
                "supplier_org_number",
                f"unknown supplier {org} (import the supplier register first)",
            )
        return supplier

    def client_ref(self, errors: RowErrors, column: str, text: str) -> str | None:
        if not text.strip():
            errors.add(column, "missing value")
            return None
        return self.pseudonymise(text)


def _column_positions(
    spec: ImportSpec, header: list[str], mapping: ColumnMapping, path: Path
) -> dict[str, int]:
    by_name = {h.casefold(): i for i, h in enumerate(header)}
    positions: dict[str, int] = {}
    missing = []
    for column in (*spec.required_columns, *spec.optional_columns):
        wanted = mapping.header_for(column)
        index = by_name.get(wanted.casefold())
        if index is not None:
            positions[column] = index
        elif column in spec.required_columns:
            missing.append(column if wanted == column else f"{column} (mapped to {wanted!r})")
    if missing:
        raise CsvImportError(
            f"{path}:1: missing required column(s): {', '.join(missing)}; "
            # A file without a header line has a row there: no personnummer on the console.
            f"the file has: {mask_personal_numbers(', '.join(header))}"
        )
    return positions


def import_csv(
    engine: Engine,
    spec: ImportSpec,
    path: Path,
    *,
    pseudonymise: Pseudonymiser | None = None,
    mapping: ColumnMapping | None = None,
    strict: bool = False,
    batch_rows: int = 20_000,
    encoding: str = "utf-8-sig",
    on_progress: Callable[[int], None] | None = None,
    bounds: TimeBounds | None = None,
    index_rebuild_rows: int | None = None,
) -> ImportResult:
    """Import one CSV file. Raises CsvImportError when the file as a whole is unusable.

    `bounds`: the registered times accepted; by default the settings' defaults around now.
    `pseudonymise`: needed by kinds with client ids, whose import first checks that its key is the
    one the database was built with (PseudonymKeyError if not, and nothing is applied).
    `index_rebuild_rows`: see bulk.BulkLoad; by default the setting."""
    if spec.pseudonymises and pseudonymise is None:
        raise TypeError(f"{spec.kind} imports hold client ids and need a Pseudonymiser")
    mapping = mapping or ColumnMapping()
    if bounds is None or index_rebuild_rows is None:
        settings = Settings()
        bounds = bounds or TimeBounds.from_settings(settings)
        index_rebuild_rows = settings.import_index_rebuild_rows if index_rebuild_rows is None else index_rebuild_rows
    result = ImportResult(kind=spec.kind, path=path, strict=strict)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise CsvImportError(f"{path}: cannot open: {exc.strerror}") from exc
    digest = hashlib.sha256()
    with raw:
        csv_file = open_csv(path, raw, encoding, on_bytes=digest.update)
        positions = _column_positions(spec, csv_file.header, mapping, path)
        rejects = RejectedFile(path, csv_file.delimiter, csv_file.header)
        labels = column_labels(csv_file.header, positions)
        checks = RowChecks(spec.table, list(positions), spec.conflict_keys, len(csv_file.header))
        read_through = False
        bulk: BulkLoad | None = None
        try:
            with engine.begin() as conn:
                # First: SQLite takes some settings only outside a transaction, which its driver
                # opens at the first write.
                bulk = BulkLoad(conn, spec.table, path, index_rebuild_rows)
                ctx = ImportContext(conn, pseudonymise, bounds)
                batch_id = conn.execute(
                    insert(ImportBatch.__table__)  # type: ignore[arg-type]
                    .values(kind=spec.kind, file_name=str(path), sha256="", status="running",
                            strict=strict, started_at=utcnow())
                    .returning(ImportBatch.__table__.c.id)  # type: ignore[attr-defined]
                ).scalar_one()
                if pseudonymise is not None and spec.pseudonymises:
                    # Here, so that every caller (CLI, demo, scheduled jobs) gets the check, and
                    # after the first write, which on SQLite makes imports and rotations take turns.
                    claim_or_verify_key(conn, pseudonymise.key_check)
                parser = BatchParser(
                    spec, ctx, positions, mapping, checks, labels, len(csv_file.header),
                    lambda columns: batch_writer(conn, spec.table, spec.conflict_keys, columns,
                                                 spec.kept_without(positions)),
                )
                behind = WriteBehind(threaded=conn.dialect.name == "postgresql")
                # Without the cyclic GC for the whole file, reading included: its collections,
                # triggered by the millions of row lists, would walk the batch being read and
                # the import's look-up tables each time.
                with gc_paused():
                    try:
                        for chunk in _chunks(csv_file.rows(), batch_rows):
                            result.rows_read += len(chunk)
                            batch = parser.parse(chunk, batch_id)
                            for rejected, fields in batch.rejected:
                                result.rows_rejected += 1
                                if len(result.rejected) < SHOWN_REJECTS:
                                    result.rejected.append(rejected)
                                rejects.write(rejected, fields)
                            if batch.rows:
                                assert parser.writer is not None
                                result.rows_changed += behind.submit(
                                    partial(_stage, bulk, parser.writer, batch.rows), parser.writer.apply)
                                result.rows_accepted += len(batch.rows)
                            if on_progress:
                                on_progress(csv_file.bytes_read)
                        result.rows_changed += behind.wait()
                    finally:
                        behind.close()  # before the transaction ends, whatever happened
                bulk.finish()
                result.sha256 = digest.hexdigest()
                read_through = True
                result.applied = not (strict and result.rows_rejected)
                if not result.applied:
                    raise _StrictRollback
                conn.execute(
                    update(ImportBatch.__table__)  # type: ignore[arg-type]
                    .where(ImportBatch.__table__.c.id == batch_id)  # type: ignore[attr-defined]
                    .values(**_batch_counts(result), finished_at=utcnow())
                )
                result.batch_id = batch_id
        except _StrictRollback:
            result.batch_id = _record_failed_batch(engine, spec, path, result, None)
        except (CsvImportError, PseudonymKeyError) as exc:
            _record_failed_batch(engine, spec, path, result, str(exc))
            raise
        except Exception as exc:
            # A bug or a lost database: nothing was applied, and import_batches should say so.
            # Only the type is stored, since the message may quote a row.
            try:
                _record_failed_batch(engine, spec, path, result,
                                     f"unexpected error ({type(exc).__name__}); nothing applied")
            except Exception as record_exc:
                logger.warning("Unable to record failed import file=%s error=%s",
                               path.name, type(record_exc).__name__)
            raise
        finally:
            if bulk is not None:
                bulk.restore()
            result.rejected_file = rejects.close(completed=read_through)
            if on_progress:
                on_progress(csv_file.bytes_read)
    logger.info(
        "Imported file kind=%s file=%s status=%s read=%d accepted=%d changed=%d rejected=%d",
        spec.kind, path.name, result.status, result.rows_read,
        result.rows_accepted if result.applied else 0,
        result.rows_changed if result.applied else 0, result.rows_rejected,
    )
    return result


class _StrictRollback(Exception):
    pass


def _batch_counts(result: ImportResult) -> dict[str, Any]:
    return {
        "sha256": result.sha256,
        "rows_read": result.rows_read,
        "rows_accepted": result.rows_accepted if result.applied else 0,
        "rows_rejected": result.rows_rejected,
        "status": result.status,
    }


def _record_failed_batch(
    engine: Engine, spec: ImportSpec, path: Path, result: ImportResult, message: str | None
) -> int:
    """Keep a trace of imports that applied nothing, in a transaction of its own."""
    counts = _batch_counts(result)
    if message is not None:
        counts["status"] = "failed"
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(ImportBatch.__table__)  # type: ignore[arg-type]
                .values(kind=spec.kind, file_name=str(path), strict=result.strict,
                        message=message, started_at=utcnow(), finished_at=utcnow(), **counts)
                .returning(ImportBatch.__table__.c.id)  # type: ignore[attr-defined]
            ).scalar_one()
        )
