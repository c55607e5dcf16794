"""Bulk upserts of validated rows, each backend its fastest safe way.

SQLite: one prepared INSERT .. ON CONFLICT executed for the whole batch.
PostgreSQL: COPY into a temporary table, then one INSERT .. SELECT .. ON CONFLICT. COPY is
an order of magnitude faster than row inserts. The runner rejects a key's later rows in one
file (rowchecks.py); DISTINCT ON stays as a guard, so a batch never fails the statement.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, BigInteger, Column, Connection, MetaData, Table, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from monitor.db import UtcDateTime, format_postgres_utc, format_sqlite_utc

# Kept from the first import of a row; a re-import must not rewrite its provenance.
INSERT_ONLY = frozenset({"import_batch_id"})


class BatchWriter(Protocol):
    # The order of the values in a stored row.
    columns: list[str]

    def stored(self, record: dict[str, Any]) -> tuple[Any, ...]:
        """A parsed record as the row `stage` takes: its values in `columns` order, stored form."""

    def stage(self, rows: list[tuple[Any, ...]]) -> None:
        """Take a batch of rows for the next `apply` (on PostgreSQL: into the staging table)."""

    def apply(self) -> int:
        """Upsert the staged rows; return how many were inserted or changed."""


def _on_conflict(stmt: Any, table: Table, keys: tuple[str, ...], columns: list[str], kept: frozenset[str]) -> Any:
    changing = [c for c in columns if c not in keys and c not in INSERT_ONLY and c not in kept]
    if not changing:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: stmt.excluded[c] for c in changing},
        # Unchanged rows are not rewritten, so a re-import reports 0 changes and costs no WAL.
        where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in changing)),
    )


class SqliteWriter:
    """Compiles the upsert once and feeds the driver plain tuples: SQLAlchemy's per-row
    parameter handling would otherwise cost more than SQLite's own insert. A batch is written
    in key order, so the key's index is walked forward rather than hit at random pages."""

    def __init__(self, conn: Connection, table: Table, keys: tuple[str, ...], columns: list[str],
                 kept: frozenset[str] = frozenset()) -> None:
        self._conn = conn
        statement = _on_conflict(sqlite.insert(table), table, keys, columns, kept)
        compiled = statement.compile(dialect=conn.dialect, column_keys=columns)
        self._sql = str(compiled)
        self.columns = list(compiled.positiontup or [])
        processors = [_sqlite_processor(table.c[name].type, conn.dialect) for name in self.columns]
        self._fields = list(zip(self.columns, processors, strict=True))
        self._key = operator.itemgetter(*(self.columns.index(k) for k in keys))
        self._rows: list[tuple[Any, ...]] = []

    def stored(self, record: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(record[name] if process is None else process(record[name]) for name, process in self._fields)

    def stage(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def apply(self) -> int:
        rows, self._rows = self._rows, []
        rows.sort(key=self._key)
        result = self._conn.exec_driver_sql(self._sql, rows, execution_options={"preserve_rowcount": True})
        return int(result.rowcount)


def _sqlite_processor(column_type: Any, dialect: Any) -> Any:
    if isinstance(column_type, UtcDateTime):
        # The cached formatter directly: half the per-value cost of the generic type hook.
        return lambda value: value if value is None or isinstance(value, str) else format_sqlite_utc(value)
    return column_type.bind_processor(dialect)


class PostgresWriter:
    def __init__(self, conn: Connection, table: Table, keys: tuple[str, ...], columns: list[str],
                 kept: frozenset[str] = frozenset()) -> None:
        self._conn = conn
        self.columns = columns
        self._json = {c for c in columns if isinstance(table.c[c].type, JSON)}
        self._instants = {c for c in columns if isinstance(table.c[c].type, UtcDateTime)}
        name = f"import_stage_{table.name}"
        column_list = ", ".join(f'"{c}"' for c in columns)
        conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
        conn.execute(text(
            f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS '
            f'SELECT {column_list} FROM "{table.name}" WITH NO DATA'
        ))
        conn.execute(text(f'ALTER TABLE "{name}" ADD COLUMN _seq bigserial'))
        stage = Table(
            name, MetaData(), *(Column(c, table.c[c].type) for c in columns), Column("_seq", BigInteger)
        )
        latest = (
            select(*(stage.c[c] for c in columns))
            .ext(postgresql.distinct_on(*(stage.c[k] for k in keys)))
            .order_by(*(stage.c[k] for k in keys), stage.c._seq.desc())
        )
        merge = postgresql.insert(table).from_select(columns, latest)
        self._merge = _on_conflict(merge, table, keys, columns, kept).execution_options(preserve_rowcount=True)
        self._copy_sql = f'COPY "{name}" ({column_list}) FROM STDIN'
        self._truncate = text(f'TRUNCATE "{name}"')

    def stored(self, record: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(self._stored(c, record[c]) for c in self.columns)

    def _stored(self, column: str, value: Any) -> Any:
        if column in self._json:
            return Jsonb(value)
        if column in self._instants and value is not None and not isinstance(value, str):
            return format_postgres_utc(value)  # as the column path gives it (ImportContext.stored_instant)
        return value

    def stage(self, rows: list[tuple[Any, ...]]) -> None:
        cursor = self._conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(self._copy_sql) as copy:
            for row in rows:
                copy.write_row(row)

    def apply(self) -> int:
        changed = int(self._conn.execute(self._merge).rowcount)
        self._conn.execute(self._truncate)
        return changed


def batch_writer(conn: Connection, table: Table, keys: tuple[str, ...], columns: list[str],
                 kept: frozenset[str] = frozenset()) -> BatchWriter:
    """`kept`: columns a row that is already stored keeps as they are (the file does not have them)."""
    if conn.dialect.name == "postgresql":
        return PostgresWriter(conn, table, keys, columns, kept)
    return SqliteWriter(conn, table, keys, columns, kept)


class WriteBehind:
    """Applies one batch on a second thread while the caller parses the next, on PostgreSQL: its
    driver lets go of the GIL for a whole statement, so the server's merge and the parsing
    overlap on two cores. The rows are staged (COPY) on the caller's thread first: formatting
    them is Python work, and on the second thread it would fight the parser for the GIL row by
    row. Not on SQLite: its driver takes the GIL back for every row. One batch in flight at
    most, so memory stays that of two batches; one thread at a time uses the connection."""

    def __init__(self, threaded: bool) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-write") if threaded else None
        self._pending: Future[int] | None = None

    def submit(self, stage: Callable[[], None], apply: Callable[[], int]) -> int:
        """Once the previous `apply` is done, `stage()` here and `apply()` on the second thread;
        return what the previous one returned (without a thread: both now, and what this
        `apply` returned)."""
        if self._pool is None:
            stage()
            return apply()
        done = self.wait()
        stage()
        self._pending = self._pool.submit(apply)
        return done

    def wait(self) -> int:
        """Wait for the apply in flight; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        return pending.result() if pending is not None else 0

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the error that brought us here is the one to tell
            self.wait()
        if self._pool is not None:
            self._pool.shutdown()
