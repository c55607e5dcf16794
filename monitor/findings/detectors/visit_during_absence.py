"""visit_during_absence: visits registered while the client was in hospital, after the client
died or after the client moved away.

Nobody can be visited at home in those times, so each such visit is a registration for work
that was not done. A visit counts when it overlaps the absence by at least
`min_overlap_minutes`, or lies wholly inside it (a five-minute visit during a hospital stay is
still impossible): a visit that morning before admission, or after discharge the same day, is
not flagged.

A death or move is open-ended; a hospital stay without an end is still going on. An event
given as a date without a time was imported as local midnight (and a date-only end as the
next midnight); the hour of admission, death or moving is then unknown, so by default that
day is left out (`date_only_grace`) rather than flag the carer who came in the morning.
A real time of exactly 00:00 is read the same way.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import is_local_midnight, local_days, local_midnights

KIND = "visit_during_absence"
PERIOD = "week"
Event = Literal["hospitalized", "deceased", "moved_out"]
EVENTS: tuple[Event, ...] = ("hospitalized", "deceased", "moved_out")
# Detail arg per event: numbers only, so no client data can reach an email.
_EVENT_ARGS = {"hospitalized": "hospital_visits", "deceased": "after_death_visits", "moved_out": "after_move_visits"}
MESSAGES = {
    "sv": {
        KIND: "{visits} besök registrerade när brukaren var inlagd på sjukhus ({hospital_visits}), "
              "avliden ({after_death_visits}) eller utflyttad ({after_move_visits})",
        f"{KIND}:many": "{visits} besök registrerade när brukaren var inlagd på sjukhus ({hospital_visits}), "
                        "avliden ({after_death_visits}) eller utflyttad ({after_move_visits})",
    },
    "en": {
        KIND: "{visits} visits registered while the client was in hospital ({hospital_visits}), "
              "deceased ({after_death_visits}) or moved away ({after_move_visits})",
        f"{KIND}:many": "{visits} visits registered while the client was in hospital ({hospital_visits}), "
                        "deceased ({after_death_visits}) or moved away ({after_move_visits})",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_overlap_minutes: float = Field(
        15.0, ge=0,
        description="A visit counts if this much of it falls inside the absence (or all of it does).",
    )
    events: list[Event] = Field(
        default_factory=lambda: list(EVENTS),
        description="Which client events count as absence: hospitalized, deceased, moved_out.",
    )
    date_only_grace: bool = Field(
        True,
        description="Leave out the day of an event given without a time (admission, death, move, discharge).",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    events = ctx.evidence.client_events
    events = events[events["event"].isin(params.events)]
    if events.empty:
        return []
    visits = ctx.visits()
    visits = visits.loc[
        visits["client_ref"].isin(events["client_ref"]),
        ["visit_id", "supplier_id", "staff_id", "client_ref", "registered_start", "registered_end"],
    ]
    if visits.empty:
        return []
    begins, ends = _absence_bounds(events, params.date_only_grace)
    absences = pd.DataFrame({"client_ref": events["client_ref"].to_numpy(), "event": events["event"].to_numpy(),
                             "absent_from": begins, "absent_to": ends})
    pairs = visits.merge(absences, on="client_ref")
    start, end = pairs["registered_start"].to_numpy(), pairs["registered_end"].to_numpy()
    absent_from, absent_to = pairs["absent_from"].to_numpy(), pairs["absent_to"].to_numpy()
    overlap = np.minimum(end, absent_to) - np.maximum(start, absent_from)
    inside = (start >= absent_from) & (end <= absent_to)
    hit = inside | ((overlap > 0) & (overlap >= params.min_overlap_minutes * 60))
    hits = pairs[hit]
    return group_drafts(hits, ctx.period, KIND, _args, strength=lambda g: g["visit_id"].nunique())


def _absence_bounds(events: pd.DataFrame, date_only_grace: bool) -> tuple[np.ndarray, np.ndarray]:
    """Absence intervals as epoch seconds; the end is +inf while it lasts."""
    begins = events["start"].to_numpy(dtype="float64").copy()
    ends = events["end"].to_numpy(dtype="float64").copy()
    # A death has no end; a move or stay may (moving back, discharge).
    ends[(events["event"] == "deceased").to_numpy() | np.isnan(ends)] = np.inf
    if date_only_grace:
        # By local day, not 86,400 s: the day after the autumn clock change begins 25 hours later.
        begins_at_midnight = is_local_midnight(begins)
        begins[begins_at_midnight] = local_midnights(local_days(begins[begins_at_midnight]) + 1)
        ends_at_midnight = is_local_midnight(ends)
        ends[ends_at_midnight] = local_midnights(local_days(ends[ends_at_midnight]) - 1)
    return begins, ends


def _args(group: pd.DataFrame) -> dict[str, int]:
    args = {"visits": int(group["visit_id"].nunique())}
    for event, name in _EVENT_ARGS.items():
        args[name] = int(group.loc[group["event"] == event, "visit_id"].nunique())
    return args
