"""exact_planned_times: suppliers whose registered times equal the planned ones to the minute.

Real visits start and end a few minutes off plan: traffic, a client who needs more or less
help. Registrations that copy the plan for most visits suggest times typed in after the fact
(or generated) rather than recorded at the door. Only visits with planned times count, on
either side of the share. A time matches when it falls in the planned minute (seconds within
it still match), the same comparison as the `exact_planned_share` metric
(monitor.findings.visit_signs.exact_planned_mask).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import share_drafts
from monitor.findings.evidence import RuleContext
from monitor.findings.visit_signs import exact_planned_mask

KIND = "exact_planned_times"
PERIOD = "week"
MESSAGES = {
    "sv": {
        KIND: "{visits} av {total} besök ({share_pct} %) har registrerad start och slut exakt lika planerade "
              "(gräns {threshold_pct} %)",
        f"{KIND}:many": "{visits} av {total} besök har registrerad start och slut exakt lika planerade, "
                        "som mest {share_pct} % (gräns {threshold_pct} %)",
    },
    "en": {
        KIND: "{visits} of {total:visit|visits} ({share_pct}%) have registered start and end exactly as planned "
              "(threshold {threshold_pct}%)",
        f"{KIND}:many": "{visits} of {total:visit|visits} have registered start and end exactly as planned, "
                        "at most {share_pct}% (threshold {threshold_pct}%)",
    },
}



class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_share: float = Field(
        0.5, ge=0, le=1, description="Flag when at least this share of visits match the plan to the minute."
    )
    min_visits: int = Field(30, ge=1, description="Visits with planned times a supplier needs in a period.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    exact, eligible = exact_planned_mask(visits)
    return share_drafts(visits, exact, ctx.period, KIND, params.max_share, params.min_visits,
                        eligible=eligible)
