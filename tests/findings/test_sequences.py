"""The one order a staff id's (or a device's) visits are walked in, whatever order the rows arrived in."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.findings.sequences import time_order


def _random_rows(seed: int, count: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Few groups and few distinct instants, so ties on start and on end are common; some missing."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 3, count)
    starts = rng.choice([0.0, 600.0, 1200.0, np.nan], count)
    ends = starts + rng.choice([0.0, 300.0, np.nan], count)
    ids = np.array([f"V{n}" for n in rng.permutation(count)], dtype=object)
    return groups, starts, ends, ids


def _by_hand(groups, starts, ends, ids) -> list[str]:
    def key(row: int) -> tuple:
        return (groups[row], np.isnan(starts[row]), np.nan_to_num(starts[row]), np.isnan(ends[row]),
                np.nan_to_num(ends[row]), ids[row])

    return [ids[row] for row in sorted(range(len(ids)), key=key)]


@pytest.mark.parametrize("seed", range(20))
def test_it_orders_visits_by_group_start_end_and_id_whatever_order_they_arrive_in(seed):
    groups, starts, ends, ids = _random_rows(seed)
    expected = _by_hand(groups, starts, ends, ids)
    shuffled = np.random.default_rng(seed + 1000).permutation(len(ids))
    for rows in (np.arange(len(ids)), shuffled, shuffled[::-1]):
        order = time_order(groups[rows], starts[rows], ends[rows], ids[rows])
        assert list(ids[rows][order]) == expected
