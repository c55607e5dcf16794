"""relative_caregiver: staff employed to care for their own relative ("anhöriganställning")
whose visits run longer than the supplier's other visits, or who carry most of its visits.

Employing a relative is allowed and often good care; the risk is time that is registered
but not given, since nobody else is there to see it. A relative visit is a visit where the
staff member is registered (staff list) as a relative of that visit's client at the same
supplier; the same person's visits to other clients are ordinary visits.

Per supplier and period, the detector compares how long visits run against plan
(registered / planned duration) for relative visits and for the supplier's other visits,
by the ratio of their medians: medians, so that one long visit does not flag anyone, and
against the same supplier's others, so that a supplier that plans tightly is not flagged
for it. A finding needs either relative visits running at least `min_duration_excess`
times longer, or relative visits making up at least `max_share` of all visits (with
`min_visits` visits). Durations are compared only with `min_relative_visits` relative and
`min_other_visits` other visits planned at least a minute: a median of one other visit says
nothing about the supplier. Without them a finding can still come from the share, worded by
the share alone.

Relative visits are the ones the `relative_visit_share` metric counts, and the ratios those
of the duration metrics (monitor.findings.visit_signs: relative_visit_mask, duration_ratios).
A supplier without a staff list has no known relatives: this rule cannot flag it, and the
metric is undefined (NaN) for it rather than 0 %.

The default period is a month: a relative usually has a few visits a day with one or two
clients, so a week holds too few for a stable median, while a month is also how the
municipality pays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds, period_keys
from monitor.findings.visit_signs import duration_ratios, relative_visit_mask

KIND = "relative_caregiver"
PERIOD = "month"
_SHARE = f"{KIND}:share"  # used when no duration ratio can be computed (no other visits, no plans)
MESSAGES = {
    "sv": {
        KIND: "{visits} besök där personalen är anhörig till brukaren ({share_pct} % av besöken); "
              "räknat mot planerad tid var de {duration_ratio} gånger så långa som övriga besök",
        f"{KIND}:many": "{visits} besök där personalen är anhörig till brukaren under {findings:period|perioder} "
                        "(upp till {share_pct} % av besöken); räknat mot planerad tid var de upp till "
                        "{duration_ratio} gånger så långa som övriga besök",
        _SHARE: "{visits} besök där personalen är anhörig till brukaren ({share_pct} % av besöken)",
        f"{_SHARE}:many": "{visits} besök där personalen är anhörig till brukaren under {findings:period|perioder} "
                          "(upp till {share_pct} % av besöken)",
    },
    "en": {
        KIND: "{visits:visit|visits} where the staff member is a relative of the client ({share_pct} % of visits); "
              "against plan they ran {duration_ratio:time|times} as long as other visits",
        f"{KIND}:many": "{visits:visit|visits} where the staff member is a relative of the client in "
                        "{findings:period|periods} "
                        "(up to {share_pct} % of visits); against plan they ran up to {duration_ratio:time|times} "
                        "as long as other visits",
        _SHARE: "{visits:visit|visits} where the staff member is a relative of the client ({share_pct} % of visits)",
        f"{_SHARE}:many": "{visits:visit|visits} where the staff member is a relative of the client in "
                          "{findings:period|periods} (up to {share_pct} % of visits)",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_duration_excess: float = Field(
        1.3, gt=0,
        description="Flag when relative visits' median registered/planned duration is at least this many times "
                    "the median of the supplier's other visits.",
    )
    min_relative_visits: int = Field(
        8, ge=1,
        description="Relative visits planned at least a minute needed in a period before durations are compared.",
    )
    min_other_visits: int = Field(
        8, ge=1,
        description="The supplier's other visits planned at least a minute needed in a period before durations "
                    "are compared.",
    )
    max_share: float = Field(
        0.5, gt=0, le=1, description="Flag when relative visits are at least this share of all visits (0-1)."
    )
    min_visits: int = Field(30, ge=1, description="Visits a supplier needs in a period before the share is judged.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    relative = relative_visit_mask(visits, ctx.evidence.staff)
    if not relative.any():
        return []
    # Only suppliers with a relative visit can be flagged; their others are the comparison.
    keep = visits["supplier_id"].isin(np.unique(visits["supplier_id"].to_numpy()[relative])).to_numpy()
    visits, relative = visits[keep], relative[keep]
    keys = period_keys(visits["registered_start"].to_numpy(dtype="float64"), ctx.period)
    ratio = duration_ratios(visits)
    # A slim frame: copying every visit column of a million rows would cost more than the grouping.
    frame = pd.DataFrame({
        "supplier_id": visits["supplier_id"].to_numpy(), "period_key": keys, "_relative": relative,
        "_ratio_relative": np.where(relative, ratio, np.nan), "_ratio_other": np.where(relative, np.nan, ratio),
    })
    stats = frame.groupby(["supplier_id", "period_key"], sort=True).agg(
        total=("_relative", "size"),
        relative=("_relative", "sum"),
        # "count" counts defined ratios: the visits a median is taken over.
        relative_timed=("_ratio_relative", "count"),
        other_timed=("_ratio_other", "count"),
        median_relative=("_ratio_relative", "median"),
        median_other=("_ratio_other", "median"),
    )
    stats["share"] = stats["relative"] / stats["total"]
    comparable = (stats["relative_timed"] >= params.min_relative_visits) & (
        stats["other_timed"] >= params.min_other_visits)
    # Undefined without enough visits on both sides, so the finding is then worded by the share.
    stats["duration_ratio"] = (stats["median_relative"] / stats["median_other"]).where(comparable)
    longer = stats["duration_ratio"] >= params.min_duration_excess
    most = (stats["total"] >= params.min_visits) & (stats["share"] >= params.max_share)
    flagged = stats[longer | most]
    if flagged.empty:
        return []
    hits = visits[relative].assign(period_key=keys[relative])
    return [
        _draft(supplier_id, key, row, hits, ctx, params)
        for (supplier_id, key), row in flagged.iterrows()
    ]


def _draft(
    supplier_id: int, key: float, row: pd.Series, hits: pd.DataFrame, ctx: RuleContext, params: Params
) -> FindingDraft:
    group = hits[(hits["supplier_id"] == supplier_id) & (hits["period_key"] == key)]
    start, end = period_bounds(key, ctx.period)
    ratio = float(row["duration_ratio"])
    strength = float(row["share"]) / params.max_share
    args: dict[str, int | float] = {"visits": int(row["relative"]), "total": int(row["total"]),
                                    "share_pct": round(100 * float(row["share"]), 1)}
    if np.isfinite(ratio):
        args["duration_ratio"] = round(ratio, 2)
        strength = max(strength, ratio / params.min_duration_excess)
    return FindingDraft(
        supplier_id=int(supplier_id),
        period_start=start,
        period_end=end,
        strength=max(1.0, strength),
        detail={"key": KIND if np.isfinite(ratio) else _SHARE, "args": args},
        evidence={"visit_ids": evidence_ids(group["visit_id"]), "staff_ids": evidence_ids(group["staff_id"])},
    )
