"""A staff id's visits in time order, shared by the detectors that follow one person through a day.

The evidence frame is sorted by staff and registered_start; these helpers keep to that order,
break ties the same way whatever order the database returned the rows in, and look back
along it without pairing every visit with every other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _runs(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2... per run of equal consecutive values."""
    change = np.ones(len(groups), dtype=bool)
    change[1:] = groups[1:] != groups[:-1]
    return np.cumsum(change) - 1


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def break_ties(order: np.ndarray, groups: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               visit_ids: np.ndarray | pd.Series) -> np.ndarray:
    """`order` (rows sorted by group and start, a missing start last) with rows of equal group and
    start (two missing starts are equal) put in (end, visit_id) order, a missing end last, so the
    result does not depend on how the rows arrived."""
    g, s = groups[order], starts[order]
    tied = (g[1:] == g[:-1]) & _same(s[1:], s[:-1])
    if not tied.any():
        return order
    members = np.zeros(len(order), dtype=bool)
    members[1:] |= tied
    members[:-1] |= tied
    at = np.flatnonzero(members)
    block = np.cumsum(np.concatenate([[True], ~tied]))[at]  # one number per tied block
    ids = np.asarray(visit_ids, dtype=object)[order[at]].astype(str)
    sub = pd.DataFrame({"b": block, "e": ends[order[at]], "v": ids})
    order = order.copy()
    # The blocks keep their places; only the rows inside a block change places.
    order[at] = order[at][sub.sort_values(["b", "e", "v"], kind="stable").index.to_numpy()]
    return order


def time_order(groups: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               visit_ids: np.ndarray | pd.Series) -> np.ndarray:
    """Row positions in (group, start, end, visit_id) order, a missing start or end after the
    known ones: the one order every part of the pipeline walks a staff id's (or a device's) visits in."""
    return break_ties(np.lexsort((starts, groups)), groups, starts, ends, visit_ids)


def sequence_frame(visits: pd.DataFrame) -> pd.DataFrame:
    """The visits with both registered instants, each staff id's rows together in
    (start, end, visit_id) order, index 0..n-1."""
    usable = np.isfinite(visits["registered_start"].to_numpy()) & np.isfinite(visits["registered_end"].to_numpy())
    frame = visits if usable.all() else visits[usable]
    keys = frame["staff_key"].to_numpy()
    starts = frame["registered_start"].to_numpy()
    runs = _runs(keys)
    grouped = len(frame) < 2 or (
        runs[-1] + 1 == len(pd.unique(keys)) and bool(np.all((runs[1:] != runs[:-1]) | (starts[1:] >= starts[:-1])))
    )
    # The evidence frame is grouped and sorted; a scoped copy should be too, but make sure.
    ends, visit_ids = frame["registered_end"].to_numpy(), frame["visit_id"]
    order = break_ties(np.arange(len(frame)), keys, starts, ends, visit_ids) if grouped else time_order(
        keys, starts, ends, visit_ids)
    if not np.array_equal(order, np.arange(len(frame))):
        frame = frame.iloc[order]
    return frame.reset_index(drop=True)


def reach_until(groups: np.ndarray, starts: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """For rows sorted by (group, start): one past the last row of the same group whose start is
    at most the row's bound (to the millisecond), and never before the next row.

    The later rows a row can pair with are then a contiguous range, so pairs are listed in
    O(n log n + pairs): one binary search over (group, start) as a single int64 key.
    """
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    runs = _runs(groups)
    ms = np.rint(starts * 1000).astype(np.int64)
    base = int(ms.min())
    relative = ms - base
    span = int(relative.max()) + 2
    wanted = np.clip(np.floor(bounds * 1000 + 0.5) - base, -1, span - 1).astype(np.int64)
    composite = runs * span + relative
    upper = np.searchsorted(composite, runs * span + wanted, side="right")
    return np.maximum(upper, np.arange(1, n + 1))


def range_pairs(upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(earlier, later) positions: each row with every row after it up to `upper` (exclusive)."""
    n = len(upper)
    counts = upper - np.arange(1, n + 1)
    earlier = np.repeat(np.arange(n), counts)
    offsets = np.arange(earlier.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return earlier, earlier + 1 + offsets


def previous_reach(keys: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by (key, start): the latest end among the same key's earlier rows and the
    position of the row that holds it (NaN and -1 for a key's first row).

    One pass: a grouped running maximum, and the last row that raised it.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    reach = pd.Series(ends).groupby(keys, sort=False).cummax().to_numpy()
    raised = np.where(ends >= reach, np.arange(n), -1)
    # A key's first row always raises its maximum, so the holder never leaks across keys.
    holder = np.maximum.accumulate(raised)
    first = np.ones(n, dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    prev_reach = np.empty(n)
    prev_reach[0] = np.nan
    prev_reach[1:] = reach[:-1]
    prev_holder = np.empty(n, dtype=np.int64)
    prev_holder[0] = -1
    prev_holder[1:] = holder[:-1]
    prev_reach[first] = np.nan
    prev_holder[first] = -1
    return prev_reach, prev_holder
