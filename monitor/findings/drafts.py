"""Turning a detector's hits (rows of a frame) into findings: one per supplier and period.

Event detectors (two places at once, a visit during a hospital stay) mark rows; share
detectors (manual registrations, exact-to-plan times) compare a share per supplier-period
with a threshold. Both become FindingDrafts here, so every detector words its evidence the
same way: sorted ids, at most EVIDENCE_LIMIT of each, with the full counts in the detail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from monitor.findings.detectors import FindingDraft
from monitor.findings.periods import Period, period_bounds, period_keys

# A finding lists at most this many ids per kind of evidence; its detail has the totals.
EVIDENCE_LIMIT = 200
DEFAULT_EVIDENCE = {"visit_ids": "visit_id", "staff_ids": "staff_id"}


def evidence_ids(values: Any, limit: int = EVIDENCE_LIMIT) -> list[str]:
    """Distinct ids as sorted strings, at most `limit` (deterministic, so fingerprints are)."""
    unique = pd.unique(pd.Series(values).dropna().astype(str))
    return sorted(unique.tolist())[:limit]


def with_period(frame: pd.DataFrame, period: Period, at: str = "registered_start") -> pd.DataFrame:
    """The frame with a `period_key` column: the local day number of each row's period."""
    # assign copies lazily (copy-on-write): the caller's frame is never changed, and a million
    # visits are not copied only to add one column.
    return frame.assign(period_key=period_keys(frame[at].to_numpy(dtype="float64"), period))


def group_drafts(
    hits: pd.DataFrame,
    period: Period,
    kind: str,
    args: Callable[[pd.DataFrame], dict[str, Any]],
    strength: Callable[[pd.DataFrame], float] = len,
    at: str = "registered_start",
    evidence: Mapping[str, str] = DEFAULT_EVIDENCE,
) -> list[FindingDraft]:
    """One finding per supplier and period over the hit rows.

    `args(group)` gives the numbers the message shows; `strength(group)` how strong the
    finding is (by default the number of hits); `evidence` maps evidence names to columns.
    """
    if hits.empty:
        return []
    hits = with_period(hits, period, at)
    drafts = []
    for (supplier_id, key), group in hits.groupby(["supplier_id", "period_key"], sort=True):
        start, end = period_bounds(key, period)
        drafts.append(
            FindingDraft(
                supplier_id=int(supplier_id),
                period_start=start,
                period_end=end,
                strength=float(strength(group)),
                detail={"key": kind, "args": args(group)},
                evidence={name: evidence_ids(group[column]) for name, column in evidence.items()},
            )
        )
    return drafts


def share_drafts(
    visits: pd.DataFrame,
    mask: np.ndarray,
    period: Period,
    kind: str,
    max_share: float,
    min_visits: int,
    eligible: np.ndarray | None = None,
    at: str = "registered_start",
    extra_args: Callable[[pd.DataFrame, pd.DataFrame], dict[str, Any]] | None = None,
) -> list[FindingDraft]:
    """Findings where the share of `mask` rows among a supplier-period's eligible visits
    reaches `max_share`, with at least `min_visits` eligible visits (min support).

    Detail args: `visits` (matching), `total` (eligible), `share_pct`, `threshold_pct`.
    Strength is how far past the threshold: share / max_share (at least 1).
    """
    # Only the columns read below: the frame may be a million visits wide with every column.
    visits = visits[list(dict.fromkeys(["visit_id", "staff_id", "supplier_id", at]))]
    if eligible is not None:
        visits, mask = visits[eligible], np.asarray(mask)[eligible]
    if visits.empty:
        return []
    frame = with_period(visits, period, at).assign(_hit=np.asarray(mask, dtype=bool))
    grouped = frame.groupby(["supplier_id", "period_key"], sort=True)
    stats = grouped["_hit"].agg(["sum", "count"])
    stats["share"] = stats["sum"] / stats["count"]
    flagged = stats[(stats["count"] >= min_visits) & (stats["share"] >= max_share) & (stats["sum"] > 0)]
    # Each group's row positions in frame order, from one pass rather than a mask per group.
    rows = grouped.indices if len(flagged) else {}
    drafts = []
    for (supplier_id, key), row in flagged.iterrows():
        group = frame.iloc[rows[(supplier_id, key)]]
        matching = group[group["_hit"]]
        start, end = period_bounds(key, period)
        args = {
            "visits": int(row["sum"]),
            "total": int(row["count"]),
            "share_pct": round(100 * float(row["share"]), 1),
            "threshold_pct": round(100 * max_share, 1),
        }
        if extra_args is not None:
            args.update(extra_args(matching, group))
        drafts.append(
            FindingDraft(
                supplier_id=int(supplier_id),
                period_start=start,
                period_end=end,
                strength=max(1.0, float(row["share"]) / max_share) if max_share > 0 else float(row["sum"]),
                detail={"key": kind, "args": args},
                evidence={
                    "visit_ids": evidence_ids(matching["visit_id"]),
                    "staff_ids": evidence_ids(matching["staff_id"]),
                },
            )
        )
    return drafts
