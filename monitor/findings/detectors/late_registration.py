"""late_registration: visits registered (entered or last edited) long after they ended.

A registration typed in a day or more after the visit is a memory, not a record, and a
common way to add visits that never happened. Entering a manual registration an hour or two
later, or confirming a shift's visits at its end, is normal and stays well under the default
24 hours. Only visits whose export has `recorded_at` are judged; a supplier whose system
does not export it yields nothing. The `late_registration_share` metric counts the same visits
at the default delay (monitor.findings.visit_signs.late_registration_mask).

The share is judged per supplier (a finding is one supplier-period at or above `max_share`)
and, within a finding, per staff member: staff whose own late share is at least `max_share`,
among at least `min_staff_visits` of their visits with a recorded time, are counted in the
detail (`late_staff`) and listed in the evidence as `late_staff_ids`, highest share first
(ties by id), at most EVIDENCE_LIMIT of them. The evidence also names the staff with the most
late registrations (`top_staff_ids`, most late first) and every staff id involved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import EVIDENCE_LIMIT, share_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import Period, period_bounds, period_keys
from monitor.findings.visit_signs import LATE_REGISTRATION_HOURS, late_registration_mask

KIND = "late_registration"
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "{visits} av {total} besök ({share_pct} %) registrerades mer än {threshold_hours:timme|timmar} i "
              "efterhand, "
              "av {staff:anställd|anställda} (gräns {threshold_pct} %)[if: ; {late_staff:anställd|anställda} "
              "hade själva minst "
              "{threshold_pct} % sena registreringar]",
        f"{KIND}:many": "{visits} av {total} besök registrerades mer än {threshold_hours:timme|timmar} i efterhand, "
                        "som mest {share_pct} % (gräns {threshold_pct} %)",
    },
    "en": {
        KIND: "{visits} of {total:visit|visits} ({share_pct}%) were registered more than "
              "{threshold_hours:hour|hours} later, "
              "by {staff:staff member|staff} (threshold {threshold_pct}%)[if: ; {late_staff:staff member|staff} "
              "had at least "
              "{threshold_pct}% of their own registrations late]",
        f"{KIND}:many": "{visits} of {total:visit|visits} were registered more than "
                        "{threshold_hours:hour|hours} later, "
                        "at most {share_pct}% (threshold {threshold_pct}%)",
    },
}



class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_delay_hours: float = Field(
        LATE_REGISTRATION_HOURS, ge=0,
        description="A registration recorded more than this long after the visit ended is late.",
    )
    max_share: float = Field(0.1, ge=0, le=1, description="Flag when at least this share of visits are late.")
    min_visits: int = Field(30, ge=1, description="Visits with a recorded time a supplier needs in a period.")
    min_staff_visits: int = Field(
        10, ge=1,
        description="Visits with a recorded time a staff member needs in a period before their own share is judged.",
    )
    top_staff: int = Field(
        5, ge=0, le=EVIDENCE_LIMIT, description="How many staff with the most late registrations to name first."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    late, eligible = late_registration_mask(visits, params.max_delay_hours)
    late_staff: dict[tuple[int, datetime], list[str]] = {}  # filled per flagged supplier-period

    def extra_args(matching: pd.DataFrame, group: pd.DataFrame) -> dict[str, float | int]:
        staff_ids = _late_staff(group, params)
        at = (int(group["supplier_id"].iloc[0]), period_bounds(group["period_key"].iloc[0], ctx.period)[0])
        late_staff[at] = staff_ids[:EVIDENCE_LIMIT]
        return {"staff": int(matching["staff_id"].nunique()), "threshold_hours": params.max_delay_hours,
                "late_staff": len(staff_ids)}

    drafts = share_drafts(visits, late, ctx.period, KIND, params.max_share, params.min_visits,
                          eligible=eligible, extra_args=extra_args)
    if not drafts:
        return drafts
    top = _top_staff(visits[late & eligible], ctx.period, params.top_staff) if params.top_staff else {}
    return [
        replace(d, evidence={
            **({"top_staff_ids": top[(d.supplier_id, d.period_start)]} if params.top_staff else {}),
            **d.evidence,
            "late_staff_ids": late_staff[(d.supplier_id, d.period_start)],
        })
        for d in drafts
    ]


def _late_staff(group: pd.DataFrame, params: Params) -> list[str]:
    """Staff ids of one supplier-period (share_drafts' group: visits with a recorded time, `_hit` when
    late) whose own late share reaches max_share over at least min_staff_visits visits, highest share
    first, ties by id."""
    per_staff = group.assign(staff_id=group["staff_id"].astype(str)).groupby("staff_id")["_hit"].agg(["sum", "count"])
    per_staff["share"] = per_staff["sum"] / per_staff["count"]
    late = per_staff[(per_staff["count"] >= params.min_staff_visits) & (per_staff["share"] >= params.max_share)
                     & (per_staff["sum"] > 0)]
    return late.reset_index().sort_values(["share", "staff_id"], ascending=[False, True])["staff_id"].tolist()


def _top_staff(late: pd.DataFrame, period: Period, limit: int) -> dict[tuple[int, datetime], list[str]]:
    """(supplier_id, period start) -> staff ids with the most late registrations, ties by id."""
    counts = (
        pd.DataFrame({"supplier_id": late["supplier_id"].to_numpy(),
                      "key": period_keys(late["registered_start"].to_numpy(dtype="float64"), period),
                      "staff_id": late["staff_id"].astype(str).to_numpy()})
        .value_counts()
        .rename("late")
        .reset_index()
        .sort_values(["supplier_id", "key", "late", "staff_id"], ascending=[True, True, False, True])
    )
    top = {}
    for (supplier_id, key), group in counts.groupby(["supplier_id", "key"], sort=False):
        top[(int(supplier_id), period_bounds(key, period)[0])] = group["staff_id"].head(limit).tolist()
    return top
