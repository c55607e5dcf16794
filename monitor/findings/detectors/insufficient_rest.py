"""insufficient_rest: a staff id working too long without a proper rest.

Swedish law asks for 11 hours of daily rest ("dygnsvila"). Visits are only part of a shift
(travel, handover and notes come on top), so the default `min_rest_hours` is 9. A staff id
that is registered without such a rest for long stretches is either overworked or several
people (category plan: "orimliga arbetstider").

A working stretch is a staff id's run of visits in which no gap (from the latest end so far
to the next start) reaches `min_rest_hours`; it is flagged when it lasts more than
`max_shift_hours` from its first start to its last end. This is the same as "a rest between
two shifts below min_rest_hours" for ordinary shifts (evening 15:00-22:30 and morning from
07:00 make a 24-hour stretch), and "a single shift longer than max_shift_hours" is a
stretch by itself. It is not built on calendar days or on short breaks on purpose:
- a night shift 22:15-06:00 is one stretch, not a late day followed by an early one;
- a split shift (07:00-11:00 and 16:00-20:00, "delad tur") has a break of 5 hours that is no
  daily rest, yet is no violation: the day is 13 hours and the night's rest follows.
  Flagging every break between 4 and 9 hours as too short a rest would flag all of these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.sequences import previous_reach, sequence_frame

KIND = "insufficient_rest"
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "{shifts} arbetspass längre än {threshold_shift_hours} timmar utan minst {threshold_rest_hours} "
              "timmars vila (som mest {max_shift_hours} timmar, {staff} personal)",
        f"{KIND}:many": "{shifts} arbetspass under {findings} perioder längre än {threshold_shift_hours} timmar "
                        "utan minst {threshold_rest_hours} timmars vila (som mest {max_shift_hours} timmar)",
    },
    "en": {
        KIND: "{shifts} stretches of work longer than {threshold_shift_hours} hours without a rest of "
              "{threshold_rest_hours} hours (at most {max_shift_hours} hours, {staff} staff)",
        f"{KIND}:many": "{shifts} stretches of work in {findings} periods longer than {threshold_shift_hours} "
                        "hours without a rest of {threshold_rest_hours} hours (at most {max_shift_hours} hours)",
    },
}
_EPSILON_S = 1e-3


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_rest_hours: float = Field(
        9.0, gt=0, description="A gap between visits this long (hours) is a daily rest; shorter ones are breaks."
    )
    max_shift_hours: float = Field(
        16.0, gt=0, description="Longest believable stretch (first start to last end, hours) without a daily rest."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    frame = sequence_frame(ctx.visits())
    if frame.empty:
        return []
    keys = frame["staff_key"].to_numpy()
    starts, ends = frame["registered_start"].to_numpy(), frame["registered_end"].to_numpy()
    reach, _ = previous_reach(keys, ends)
    # NaN reach (a staff id's first visit) compares False, so it begins a stretch.
    rested = ~(starts - reach < params.min_rest_hours * 3600 - _EPSILON_S)
    stretch = np.cumsum(rested)
    grouped = pd.Series(ends).groupby(stretch, sort=False)
    begin = pd.Series(starts).groupby(stretch, sort=False).transform("min").to_numpy()
    length = grouped.transform("max").to_numpy() - begin
    flagged = length > params.max_shift_hours * 3600 + _EPSILON_S
    if not flagged.any():
        return []
    hits = frame.loc[flagged, ["supplier_id", "visit_id", "staff_id"]].copy()
    hits["stretch"] = stretch[flagged]
    hits["hours"] = length[flagged] / 3600
    hits["at"] = begin[flagged]  # a stretch belongs to the period it began in

    def args(group: pd.DataFrame) -> dict[str, float | int]:
        return {
            "shifts": int(group["stretch"].nunique()),
            "staff": int(group["staff_id"].nunique()),
            "max_shift_hours": round(float(group["hours"].max()), 1),
            "threshold_shift_hours": params.max_shift_hours,
            "threshold_rest_hours": params.min_rest_hours,
        }

    return group_drafts(hits, ctx.period, KIND, args, strength=lambda g: g["stretch"].nunique(), at="at")
