"""visit_during_absence: visits registered while the client was in hospital, after the client
died or after the client moved away.

Nobody can be visited at home in those times, so each such visit is a registration for work
that was not done. A visit counts when it overlaps the absence by at least
`min_overlap_minutes`, or lies wholly inside it (a five-minute visit during a hospital stay is
still impossible): a visit that morning before admission, or after discharge the same day, is
not flagged.

A death is open-ended, whatever end the export gives; a move or a hospital stay ends when
its end says (moving back, discharge) and without one is still going on. An event given as a
date without a time was imported as local midnight (and a date-only end as the next
midnight); the hour of admission, death, moving or discharge is then unknown, so by default
that day is left out (`date_only_grace`) rather than flag the carer who came in the morning.
A real time of exactly 00:00 is read the same way.

The `absent_client_visit_share` metric (threshold rules, the peer comparison) counts the same
visits as this rule at its default parameters: one definition,
monitor.findings.visit_signs.absent_visit_pairs.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import group_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.visit_signs import ABSENCE_EVENTS, ABSENCE_MIN_OVERLAP_MINUTES, AbsenceEvent, absent_visit_pairs

KIND = "visit_during_absence"
PERIOD = "week"
# The client was in hospital, dead or moved away: the visit cannot have happened as registered.
EVIDENCE_CLASS = "direct"
# Detail arg per event: numbers only, so no client data can reach an email.
_EVENT_ARGS = {"hospitalized": "hospital_visits", "deceased": "after_death_visits", "moved_out": "after_move_visits"}
MESSAGES = {
    "sv": {
        KIND: "{visits} besök registrerade när brukaren var [eller: inlagd på sjukhus ({hospital_visits}) ;; "
              "avliden ({after_death_visits}) ;; utflyttad ({after_move_visits})]",
        f"{KIND}:many": "{visits} besök registrerade när brukaren var [eller: inlagd på sjukhus ({hospital_visits}) ;; "
                        "avliden ({after_death_visits}) ;; utflyttad ({after_move_visits})]",
    },
    "en": {
        KIND: "{visits:visit|visits} registered while the client was [or: in hospital ({hospital_visits}) ;; "
              "deceased ({after_death_visits}) ;; moved away ({after_move_visits})]",
        f"{KIND}:many": "{visits:visit|visits} registered while the client was [or: in hospital ({hospital_visits}) ;; "
                        "deceased ({after_death_visits}) ;; moved away ({after_move_visits})]",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_overlap_minutes: float = Field(
        ABSENCE_MIN_OVERLAP_MINUTES, ge=0,
        description="A visit counts if this much of it falls inside the absence (or all of it does).",
    )
    events: list[AbsenceEvent] = Field(
        default_factory=lambda: list(ABSENCE_EVENTS),
        description="Which client events count as absence: hospitalized, deceased, moved_out.",
    )
    date_only_grace: bool = Field(
        True,
        description="Leave out the day of an event given without a time (admission, death, move, discharge).",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    pairs = absent_visit_pairs(visits, ctx.evidence.client_events, params.events, params.min_overlap_minutes,
                               params.date_only_grace)
    if pairs.empty:
        return []
    columns = ["visit_id", "supplier_id", "staff_id", "registered_start"]
    hits = visits[columns].iloc[pairs["row"].to_numpy()].assign(event=pairs["event"].to_numpy())
    return group_drafts(hits, ctx.period, KIND, _args, strength=lambda g: g["visit_id"].nunique())


def _args(group: pd.DataFrame) -> dict[str, int]:
    args = {"visits": int(group["visit_id"].nunique())}
    for event, name in _EVENT_ARGS.items():
        args[name] = int(group.loc[group["event"] == event, "visit_id"].nunique())
    return args
