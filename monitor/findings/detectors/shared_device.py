"""shared_device: one device registering visits for several staff ids within a short time.

A carer's phone or NFC reader registers that carer's visits. When one device registers
visits for two staff ids within `window_minutes` (end of one visit to start of the next, so
simultaneous use counts), one person is likely registering for others, or the ids are a
front for visits nobody made (category plan: "delade inloggningar").

Left alone: visits without a device id (exports may lack the column); one carer on one
device all day; a shared tablet used by different staff on different days; double staffing
where each carer registers on their own phone. Devices are counted per supplier.

Strength is the number of such pairs of visits, each dated by the later one's start. A
device's visits are taken in (start, end, visit_id) order, so the pairs do not depend on the
order the database returns rows in. The visits a visit pairs with come after it up to its
end plus the window: a contiguous range, found by one binary search (O(n log n + pairs)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.sequences import range_pairs, reach_until, time_order

KIND = "shared_device"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("staff_key", "device_id")
PERIOD = "week"
# One phone registering for two staff ids: the registrations were not made by who they name.
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "{devices:enhet|enheter} registrerade besök åt olika personal med högst {threshold_minutes} min emellan "
              "({staff:anställd|anställda}, {visits} besök)",
        f"{KIND}:many": "{devices:enhet|enheter} under {findings:period|perioder} registrerade besök åt olika "
                        "personal med högst "
                        "{threshold_minutes} min emellan ({visits} besök)",
    },
    "en": {
        KIND: "{devices:device|devices} registered visits for different staff at most {threshold_minutes} min apart "
              "({staff:staff member|staff}, {visits:visit|visits})",
        f"{KIND}:many": "{devices:device|devices} in {findings:period|periods} registered visits for different "
                        "staff at most "
                        "{threshold_minutes} min apart ({visits:visit|visits})",
    },
}
EVIDENCE = {"device_ids": "device_id", "staff_ids": "staff_id", "visit_ids": "visit_id"}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    window_minutes: float = Field(
        60.0, ge=0, description="Visits of two staff ids on one device at most this far apart (minutes) count."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    codes, devices = pd.factorize(visits["device_id"])
    blank = np.flatnonzero(pd.Index(devices).astype(str).str.strip() == "")
    usable = (
        (codes >= 0) & ~np.isin(codes, blank)
        & np.isfinite(visits["registered_start"].to_numpy()) & np.isfinite(visits["registered_end"].to_numpy())
    )
    rows = np.flatnonzero(usable)
    if rows.size < 2:
        return []
    # A device is a device id within one supplier; its visits in time order.
    device_key = visits["supplier_id"].to_numpy()[rows].astype(np.int64) * (len(devices) + 1) + codes[rows]
    starts, ends = visits["registered_start"].to_numpy()[rows], visits["registered_end"].to_numpy()[rows]
    order = time_order(device_key, starts, ends, visits["visit_id"].iloc[rows])
    rows, keys, starts, ends = rows[order], device_key[order], starts[order], ends[order]
    staff = visits["staff_key"].to_numpy()[rows]
    earlier, later = range_pairs(reach_until(keys, starts, ends + params.window_minutes * 60))
    other = staff[earlier] != staff[later]
    found = np.column_stack([earlier[other], later[other]])
    if found.size == 0:
        return []
    pair = np.arange(len(found))
    sides = rows[np.concatenate([found[:, 0], found[:, 1]])]
    hits = pd.DataFrame({
        "pair": np.concatenate([pair, pair]),
        **{column: visits[column].to_numpy()[sides] for column in ("supplier_id", "device_id", "visit_id", "staff_id")},
        "at": np.concatenate([starts[found[:, 1]], starts[found[:, 1]]]),
    })

    def args(group: pd.DataFrame) -> dict[str, float | int]:
        return {
            "devices": int(group["device_id"].nunique()),
            "staff": int(group["staff_id"].nunique()),
            "visits": int(group["visit_id"].nunique()),
            "threshold_minutes": params.window_minutes,
        }

    return group_drafts(hits, ctx.period, KIND, args, strength=lambda g: g["pair"].nunique(), at="at",
                        evidence=EVIDENCE)
