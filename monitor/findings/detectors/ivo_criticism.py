"""ivo_criticism: IVO decisions that criticised a supplier's unit.

Read from the IVO register snapshots (`monitor import permits`): each criticism (unit, date,
area) is one finding however many snapshots repeat it, from its date to the first snapshot
that showed it, so it names both. Criticism older than `lookback_days` before the latest
snapshot is left out; `areas` narrows it to some areas of criticism (all when empty).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import contracts_in_scope, days_span, folded, permit_snapshots
from monitor.labels import fold_label

KIND = "ivo_criticism"
PERIOD = None
EVIDENCE_CLASS = "statistical"
MESSAGES = {
    "sv": {
        KIND: "IVO kritiserade {unit} {criticised_on} ({area}), i registret {seen_on}",
        f"{KIND}:many": "IVO kritiserade verksamheten {findings:gång|gånger}",
    },
    "en": {
        KIND: "IVO criticised {unit} on {criticised_on} ({area}), in the register on {seen_on}",
        f"{KIND}:many": "IVO criticised the supplier's units {findings:time|times}",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    lookback_days: int = Field(
        365, ge=1, description="Criticism older than this before the latest snapshot is left out."
    )
    areas: list[str] = Field([], description="Areas of criticism to flag (case-insensitive); empty: every area.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    snapshots = permit_snapshots(ctx)
    if not snapshots:
        return []
    oldest = max(snapshots) - timedelta(days=params.lookback_days)
    areas = folded(params.areas)
    orgs = {c.org_number: c for c in contracts_in_scope(ctx)}
    first_seen: dict[tuple[str, str, date, str], date] = {}
    for day, by_org in snapshots.items():  # oldest first
        for org, permits in by_org.items():
            if org not in orgs:
                continue
            for p in permits:
                if p.criticism_date is None or p.criticism_date < oldest:
                    continue
                area = p.criticism_area or ""
                if areas and fold_label(area) not in areas:
                    continue
                first_seen.setdefault((org, p.unit, p.criticism_date, area), day)
    drafts = []
    for (org, unit, criticised_on, area), seen_on in sorted(first_seen.items(), key=str):
        start, end = days_span(criticised_on, seen_on)
        args = {"unit": unit, "criticised_on": criticised_on.isoformat(), "area": area or "—",
                "seen_on": seen_on.isoformat()}
        drafts.append(FindingDraft(
            supplier_id=orgs[org].supplier_id, period_start=start, period_end=end, strength=1.0,
            detail={"key": KIND, "args": args},
            evidence={"snapshots": [seen_on.isoformat()]},
        ))
    return drafts
