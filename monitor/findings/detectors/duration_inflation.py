"""duration_inflation: suppliers whose visits are registered as much longer than planned.

Home care is often paid by registered time, so stretching every visit by a quarter is money.
The median ratio registered/planned per supplier and period is used, not the mean: a few
genuinely long visits (a fall, waiting for the ambulance) move a mean but not the median.
Visits without planned times, or planned shorter than a minute, are left out: the same ratios
as the `median_duration_ratio` metric's (monitor.findings.visit_signs.duration_ratios).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids, with_period
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds
from monitor.findings.visit_signs import duration_ratios, registered_and_planned_minutes

KIND = "duration_inflation"
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "Registrerad tid är i median {median_pct} % av den planerade över {total} besök "
              "(gräns {threshold_pct} %); {visits} besök ({over_pct} %) över gränsen, "
              "sammanlagt {extra_minutes} min mer än planerat",
        f"{KIND}:many": "Registrerad tid är i median upp till {median_pct} % av den planerade "
                        "(gräns {threshold_pct} %); {visits} av {total} besök över gränsen, "
                        "sammanlagt {extra_minutes} min mer än planerat",
    },
    "en": {
        KIND: "Registered time is a median {median_pct}% of the planned time over {total:visit|visits} "
              "(threshold {threshold_pct}%); {visits:visit|visits} ({over_pct}%) over the threshold, "
              "{extra_minutes} min more than planned in all",
        f"{KIND}:many": "Registered time is a median of up to {median_pct}% of the planned time "
                        "(threshold {threshold_pct}%); {visits} of {total:visit|visits} over the threshold, "
                        "{extra_minutes} min more than planned in all",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_median_ratio: float = Field(
        1.25, gt=0, description="Flag when the median of registered/planned minutes is above this."
    )
    min_visits: int = Field(30, ge=1, description="Visits planned at least a minute a supplier needs in a period.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    ratio = duration_ratios(visits)
    eligible = np.isfinite(ratio)
    if not eligible.any():
        return []
    registered, planned = registered_and_planned_minutes(visits)
    frame = with_period(visits.loc[eligible, ["visit_id", "staff_id", "supplier_id", "registered_start"]],
                        ctx.period)
    frame["ratio"] = ratio[eligible]
    frame["extra"] = registered[eligible] - planned[eligible]
    frame["over"] = frame["ratio"] > params.max_median_ratio
    groups = frame.groupby(["supplier_id", "period_key"], sort=True)
    stats = groups.agg(total=("ratio", "size"), median=("ratio", "median"), over=("over", "sum"),
                       extra=("extra", "sum"))
    flagged = stats[(stats["total"] >= params.min_visits) & (stats["median"] > params.max_median_ratio)]
    drafts = []
    for (supplier_id, key), row in flagged.iterrows():
        group = frame.iloc[groups.indices[(supplier_id, key)]]
        over = group[group["over"]]
        start, end = period_bounds(key, ctx.period)
        args = {
            "visits": int(row["over"]),
            "total": int(row["total"]),
            "median_ratio": round(float(row["median"]), 2),
            "threshold_ratio": params.max_median_ratio,
            # Messages show percentages: one decimal of a ratio would turn 1.25 into 1.2.
            "median_pct": round(100 * float(row["median"]), 1),
            "threshold_pct": round(100 * params.max_median_ratio, 1),
            "over_pct": round(100 * float(row["over"]) / float(row["total"]), 1),
            "extra_minutes": max(0, round(float(row["extra"]))),
        }
        drafts.append(FindingDraft(
            supplier_id=int(supplier_id),
            period_start=start,
            period_end=end,
            strength=float(row["median"]) / params.max_median_ratio,
            detail={"key": KIND, "args": args},
            evidence={"visit_ids": evidence_ids(over["visit_id"]), "staff_ids": evidence_ids(over["staff_id"])},
        ))
    return drafts
