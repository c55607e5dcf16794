"""Column-wise parsing helpers for a batch of rows: each distinct value parsed once.

An export repeats the same supplier, staff, client, address, method and minute thousands of
times, so a batch is parsed one column at a time over its distinct values, and rows take their
values by look-up. A parser here never explains a problem: a value it cannot vouch for marks
its row, and the row is parsed again on its own by the kind's row parser, whose errors (line,
column, reason) are the ones reported. So the fast path and the row path cannot disagree on
what is wrong, only on how fast they find out that something is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# A value the fast path cannot vouch for; its row goes through the row parser.
UNSURE: Any = object()


@dataclass
class ParsedColumns:
    """A batch's records as columns, in stored form, and which rows the row parser must redo."""

    size: int
    columns: dict[str, list[Any]] = field(default_factory=dict)
    unsure: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.unsure = np.zeros(self.size, dtype=bool)

    def mark(self, rows: np.ndarray) -> None:
        self.unsure |= rows


# Distinct values remembered between batches per column; a column past this many starts afresh,
# so a file of ever-new values (visit ids, instants of a long history) keeps memory flat.
MEMO_LIMIT = 500_000


class Memo(dict[str, Any]):
    """Distinct values parsed so far in one import, and which of them are unsure. A value not
    seen yet is parsed by `parse` as it is looked up, so a batch's rows take their values in one
    pass and only the new values cost a Python call."""

    def __init__(self) -> None:
        super().__init__()
        self.unsure: set[str] = set()
        self.parse: Callable[[str], Any] = _unset

    def clear(self) -> None:
        super().clear()
        self.unsure.clear()

    def __missing__(self, value: str) -> Any:
        try:
            result = self.parse(value)
        except Exception:
            # Any exception: the row parser repeats the call and reports it the way it always has.
            result = UNSURE
        self[value] = result
        if result is UNSURE:
            self.unsure.add(value)
        return result

    def lookup(self, values: Sequence[str], parse: Callable[[str], Any], parsed: ParsedColumns) -> list[Any]:
        """Each value's parse; rows whose value is unsure are marked."""
        if len(self) > MEMO_LIMIT:
            self.clear()
        self.parse = parse
        out = list(map(self.__getitem__, values))
        # In a clean file nothing is unsure and this costs nothing.
        if self.unsure and not self.unsure.isdisjoint(values):
            parsed.mark(np.fromiter((v is UNSURE for v in out), dtype=bool, count=len(out)))
        return out


def _unset(value: str) -> Any:
    raise AssertionError("Memo.parse is set by Memo.lookup")


def by_value(
    values: Sequence[str], parse: Callable[[str], Any], parsed: ParsedColumns, memo: Memo | None = None,
) -> list[Any]:
    """`parse` applied to each distinct value once (once per import with `memo`); a value it
    raises on, or returns UNSURE for, marks its rows unsure."""
    return (Memo() if memo is None else memo).lookup(values, parse, parsed)


def stripped_required(values: Sequence[str], parsed: ParsedColumns) -> list[str]:
    """Values with the ends trimmed; an empty one marks its row (the row parser says "missing")."""
    out = list(map(str.strip, values))
    if not all(out):
        parsed.mark(np.fromiter((not v for v in out), dtype=bool, count=len(out)))
    return out
