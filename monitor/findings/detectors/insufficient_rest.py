"""insufficient_rest: a staff id with too short a rest between shifts, or too long a shift.

Swedish law asks for 11 hours of daily rest ("dygnsvila"). Visits are only part of a shift
(travel, handover and notes come on top), so the default `min_rest_hours` is 9. A staff id
registered with shorter rests is either overworked or several people (category plan:
"orimliga arbetstider").

A staff id's visits make one shift until a gap (from the latest end so far to the next start)
of at least `shift_break_hours`; the gap between two shifts is the rest. Two signs:
- a rest shorter than `min_rest_hours` (an evening until 21:00 and a morning from 05:00),
  when the two shifts and the rest between them span more than 24 hours less `min_rest_hours`,
  so no full rest fits in that day; dated by the later shift's start; its evidence is the visit
  that ended the earlier shift and the one that began the later;
- a shift longer than `max_shift_hours` from first start to last end, dated by its start,
  with all its visits as evidence.
Shifts are not calendar days on purpose: a night shift 22:15-06:00 is one shift, and a split
shift (07:00-11:00 and 16:00-20:00, "delad tur") has a break of 5 hours, below the default
`shift_break_hours` of 6, so it is one shift of 13 hours rather than a short rest. A break of
6 to 9 hours within a short day (07:00-07:20, then 13:45-14:05) spans 7 hours and leaves the
night's rest whole: not flagged. A day 07:00-13:00 and an evening 20:00-23:00 after a
7-hour break span 16 hours: flagged, since at most 8 hours of that day are left for rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.sequences import previous_reach, sequence_frame

KIND = "insufficient_rest"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("staff_key",)
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "[och: {rests:tillfälle|tillfällen} med kortare vila än {threshold_rest_hours:timme|timmar} mellan två "
              "arbetspass ;; {shifts:arbetspass|arbetspass} längre än {threshold_shift_hours:timme|timmar}] "
              "({staff:anställd|anställda})",
        f"{KIND}:many": "[och: {rests:tillfälle|tillfällen} med kortare vila än {threshold_rest_hours:timme|timmar} "
                        "mellan två arbetspass ;; {shifts:arbetspass|arbetspass} längre än "
                        "{threshold_shift_hours:timme|timmar}] under {findings:period|perioder}",
    },
    "en": {
        KIND: "[and: {rests:rest|rests} shorter than {threshold_rest_hours:hour|hours} between two shifts ;; "
              "{shifts:shift|shifts} longer than {threshold_shift_hours:hour|hours}] ({staff:staff member|staff})",
        f"{KIND}:many": "[and: {rests:rest|rests} shorter than {threshold_rest_hours:hour|hours} between two shifts ;; "
                        "{shifts:shift|shifts} longer than {threshold_shift_hours:hour|hours}] in "
                        "{findings:period|periods}",
    },
}
_EPSILON_S = 1e-3


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_rest_hours: float = Field(9.0, gt=0, description="Shortest believable rest between two shifts (hours).")
    shift_break_hours: float = Field(
        6.0, gt=0, description="A gap between visits at least this long (hours) ends a shift; shorter ones are breaks "
                               "within it (at most min_rest_hours)."
    )
    max_shift_hours: float = Field(
        16.0, gt=0, description="Longest believable shift (first start to last end, hours)."
    )

    @model_validator(mode="after")
    def _break_within_rest(self) -> Params:
        if self.shift_break_hours > self.min_rest_hours:
            raise ValueError("shift_break_hours must not exceed min_rest_hours: no rest could then be too short")
        return self


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    frame = ctx.derived("sequence", sequence_frame)
    if frame.empty:
        return []
    keys = frame["staff_key"].to_numpy()
    starts, ends = frame["registered_start"].to_numpy(), frame["registered_end"].to_numpy()
    reach, holder = previous_reach(keys, ends)
    rest = starts - reach  # NaN for a staff id's first visit
    # NaN compares False, so a staff id's first visit begins a shift.
    begins = ~(rest < params.shift_break_hours * 3600 - _EPSILON_S)
    shift = np.cumsum(begins) - 1
    begin = starts[begins][shift]
    shift_end = pd.Series(ends).groupby(shift, sort=True).max().to_numpy()
    length = shift_end[shift] - begin
    long_shift = length > params.max_shift_hours * 3600 + _EPSILON_S
    short = np.flatnonzero(begins & (rest < params.min_rest_hours * 3600 - _EPSILON_S))
    # A long pause inside a short working day (a morning visit, then one after lunch) is not a
    # missed rest: only a short rest between two shifts that together with it fill more than a
    # day less the minimum rest leaves no full rest in that day.
    shift_begin = starts[begins]
    span = shift_end[shift[short]] - shift_begin[shift[short] - 1]
    short = short[span > (24 - params.min_rest_hours) * 3600 + _EPSILON_S]
    if not long_shift.any() and short.size == 0:
        return []
    columns = ["supplier_id", "visit_id", "staff_id"]
    long_rows = np.flatnonzero(long_shift)
    # Events: a short rest (the visits either side of it) or a long shift (all its visits).
    hits = pd.concat([
        pd.DataFrame({
            **{c: frame[c].to_numpy()[np.concatenate([holder[short], short])] for c in columns},
            "event": np.tile(short, 2), "rest": True, "at": np.tile(starts[short], 2),
        }),
        pd.DataFrame({
            **{c: frame[c].to_numpy()[long_rows] for c in columns},
            "event": len(frame) + shift[long_rows], "rest": False, "at": begin[long_rows],
        }),
    ], ignore_index=True)

    def args(group: pd.DataFrame) -> dict[str, float | int]:
        events = group.drop_duplicates("event")
        return {
            "rests": int(events["rest"].sum()),
            "shifts": int((~events["rest"]).sum()),
            "staff": int(group["staff_id"].nunique()),
            "threshold_rest_hours": params.min_rest_hours,
            "threshold_shift_hours": params.max_shift_hours,
        }

    return group_drafts(hits, ctx.period, KIND, args, strength=lambda g: g["event"].nunique(), at="at")
