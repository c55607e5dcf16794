"""permit_missing: a supplier in a contract area that requires an IVO permit, with no valid permit in IVO's register.

Read from the IVO register snapshots (`monitor import permits`). Which contract areas need a
permit is the rule's `areas` (HVB, LSS and stödboende by default; hemtjänst needs none). A
supplier in such an area whose contract runs on the date of its latest snapshot, and which
has no permit with status valid in that snapshot (none listed, or only revoked or expired
ones), is a finding: from the last snapshot in which it had a valid permit (or the latest,
if none did) to the latest. Without any permit snapshot imported nothing is judged.

A supplier's latest snapshot is the later of the latest one listing it and the latest full
one (listing more than one organisation): a look-up of one company on a later date says
nothing about the others, while a full export that no longer lists a supplier does.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import contracts_in_scope, days_span, folded, permit_snapshots
from monitor.labels import fold_label

KIND = "permit_missing"
PERIOD = None
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "Inget giltigt IVO-tillstånd i registret {latest} för avtalsområdet {area} "
              "(tillstånd i registret: {listed}; senast giltigt {last_valid})",
        f"{KIND}:many": "Inget giltigt IVO-tillstånd för avtalsområdet {area}",
    },
    "en": {
        KIND: "No valid IVO permit in the register on {latest} for the contract area {area} "
              "(permits listed: {listed}; last valid on {last_valid})",
        f"{KIND}:many": "No valid IVO permit for the contract area {area}",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    areas: list[str] = Field(
        ["HVB", "LSS", "Stödboende"], min_length=1,
        description="Contract areas whose suppliers need a valid IVO permit (case-insensitive).",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    snapshots = permit_snapshots(ctx)
    if not snapshots:
        return []
    areas = folded(params.areas)
    # A one-company look-up (one organisation) is no snapshot of anyone else's permits.
    latest_full = max((day for day, by_org in snapshots.items() if len(by_org) > 1), default=None)
    drafts = []
    for contract in contracts_in_scope(ctx):
        own = [day for day, by_org in snapshots.items() if contract.org_number in by_org]
        latest = max([*own, *([latest_full] if latest_full else [])], default=max(snapshots))
        if fold_label(contract.area) not in areas or not contract.runs_on(latest):
            continue
        listed = snapshots[latest].get(contract.org_number, [])
        if any(p.status == "valid" for p in listed):
            continue
        last_valid = max((day for day, by_org in snapshots.items()
                          if any(p.status == "valid" for p in by_org.get(contract.org_number, []))), default=None)
        start, end = days_span(last_valid or latest, latest)
        args = {
            "area": contract.area,
            "latest": latest.isoformat(),
            "listed": ", ".join(f"{p.unit} ({p.status})" for p in listed) or "—",
            "last_valid": last_valid.isoformat() if last_valid else "—",
        }
        drafts.append(FindingDraft(
            supplier_id=contract.supplier_id, period_start=start, period_end=end, strength=1.0,
            detail={"key": KIND, "args": args},
            evidence={"snapshots": sorted({latest.isoformat(), *([last_valid.isoformat()] if last_valid else [])})},
            ongoing=True,  # judged on the supplier's latest snapshot: holds until a newer one lists a permit
        ))
    return drafts
