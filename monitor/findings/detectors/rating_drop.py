"""rating_drop: a supplier's credit rating falls by several steps between two snapshots.

Read from the company-facts snapshots (`monitor import registry`). The rating scale is the
credit-information service's, best first (`scale`); ratings not on it are skipped. Each
snapshot is compared with the one before it that has a rating; a fall of at least `min_steps`
steps while the contract runs is a finding naming both dates and both ratings.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import contracts_in_scope, days_span, registry_history

KIND = "rating_drop"
PERIOD = None
EVIDENCE_CLASS = "statistical"
MESSAGES = {
    "sv": {
        KIND: "Kreditbetyget föll från {before} till {after} ({steps:steg|steg}) mellan {first} och {last}",
        f"{KIND}:many": "Kreditbetyget föll {findings:gång|gånger}, senast till {after}",
    },
    "en": {
        KIND: "The credit rating fell from {before} to {after} ({steps:step|steps}) between {first} and {last}",
        f"{KIND}:many": "The credit rating fell {findings:time|times}, lately to {after}",
    },
}


def _rating(value: Any) -> Any:
    """A numeric rating (YAML reads `[5, 4, 3]` as ints) as the text the register gives; the
    strict model would refuse the documented example otherwise. A bool (YAML's yes/no) stays
    refused: it is no rating."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    scale: list[Annotated[str, BeforeValidator(_rating)]] = Field(
        ["AAA", "AA", "A", "B", "C"], min_length=2,
        description="The ratings, best first (case-insensitive); e.g. [5, 4, 3, 2, 1] for a risk class.",
    )
    min_steps: int = Field(2, ge=1, description="Flag a fall of at least this many steps on the scale.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    place = {str(rating).strip().casefold(): i for i, rating in enumerate(params.scale)}
    history = registry_history(ctx)
    drafts = []
    for contract in contracts_in_scope(ctx):
        rated = [s for s in history.get(contract.org_number, [])
                 if s.credit_rating and s.credit_rating.strip().casefold() in place]
        for before, after in itertools.pairwise(rated):
            steps = place[after.credit_rating.strip().casefold()] - place[before.credit_rating.strip().casefold()]
            if steps < params.min_steps or not contract.runs_on(after.snapshot_date):
                continue
            start, end = days_span(before.snapshot_date, after.snapshot_date)
            args = {"before": before.credit_rating, "after": after.credit_rating, "steps": steps,
                    "first": before.snapshot_date.isoformat(), "last": after.snapshot_date.isoformat()}
            drafts.append(FindingDraft(
                supplier_id=contract.supplier_id, period_start=start, period_end=end,
                strength=steps / params.min_steps, detail={"key": KIND, "args": args},
                evidence={"snapshots": [before.snapshot_date.isoformat(), after.snapshot_date.isoformat()]},
            ))
    return drafts
