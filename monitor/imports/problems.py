"""What is wrong with a row, told without personal data, and the file of rejected rows.

Every row error passes through `rejected_row`: a value read from a client-id column is never
repeated (`<client id>`, also when a shifted row put it in another column), and anything shaped
like a personnummer or samordningsnummer is masked (`19350218-****`). The rejected-rows file
must hold the original rows, so they can be fixed and imported again: it is created readable by
its owner only (0600) and the import summary says it holds personal data.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from monitor.csvoutput import CsvWriter

# Board members and signatories (registry imports) are people too: their ids are never repeated.
CLIENT_ID_COLUMNS = frozenset({"client_id", "relative_of_client_ids", "board_members", "signatories"})
CLIENT_ID_SHOWN = "<client id>"
REJECTED_SUFFIX = ".rejected.csv"
REJECTED_COLUMNS = ("line", "column", "reason")

# YYYYMMDD or YYMMDD, optional - or +, four digits; month 01-12 and day 01-31 or 61-91
# (samordningsnummer). Org numbers have a "month" of 20 or more and stay readable.
_PERSONAL_NUMBER = re.compile(
    r"(?<!\d)((?:18|19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])[-+]?)\d{4}(?!\d)"
)
# Short ids ("1", "A") would blank out every digit of a message; such an id says nothing either.
_SHORTEST_HIDDEN_ID = 3


def mask_personal_numbers(text: str) -> str:
    return _PERSONAL_NUMBER.sub(lambda m: m.group(1) + "****", text)


@dataclass
class RejectedRow:
    line: int
    errors: list[tuple[str, str]]  # (our column name or "" for the whole row, reason)
    labels: Mapping[str, str] = field(default_factory=dict)  # our column -> "Besöks-ID (visit_id)"

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    def describe(self) -> str:
        return "; ".join(f"column {self.label(c)}: {r}" if c else r for c, r in self.errors)


def column_labels(header: list[str], positions: Mapping[str, int]) -> dict[str, str]:
    """Our column -> how to name it to the user: the file's header beside ours when they differ."""
    labels = {}
    for column, index in positions.items():
        theirs = header[index] if index < len(header) else column
        labels[column] = column if theirs == column else f"{theirs} ({column})"
    return labels


def rejected_row(
    line: int, errors: Iterable[tuple[str, str]], values: Mapping[str, str], labels: Mapping[str, str]
) -> RejectedRow:
    """The row's problems with client ids and personnummer taken out of every reason."""
    hidden = _client_ids(values)
    return RejectedRow(line, [(c, _without_personal_data(r, hidden)) for c, r in errors], labels)


def _client_ids(values: Mapping[str, str]) -> list[str]:
    ids = set()
    for column in CLIENT_ID_COLUMNS & values.keys():
        text = values[column]
        ids.add(text.strip())
        ids.update(part.strip() for part in re.split(r"[;|]", text))
    # Longest first: an id inside another is replaced after it.
    return sorted((i for i in ids if len(i) >= _SHORTEST_HIDDEN_ID), key=len, reverse=True)


def _without_personal_data(reason: str, client_ids: list[str]) -> str:
    for client_id in client_ids:
        reason = reason.replace(client_id, CLIENT_ID_SHOWN)
    return mask_personal_numbers(reason)


def rejected_path(source: Path) -> Path:
    """`visits.csv` -> `visits.csv.rejected.csv`; a rejected file imported again keeps its name."""
    if source.name.endswith(REJECTED_SUFFIX):
        return source
    return source.with_name(source.name + REJECTED_SUFFIX)


class RejectedFile:
    """`<file>.rejected.csv`: line, column, reason, then the original row as read.

    Written to a private temporary file beside it and moved into place when the import has
    read the whole file, so a rejected file being imported again is never truncated while it
    is read, and a failed import leaves the earlier list as it was."""

    def __init__(self, source: Path, delimiter: str, header: list[str]) -> None:
        self.source = source
        self.path = rejected_path(source)
        self._delimiter = delimiter
        self._header = header
        self._temp: Path | None = None
        self._file: IO[str] | None = None
        self._writer: CsvWriter | None = None

    def write(self, rejected: RejectedRow, fields: list[str]) -> None:
        if self._writer is None:
            self._file = self._open_private()
            # Excel's "CSV UTF-8" has a byte order mark; the file comes back through our reader.
            self._writer = CsvWriter(self._file, delimiter=self._delimiter, reversible=True, bom=True)
            self._writer.writerow([*REJECTED_COLUMNS, *self._header])
        columns = "; ".join(rejected.label(c) for c, _ in rejected.errors if c)
        reasons = "; ".join(r for _, r in rejected.errors)
        self._writer.writerow([rejected.line, columns, reasons, *fields])

    def _open_private(self) -> IO[str]:
        # mkstemp creates the file with mode 0600 from the start: no moment when others may read it.
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self._temp = Path(name)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")

    def close(self, completed: bool = True) -> Path | None:
        """Move the list into place; None when no row was rejected (or the import failed)."""
        if self._file is not None and self._temp is not None:
            self._file.close()
            if completed:
                os.replace(self._temp, self.path)
                return self.path
            self._temp.unlink(missing_ok=True)
            return None
        # A stale list from an earlier run would mislead; the file being imported stays.
        if completed and self.path != self.source:
            self.path.unlink(missing_ok=True)
        return None
