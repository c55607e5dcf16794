"""excessive_staff_hours: one staff id registered for more hours than a person can work.

More than `max_day_hours` of visits in a local calendar day, or `max_week_hours` in a local
ISO week (Monday-Sunday), suggests visits that did not happen or an id shared by several
people (category plan: "orimliga arbetstider").

How time is counted:
- A staff id's time is the union of its visits: overlapping registrations (an elderly couple
  visited together, a double registration) count once. Overlaps are staff_overlap's sign.
- A visit across midnight is split at local midnight, each day getting the minutes it
  covers, so a night shift 22:00-06:00 is 2 h on one day and 6 h on the next rather than 8 h
  on the first. Instants are UTC, so the autumn night's day has 25 real hours.
- A (broken) visit spanning more than eight local days counts for its first eight only.

Which period a hit belongs to: a long day to the period holding that day; a long week to
the period holding its Thursday (as ISO weeks belong to the year of their Thursday), so a
week across two months counts in one of them only. With a rule period of a day, only the
day limit is checked: a week is no part of one day.

The `hours_per_staff_day` metric measures hours differently, on purpose: it is a supplier's
mean, for the peer comparison, of billed time (each visit's whole length on the day it
starts, overlapping visits each counted), where this rule asks what one person's longest day
and week held. Without overlaps and visits across midnight the two agree: the metric is then
the mean of the days this rule adds up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import local_days, local_midnights, weekday
from monitor.findings.sequences import previous_reach, sequence_frame

KIND = "excessive_staff_hours"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("staff_key",)
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "{staff:anställd|anställda} registrerade fler timmar än en person hinner arbeta: som mest "
              "{max_day_hours:timme|timmar} "
              "på ett dygn och {max_week_hours:timme|timmar} på en vecka (gräns {threshold_day_hours} "
              "respektive {threshold_week_hours:timme|timmar})",
        f"{KIND}:many": "{staff:anställd|anställda} under {findings:period|perioder} registrerade fler timmar "
                        "än en person hinner "
                        "arbeta: som mest {max_day_hours:timme|timmar} på ett dygn och "
                        "{max_week_hours:timme|timmar} på en "
                        "vecka (gräns {threshold_day_hours} respektive {threshold_week_hours:timme|timmar})",
    },
    "en": {
        KIND: "{staff:staff member|staff} registered more hours than one person can work: up to "
              "{max_day_hours:hour|hours} in a "
              "day and {max_week_hours:hour|hours} in a week (limits {threshold_day_hours} and "
              "{threshold_week_hours:hour|hours})",
        f"{KIND}:many": "{staff:staff member|staff} in {findings:period|periods} registered more hours than one "
                        "person can work: up "
                        "to {max_day_hours:hour|hours} in a day and {max_week_hours:hour|hours} in a week (limits "
                        "{threshold_day_hours} and {threshold_week_hours:hour|hours})",
    },
}
_MAX_SPAN_DAYS = 8
_EPSILON_S = 1e-3


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_day_hours: float = Field(12.0, gt=0, description="Most visit hours believable for one staff id in a day.")
    max_week_hours: float = Field(
        60.0, gt=0, description="Most visit hours believable for one staff id in a week (Monday to Sunday)."
    )


def day_pieces(frame: pd.DataFrame) -> pd.DataFrame:
    """Each staff id's visit time, without overlaps, cut at local midnights.

    Columns: row (position in `frame`), staff_key, day (local day number), week (its
    Monday's day number), start, seconds.
    """
    keys = frame["staff_key"].to_numpy()
    starts, ends = frame["registered_start"].to_numpy(), frame["registered_end"].to_numpy()
    reach, _ = previous_reach(keys, ends)
    starts = np.fmax(starts, reach)  # time already covered by the staff's earlier visits counts once
    rows = np.flatnonzero(ends - starts > _EPSILON_S)
    starts, ends = starts[rows], ends[rows]
    first = local_days(starts)
    last = np.minimum(local_days(ends - _EPSILON_S), first + _MAX_SPAN_DAYS - 1)
    span = (last - first).astype(np.int64) + 1
    piece_row = np.repeat(np.arange(rows.size), span)
    offset = np.arange(piece_row.size) - np.repeat(np.cumsum(span) - span, span)
    day = first[piece_row] + offset
    piece_start = np.maximum(starts[piece_row], local_midnights(day))
    piece_end = np.minimum(ends[piece_row], local_midnights(day + 1))
    return pd.DataFrame({
        "row": rows[piece_row],
        "staff_key": keys[rows[piece_row]],
        "day": day,
        "week": day - weekday(day),
        "start": piece_start,
        "seconds": piece_end - piece_start,
    })


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    frame = ctx.derived("sequence", sequence_frame)
    if frame.empty:
        return []
    pieces = day_pieces(frame)
    pieces["day_hours"] = pieces.groupby(["staff_key", "day"], sort=False)["seconds"].transform("sum") / 3600
    pieces["week_hours"] = pieces.groupby(["staff_key", "week"], sort=False)["seconds"].transform("sum") / 3600
    pieces["long_day"] = pieces["day_hours"] > params.max_day_hours + _EPSILON_S
    weekly = ctx.period != "day"
    pieces["long_week"] = weekly & (pieces["week_hours"] > params.max_week_hours + _EPSILON_S)
    # A long week's hit rows are dated at its Thursday noon, local; a long day's at the piece.
    thursday_noon = local_midnights(pieces["week"].to_numpy() + 3) + 12 * 3600
    hits = pd.concat([
        pieces[pieces["long_day"]].assign(long_week=False, at=lambda p: p["start"]),
        pieces[pieces["long_week"]].assign(long_day=False, at=lambda p: thursday_noon[p.index]),
    ])
    if hits.empty:
        return []
    for column in ("supplier_id", "visit_id", "staff_id"):
        hits[column] = frame[column].to_numpy()[hits["row"].to_numpy()]

    def args(group: pd.DataFrame) -> dict[str, float | int]:
        return {
            "staff": int(group["staff_id"].nunique()),
            "max_day_hours": round(float(group["day_hours"].max()), 1),
            "max_week_hours": round(float(group["week_hours"].max()), 1),
            "threshold_day_hours": params.max_day_hours,
            "threshold_week_hours": params.max_week_hours,
        }

    def strength(group: pd.DataFrame) -> float:
        """Staff-days over the day limit plus staff-weeks over the week limit."""
        long_days = group.loc[group["long_day"], ["staff_key", "day"]].drop_duplicates()
        long_weeks = group.loc[group["long_week"], ["staff_key", "week"]].drop_duplicates()
        return float(len(long_days) + len(long_weeks))

    return group_drafts(hits, ctx.period, KIND, args, strength=strength, at="at")
