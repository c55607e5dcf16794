"""Deliberate rotation of the pseudonym key.

A pseudonym is a keyed hash and cannot be turned back into the client id, so a rotation needs
the ids again: the operator gives the same exports the data came from (visits, client events,
staff lists). Each id gives its pseudonym under the old key (which must be the key the database
was built with) and under the new one; every pseudonymised column is rewritten from that map in
one transaction, together with the stored key check. If any pseudonym in the database has no id
among the files, nothing changes: a half-rotated database would silently stop joining.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from monitor.imports.csvfile import CsvImportError, open_csv
from monitor.imports.fields import split_people
from monitor.imports.mapping import ColumnMapping
from monitor.keycheck import PseudonymKeyError, lock_key_check, replace_key_check, stored_key_check
from monitor.models import ClientEvent, RegistrySnapshot, Staff, Visit
from monitor.pseudonyms import Pseudonymiser

logger = logging.getLogger(__name__)

# The columns of the import files that hold client ids (or, in company facts, the ids of board
# members and signatories, pseudonymised the same way), and whether each holds a list.
CLIENT_ID_COLUMNS = {"client_id": False, "relative_of_client_ids": True, "board_members": True, "signatories": True}
UPDATE_CHUNK = 1_000

_visits = Visit.__table__  # type: ignore[attr-defined]
_events = ClientEvent.__table__  # type: ignore[attr-defined]
_staff = Staff.__table__  # type: ignore[attr-defined]
_registry = RegistrySnapshot.__table__  # type: ignore[attr-defined]


@dataclass
class RekeyResult:
    pseudonyms: int = 0  # distinct client pseudonyms in the database, all rewritten
    visits: int = 0
    client_events: int = 0
    staff: int = 0
    registry_snapshots: int = 0


def read_client_ids(paths: Iterable[Path], mapping: ColumnMapping | None = None,
                    encoding: str = "utf-8-sig") -> set[str]:
    """Every client id in the files' client id columns (`client_id`, `relative_of_client_ids`),
    found by the mapping's header or our own name, read as the import reads them."""
    mapping = mapping or ColumnMapping()
    ids: set[str] = set()
    for path in paths:
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise CsvImportError(f"{path}: cannot open: {exc.strerror}") from exc
        with raw:
            csv_file = open_csv(path, raw, encoding)
            by_name = {h.casefold(): i for i, h in enumerate(csv_file.header)}
            positions = {}
            for column in CLIENT_ID_COLUMNS:
                for name in (mapping.header_for(column), column):
                    if name.casefold() in by_name:
                        positions[column] = by_name[name.casefold()]
                        break
            if not positions:
                raise CsvImportError(
                    f"{path}:1: no client id column ({', '.join(mapping.header_for(c) for c in CLIENT_ID_COLUMNS)}); "
                    f"the file has: {', '.join(csv_file.header)}"
                )
            for _line, fields in csv_file.rows():
                for column, index in positions.items():
                    value = mapping.translate(column, fields[index]) if index < len(fields) else ""
                    if CLIENT_ID_COLUMNS[column]:
                        ids.update(split_people(value))
                    elif value.strip():
                        ids.add(value)
    return ids


def stored_pseudonyms(conn: Connection) -> set[str]:
    """Every client pseudonym the database holds, in every column that holds them."""
    found = set(conn.execute(select(_visits.c.client_ref).distinct()).scalars())
    found.update(conn.execute(select(_events.c.client_ref).distinct()).scalars())
    for refs in conn.execute(select(_staff.c.relative_of_client_refs)).scalars():
        found.update(refs or ())
    for board, signatories in conn.execute(select(_registry.c.board_refs, _registry.c.signatory_refs)):
        found.update(board or ())
        found.update(signatories or ())
    return found


def rotate_pseudonyms(
    engine: Engine,
    old: Pseudonymiser,
    new: Pseudonymiser,
    client_ids: Iterable[str],
    on_progress: Callable[[int, int], None] | None = None,
) -> RekeyResult:
    """Rewrite every client pseudonym from the old key to the new one, all or nothing.

    Raises PseudonymKeyError when the old key is not the database's, or when some stored
    pseudonym has no id among `client_ids` (then nothing has changed)."""
    if old.key_check == new.key_check:
        raise PseudonymKeyError("the new key is the key already in use: nothing to rotate")
    renamed = {old(client_id): new(client_id) for client_id in client_ids}
    result = RekeyResult()
    with engine.begin() as conn:
        # First, so that no import writes pseudonyms under the old key between the count of
        # what is stored and the rewrite.
        lock_key_check(conn)
        stored_check = stored_key_check(conn)
        if stored_check is not None and stored_check != old.key_check:
            raise PseudonymKeyError(
                "MONITOR_PSEUDONYM_KEY is not the key this database was built with, so the stored "
                "pseudonyms cannot be matched to the client ids: nothing changed. Set it to the current "
                "key and give the new one with --new-key-file"
            )
        stored = stored_pseudonyms(conn)
        missing = len(stored - renamed.keys())
        if missing:
            raise PseudonymKeyError(
                f"{missing} of {len(stored)} client pseudonyms in the database have no client id in the "
                "files given: nothing changed. Give every export the data came from (visits, client events, "
                "staff lists, company facts) with --client-ids"
                + ("; if the database was built with another key, set MONITOR_PSEUDONYM_KEY to it"
                   if stored_check is None else "")
            )
        result.pseudonyms = len(stored)
        # Pseudonyms are 128-bit hashes: a new one equal to another client's old one, which would
        # make these one-by-one updates merge two clients, is not a practical concern.
        pairs = [{"old_ref": o, "new_ref": renamed[o]} for o in sorted(stored)]
        done = 0
        for chunk in _chunks(pairs, UPDATE_CHUNK):
            for table in (_visits, _events):
                conn.execute(
                    update(table).where(table.c.client_ref == bindparam("old_ref"))
                    .values(client_ref=bindparam("new_ref")),
                    chunk,
                )
            done += len(chunk)
            if on_progress:
                on_progress(done, len(pairs))
        result.visits = conn.execute(select(func.count()).select_from(_visits)).scalar_one()
        result.client_events = conn.execute(select(func.count()).select_from(_events)).scalar_one()
        staff_rows = [(i, refs) for i, refs in conn.execute(select(_staff.c.id, _staff.c.relative_of_client_refs))
                      if refs]
        for staff_id, refs in staff_rows:
            # Sorted as the import writes them, so importing the staff list again changes nothing.
            conn.execute(update(_staff).where(_staff.c.id == staff_id)
                         .values(relative_of_client_refs=sorted({renamed[r] for r in refs})))
        result.staff = len(staff_rows)
        registry_rows = [row for row in conn.execute(select(_registry.c.id, _registry.c.board_refs,
                                                            _registry.c.signatory_refs))
                         if row.board_refs or row.signatory_refs]
        for row in registry_rows:
            conn.execute(update(_registry).where(_registry.c.id == row.id).values(
                board_refs=sorted({renamed[r] for r in row.board_refs or ()}),
                signatory_refs=sorted({renamed[r] for r in row.signatory_refs or ()})))
        result.registry_snapshots = len(registry_rows)
        replace_key_check(conn, new.key_check)
    logger.info("Rotated pseudonym key pseudonyms=%d visits=%d client_events=%d staff=%d",
                result.pseudonyms, result.visits, result.client_events, result.staff)
    return result


def _chunks(items: list[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
