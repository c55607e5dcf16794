"""A staff id's visits in time order, shared by the detectors that follow one person through a day.

The evidence frame is sorted by (staff_key, registered_start); these helpers keep to that
order and look back along it without pairing every visit with every other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sequence_frame(visits: pd.DataFrame) -> pd.DataFrame:
    """The visits with both registered instants, ordered by staff id and start, index 0..n-1."""
    usable = np.isfinite(visits["registered_start"].to_numpy()) & np.isfinite(visits["registered_end"].to_numpy())
    frame = visits if usable.all() else visits[usable]
    keys = frame["staff_key"].to_numpy()
    starts = frame["registered_start"].to_numpy()
    ordered = len(frame) < 2 or bool(
        np.all((keys[1:] > keys[:-1]) | ((keys[1:] == keys[:-1]) & (starts[1:] >= starts[:-1])))
    )
    if not ordered:  # the evidence frame is sorted; a scoped copy should be too, but make sure
        frame = frame.sort_values(["staff_key", "registered_start", "visit_id"], kind="stable")
    return frame.reset_index(drop=True)


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
