"""impossible_travel: a staff id's successive visits too far apart for the time between them.

When the next visit starts a few minutes after the last one ended but kilometres away, the
registrations cannot both be true (category plan: "orimliga förflyttningar"). The speed is
the great-circle distance over the gap, so real roads only make an honest route slower.

Left alone: hops shorter than `min_distance_m` (coordinates of neighbouring doors are noisy
and a gap of a minute is normal there), pairs more than `max_gap_hours` apart (the next
shift), overlapping pairs (staff_overlap's sign, not this one). A gap below one minute counts
as one minute.

Each visit with coordinates is measured from two earlier visits of the same staff id with
coordinates: the one just before it and the one that ends latest (a long visit with short
ones nested inside still has to be left in time for the next). A visit without coordinates
in between is skipped rather than ending the trail: the move around it is at least as fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.addresses import haversine_m_array as haversine_m
from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.sequences import previous_reach, sequence_frame

KIND = "impossible_travel"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("staff_key", "latitude", "longitude")
PERIOD = "week"
# Both registrations cannot be true: nobody drives that fast between two homes.
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "{moves:förflyttning|förflyttningar} mellan besök som skulle kräva mer än {threshold_kmh} km/h "
              "(som mest {max_kmh} km/h, {staff:anställd|anställda})",
        f"{KIND}:many": "{moves:förflyttning|förflyttningar} mellan besök under {findings:period|perioder} som "
                        "skulle kräva mer än "
                        "{threshold_kmh} km/h (som mest {max_kmh} km/h)",
    },
    "en": {
        KIND: "{moves:move|moves} between visits that would need more than {threshold_kmh} km/h "
              "(at most {max_kmh} km/h, {staff:staff member|staff})",
        f"{KIND}:many": "{moves:move|moves} between visits in {findings:period|periods} that would need more than "
                        "{threshold_kmh} km/h (at most {max_kmh} km/h)",
    },
}
_MIN_GAP_S = 60.0


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_kmh: float = Field(80.0, gt=0, description="Highest believable average speed between two visits (km/h).")
    min_distance_m: float = Field(
        1000.0, ge=0, description="Moves shorter than this (metres, straight line) are never flagged."
    )
    max_gap_hours: float = Field(
        12.0, gt=0, description="Visits further apart than this (end to next start) belong to different shifts."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    frame = ctx.derived("sequence", sequence_frame)
    if len(frame) < 2:
        return []
    # Only visits with coordinates take part, so a visit without them is passed over.
    placed = np.flatnonzero(np.isfinite(frame["latitude"].to_numpy()) & np.isfinite(frame["longitude"].to_numpy()))
    keys = frame["staff_key"].to_numpy()[placed]
    lat, lon = frame["latitude"].to_numpy()[placed], frame["longitude"].to_numpy()[placed]
    starts, ends = frame["registered_start"].to_numpy()[placed], frame["registered_end"].to_numpy()[placed]
    # Pair each visit (`later`) with the one before it and with the earlier one ending latest.
    follows = np.flatnonzero(keys[1:] == keys[:-1]) + 1
    _, holder = previous_reach(keys, ends)
    reached = np.flatnonzero((holder >= 0) & (holder != np.arange(len(holder)) - 1))  # not the one just before
    earlier = np.concatenate([follows - 1, holder[reached]])
    later = np.concatenate([follows, reached])
    gap = starts[later] - ends[earlier]
    candidate = (gap >= 0) & (gap <= params.max_gap_hours * 3600)
    later, earlier, gap = later[candidate], earlier[candidate], gap[candidate]
    with np.errstate(invalid="ignore"):
        metres = haversine_m(lat[earlier], lon[earlier], lat[later], lon[later])
        kmh = (metres / 1000) / (np.maximum(gap, _MIN_GAP_S) / 3600)
        flagged = (metres >= params.min_distance_m) & (kmh > params.max_kmh)  # NaN compares False
    later, earlier, kmh = later[flagged], earlier[flagged], kmh[flagged]
    if later.size == 0:
        return []
    move = np.arange(later.size)
    sides = placed[np.concatenate([earlier, later])]
    hits = pd.DataFrame({
        "move": np.concatenate([move, move]),
        "kmh": np.concatenate([kmh, kmh]),
        "supplier_id": frame["supplier_id"].to_numpy()[sides],
        "visit_id": frame["visit_id"].to_numpy()[sides],
        "staff_id": frame["staff_id"].to_numpy()[sides],
        "at": np.concatenate([starts[later], starts[later]]),  # dated by the arrival
    })

    def args(group: pd.DataFrame) -> dict[str, float | int]:
        return {
            "moves": int(group["move"].nunique()),
            "staff": int(group["staff_id"].nunique()),
            "max_kmh": round(float(group["kmh"].max())),
            "threshold_kmh": params.max_kmh,
        }

    return group_drafts(hits, ctx.period, KIND, args, strength=lambda g: g["move"].nunique(), at="at")
