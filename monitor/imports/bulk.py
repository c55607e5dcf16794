"""Database settings and secondary indexes for one large import, inside its transaction.

A secondary index kept up row by row costs a random page write per row once the table outgrows
the page cache; built afresh at the end it is one sort. So a load that writes more rows than
`index_rebuild_rows` and more than the table held before drops the table's secondary indexes
just before the batch that crosses that size, and builds them again before the commit. Both
happen in the import's transaction: an import that fails or is killed leaves the indexes as
they were. Unique indexes stay, since they are what makes a re-import an update.

On PostgreSQL the table's foreign keys go the same way (a trigger per row; added back, they are
checked as one join). The price: from the drop to the commit, readers of the table wait (DROP
INDEX locks it), which for such a load is minutes, and so do writers of the tables it refers to
(suppliers, import_batches) once the keys are added back. SQLite readers keep reading their
snapshot.

SQLite also gets, for the import only, a page cache sized for the file (capped), up to two
threads for the index sorts, and for a file of up to 256 MiB temporary storage in memory (a
larger one sorts through temporary files, so memory stays flat); the connection's own settings
come back afterwards.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, text

logger = logging.getLogger(__name__)

# The page cache an import may use on SQLite (the connection default is 64 MiB, monitor.db).
SQLITE_IMPORT_CACHE_MIB = (64, 512)
# The index builds' sorts in memory only for files up to this size: they grow with the table,
# and past a million rows or so they would make the import's memory grow with the file.
SQLITE_TEMP_IN_MEMORY_MIB = 256
POSTGRES_SETTINGS = {"maintenance_work_mem": "256MB", "work_mem": "64MB"}


class BulkLoad:
    def __init__(self, conn: Connection, table: Table, path: Path, index_rebuild_rows: int) -> None:
        self._conn = conn
        self._table = table.name
        self._sqlite = conn.dialect.name == "sqlite"
        self._threshold = 0
        self._written = 0
        self._dropped: list[tuple[str, str]] = []  # (name, CREATE INDEX statement)
        self._restore: dict[str, Any] = {}
        self._dbapi = conn.connection.driver_connection
        if self._sqlite:
            self._sqlite_settings(path)
        else:
            for name, value in POSTGRES_SETTINGS.items():
                conn.execute(text(f"SET LOCAL {name} = '{value}'"))  # until the commit
        if index_rebuild_rows > 0:
            self._threshold = max(index_rebuild_rows, self._rows_before())

    def _sqlite_settings(self, path: Path) -> None:
        cur = self._dbapi.cursor()  # type: ignore[union-attr]
        try:
            for pragma in ("cache_size", "temp_store"):
                self._restore[pragma] = cur.execute(f"PRAGMA {pragma}").fetchone()[0]
            size_mib = path.stat().st_size // (1 << 20) if path.exists() else 0
            low, high = SQLITE_IMPORT_CACHE_MIB
            cache_kib = max(low, min(high, size_mib)) * 1024
            cur.execute(f"PRAGMA cache_size=-{max(cache_kib, -min(self._restore['cache_size'], 0))}")
            if size_mib <= SQLITE_TEMP_IN_MEMORY_MIB:
                cur.execute("PRAGMA temp_store=MEMORY")
            # The index builds at the end may sort on a second core.
            self._restore["threads"] = cur.execute("PRAGMA threads").fetchone()[0]
            cur.execute("PRAGMA threads=2")
        finally:
            cur.close()

    def _rows_before(self) -> int:
        if self._sqlite:
            # The rowid's high-water mark: a count(*) would read the whole table.
            found = self._conn.execute(text(f'SELECT max(_rowid_) FROM "{self._table}"')).scalar()
        else:
            found = self._conn.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": self._table}
            ).scalar()
        return max(int(found or 0), 0)

    def before_writing(self, rows: int) -> None:
        """Called with each batch before it is written."""
        self._written += rows
        if self._threshold and not self._dropped and self._written > self._threshold:
            self._drop_indexes()

    def _secondary_indexes(self) -> list[tuple[str, str]]:
        if self._sqlite:
            names = [row[1] for row in self._conn.exec_driver_sql(f'PRAGMA index_list("{self._table}")')
                     if row[2] == 0 and row[3] == "c"]  # not unique, made by CREATE INDEX
            statements = dict(self._conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
                {"t": self._table},
            ).all())
            return [(name, statements[name]) for name in names]
        return [(name, sql) for name, sql in self._conn.execute(text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisunique AND NOT i.indisprimary"
        ), {"t": self._table})]

    def _foreign_keys(self) -> list[tuple[str, str]]:
        """PostgreSQL's foreign keys of the table, as ALTER TABLE .. ADD CONSTRAINT statements."""
        return [(name, f'ALTER TABLE "{self._table}" ADD CONSTRAINT "{name}" {definition}')
                for name, definition in self._conn.execute(text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"), {"t": self._table})]

    def _drop_indexes(self) -> None:
        self._dropped = self._secondary_indexes()
        for name, _ in self._dropped:
            self._conn.execute(text(f'DROP INDEX "{name}"'))
        if not self._sqlite:
            # A foreign key is a trigger per row on PostgreSQL; checked again as one join when
            # it is added back (the PostgreSQL manual's advice for a bulk load). The parser has
            # already turned away rows of unknown suppliers, so the check finds nothing.
            keys = self._foreign_keys()
            for name, _ in keys:
                self._conn.execute(text(f'ALTER TABLE "{self._table}" DROP CONSTRAINT "{name}"'))
            self._dropped += keys
        logger.info("Bulk import dropped indexes table=%s indexes=%d rows_over=%d",
                    self._table, len(self._dropped), self._threshold)

    def finish(self) -> None:
        """Before the commit: the dropped indexes built again, over every row."""
        for _, statement in self._dropped:
            self._conn.execute(text(statement))
        if self._dropped and not self._sqlite:
            self._conn.execute(text(f'ANALYZE "{self._table}"'))  # the planner's row counts are stale
        self._dropped = []

    def restore(self) -> None:
        """After the transaction: the connection's own settings again (a pooled connection)."""
        with contextlib.suppress(Exception):
            for pragma, value in self._restore.items():
                self._dbapi.execute(f"PRAGMA {pragma}={value}")  # type: ignore[union-attr]
