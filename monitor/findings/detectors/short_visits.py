"""short_visits: suppliers with a high share of visits only a few minutes long.

A carer who taps in and out at the door without doing the work leaves very short visits. Some
visits are short by design, though: a night check ("nattillsyn") planned at ten minutes often
takes five. So when the plan is known, a visit is short only if it is also well under its
planned length (`planned_fraction`); without a plan, the minutes alone decide.

Two other numbers count short visits differently, on purpose. The `short_visit_share` metric
counts every visit under 5 minutes whatever its plan: it describes an operating model (a
night patrol's checks), not a risk, and is context in the peer comparison. The peer
comparison's `short_of_plan_share` counts visits under 5 minutes planned at 15 minutes or
more (or without a plan), leaving out every short plan rather than comparing with it: a
night patrol's four-minute checks of ten planned, a sixth of its visits, stay under this
rule's threshold share but would make it the most unusual supplier among its peers. With a
`planned_fraction` so large that it excludes no visit, this rule counts what the metric
counts (one definition: monitor.findings.visit_signs.short_visit_mask).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import share_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.visit_signs import SHORT_VISIT_MINUTES, short_visit_mask

KIND = "short_visits"
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "{visits} av {total} besök ({share_pct} %) var kortare än {threshold_minutes} min "
              "(gräns {threshold_pct} %)",
        f"{KIND}:many": "{visits} av {total} besök var kortare än {threshold_minutes} min, som mest {share_pct} % "
                        "(gräns {threshold_pct} %)",
    },
    "en": {
        KIND: "{visits} of {total:visit|visits} ({share_pct}%) were shorter than {threshold_minutes} min "
              "(threshold {threshold_pct}%)",
        f"{KIND}:many": "{visits} of {total:visit|visits} were shorter than {threshold_minutes} min, at most "
                        "{share_pct}% "
                        "(threshold {threshold_pct}%)",
    },
}



class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_minutes: float = Field(
        SHORT_VISIT_MINUTES, gt=0, description="A visit shorter than this (registered minutes) is short."
    )
    planned_fraction: float = Field(
        0.5, gt=0,
        description="With a known plan, a visit is short only if also under this fraction of its planned minutes.",
    )
    max_share: float = Field(0.25, ge=0, le=1, description="Flag when at least this share of visits are short.")
    min_visits: int = Field(30, ge=1, description="Visits a supplier needs in a period to be judged.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    short, eligible = short_visit_mask(visits, params.min_minutes, params.planned_fraction)
    return share_drafts(
        visits, short, ctx.period, KIND, params.max_share, params.min_visits,
        eligible=eligible,
        extra_args=lambda _matching, _group: {"threshold_minutes": params.min_minutes},
    )
