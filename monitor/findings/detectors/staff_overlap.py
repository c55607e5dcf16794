"""staff_overlap: one staff id registered with two clients at the same time.

A carer cannot be in two homes at once, so overlapping registrations at different clients
point to visits that did not happen as registered (or to an id used by several people).
Look-alikes that are left alone: two carers with one client at once (double staffing,
"dubbelbemanning") are two staff ids; one carer with an elderly couple is two clients behind
one street door, so visits at the same address key are skipped; back-to-back visits only
touch; an overlap shorter than `min_overlap_minutes` is a clock or registration slip.

Every overlapping pair is counted, dated by the later start. The visits a visit can overlap
by the minimum are those of the same staff id starting from it up to its end less the
minimum, a contiguous range in the staff id's start order: one binary search per visit, then
the pairs themselves (O(n log n + pairs)), never all pairs of visits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.sequences import range_pairs, reach_until, sequence_frame

KIND = "staff_overlap"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("staff_key", "client_key", "address_code")
PERIOD = "week"
# One person cannot be at two clients at once: at least one registration is not what happened.
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "{overlaps:tillfälle|tillfällen} där samma personal var registrerad hos två brukare samtidigt i minst "
              "{threshold_minutes} min ({staff:anställd|anställda}, {minutes} min sammanlagt)",
        f"{KIND}:many": "{overlaps:tillfälle|tillfällen} under {findings:period|perioder} där samma personal "
                        "var registrerad hos "
                        "två brukare samtidigt i minst {threshold_minutes} min ({minutes} min sammanlagt)",
    },
    "en": {
        KIND: "{overlaps:time|times} the same staff member was registered with two clients at once for at least "
              "{threshold_minutes} min ({staff:staff member|staff}, {minutes} min in total)",
        f"{KIND}:many": "{overlaps:time|times} in {findings:period|periods} the same staff member was "
                        "registered with two "
                        "clients at once for at least {threshold_minutes} min ({minutes} min in total)",
    },
}
# Instants are rounded to the millisecond; compare with a margin below that.
_EPSILON_S = 1e-4


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_overlap_minutes: float = Field(
        10.0, gt=0, description="Shortest overlap of two visits at different clients that counts."
    )


def overlap_pairs(frame: pd.DataFrame, min_overlap_s: float) -> pd.DataFrame:
    """Pairs (earlier, later) of row positions of one staff id at different clients and addresses
    overlapping by at least `min_overlap_s` seconds, with the overlap in seconds."""
    keys = frame["staff_key"].to_numpy()
    starts = frame["registered_start"].to_numpy()
    ends = frame["registered_end"].to_numpy()
    # client_key and address_code are the loader's ints; factorising strings again costs a third of the run.
    clients, addresses = frame["client_key"].to_numpy(), frame["address_code"].to_numpy()
    # A later visit overlaps by the minimum only if it starts at least that long before the end.
    earlier, later = range_pairs(reach_until(keys, starts, ends - min_overlap_s))
    overlap = np.minimum(ends[earlier], ends[later]) - starts[later]
    keep = (
        (overlap >= min_overlap_s - _EPSILON_S)
        & (clients[earlier] != clients[later])
        & (addresses[earlier] != addresses[later])
    )
    return pd.DataFrame({"earlier": earlier[keep], "later": later[keep], "seconds": overlap[keep]})


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    frame = ctx.derived("sequence", sequence_frame)
    pairs = overlap_pairs(frame, params.min_overlap_minutes * 60)
    if pairs.empty:
        return []
    pairs["pair"] = np.arange(len(pairs))
    # Both visits of a pair, dated by the later start (when the overlap began).
    hits = pd.concat(
        [
            pd.DataFrame({
                "pair": pairs["pair"],
                "seconds": pairs["seconds"],
                "supplier_id": frame["supplier_id"].to_numpy()[pairs[side]],
                "visit_id": frame["visit_id"].to_numpy()[pairs[side]],
                "staff_id": frame["staff_id"].to_numpy()[pairs[side]],
                "at": frame["registered_start"].to_numpy()[pairs["later"]],
            })
            for side in ("earlier", "later")
        ],
        ignore_index=True,
    )

    def args(group: pd.DataFrame) -> dict[str, float | int]:
        per_pair = group.drop_duplicates("pair")
        return {
            "overlaps": len(per_pair),
            "staff": int(group["staff_id"].nunique()),
            "minutes": round(float(per_pair["seconds"].sum()) / 60),
            "threshold_minutes": params.min_overlap_minutes,
        }

    return group_drafts(hits, ctx.period, KIND, args, strength=lambda g: g["pair"].nunique(), at="at")
