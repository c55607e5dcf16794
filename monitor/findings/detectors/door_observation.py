"""door_observation_mismatch: visits registered at an address while observers watching its
entrance saw no staff.

The strongest evidence the team has (category plan 5.1.4). A visit is contradicted when its
registered start or end falls inside the observation window, since someone would then have
been seen arriving or leaving. A visit that began before the watch and ended after it is not
contradicted: the carer was inside all along.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from monitor.addresses import haversine_m_array
from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext

KIND = "door_observation_mismatch"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("address_key", "latitude", "longitude")
PERIOD = None  # one finding per observation window
# An observer saw no staff at the door while visits were registered there: the visit did not happen as registered.
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "{visits} besök registrerade under en portobservation ({minutes} min) där ingen personal sågs",
        f"{KIND}:many": "{visits} besök registrerade under {findings:portobservation|portobservationer} där "
                        "ingen personal sågs",
    },
    "en": {
        KIND: "{visits:visit|visits} registered during a door observation ({minutes} min) in which no staff were seen",
        f"{KIND}:many": "{visits:visit|visits} registered during {findings:door observation|door observations} "
                        "in which no staff were seen",
    },
}


class Params(BaseModel):
    # strict: YAML `yes` must not quietly become a distance of 1 m.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_distance_m: float = Field(
        40.0, ge=0, description="Visits within this distance of the observed entrance count."
    )
    edge_margin_minutes: float = Field(
        2.0, ge=0, description="A start or end this close to the window's edges may have been missed."
    )
    max_visit_hours: float = Field(
        24.0, gt=0, description="Longest visit considered; bounds the search window."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    # In time order, so a visit seen by two overlapping watches counts once, for the first.
    observations = ctx.evidence.observations
    visits = ctx.visits()
    if not observations or visits.empty:
        return []
    starts = visits["registered_start"].to_numpy(dtype="float64")
    order = np.argsort(starts, kind="stable")
    by_start = starts[order]
    ends = visits["registered_end"].to_numpy(dtype="float64")
    keys = visits["address_key"].to_numpy(dtype=object)
    supplier_ids = visits["supplier_id"].to_numpy()
    lat, lon = visits["latitude"].to_numpy(dtype="float64"), visits["longitude"].to_numpy(dtype="float64")
    margin, longest = params.edge_margin_minutes * 60, params.max_visit_hours * 3600
    counted = np.zeros(len(visits), dtype=bool)
    hits: dict[tuple[int, str], np.ndarray] = {}
    windows = {}
    for obs in observations:
        watch_from, watch_to = obs.observed_from.timestamp(), obs.observed_to.timestamp()
        # Visits by start time: only those that began at most max_visit_hours before the watch.
        first = np.searchsorted(by_start, watch_from - longest, "left")
        rows = order[first:np.searchsorted(by_start, watch_to, "right")]
        rows = rows[(ends[rows] >= watch_from) & ~counted[rows]]
        near = keys[rows] == obs.address_key
        if obs.latitude is not None and params.max_distance_m > 0:
            metres = haversine_m_array(obs.latitude, obs.longitude, lat[rows], lon[rows])
            near |= metres <= params.max_distance_m  # NaN (no coordinates) compares False
        rows = rows[near]
        inner_from, inner_to = watch_from + margin, watch_to - margin
        seen = ((inner_from <= starts[rows]) & (starts[rows] <= inner_to)) | (
            (inner_from <= ends[rows]) & (ends[rows] <= inner_to)
        )
        rows = rows[seen]
        counted[rows] = True
        suppliers = supplier_ids[rows]
        for supplier_id in np.unique(suppliers):
            hits[(int(supplier_id), obs.observation_id)] = rows[suppliers == supplier_id]
        windows[obs.observation_id] = (obs.observed_from, obs.observed_to)
    drafts = []
    for (supplier_id, observation_id), rows in sorted(hits.items()):
        start, end = windows[observation_id]
        drafts.append(
            FindingDraft(
                supplier_id=supplier_id,
                period_start=start,
                period_end=end,
                strength=float(len(rows)),
                detail={
                    "key": KIND,
                    "args": {"visits": len(rows), "minutes": round((end - start).total_seconds() / 60)},
                },
                evidence={
                    "observation_ids": [observation_id],
                    "visit_ids": evidence_ids(visits["visit_id"].to_numpy()[rows]),
                    "staff_ids": evidence_ids(visits["staff_id"].to_numpy()[rows]),
                },
            )
        )
    return drafts
