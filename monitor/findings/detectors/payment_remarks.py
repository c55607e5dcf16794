"""payment_remarks: new payment remarks ("betalningsanmärkningar") or a rising amount of them between two snapshots.

Read from the company-facts snapshots (`monitor import registry`): each pair of consecutive
snapshots of a contracted supplier is compared, and a pair with at least `min_new_remarks`
more remarks, or an amount at least `min_amount_rise` kronor higher, is a finding naming both
dates. Remarks that stay as they were are not new evidence.
"""

from __future__ import annotations

import itertools

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import contracts_in_scope, days_span, registry_history

KIND = "payment_remarks"
PERIOD = None
EVIDENCE_CLASS = "statistical"
MESSAGES = {
    "sv": {
        KIND: "Betalningsanmärkningar {before} → {after} och belopp {amount_before} → {amount_after} kr "
              "mellan {first} och {last}",
        f"{KIND}:many": "Betalningsanmärkningar ökade vid {findings} registeruttag (upp till "
                        "{max_remarks:anmärkning|anmärkningar}, {max_amount} kr)",
    },
    "en": {
        KIND: "Payment remarks {before} → {after} and amount {amount_before} → {amount_after} SEK "
              "between {first} and {last}",
        f"{KIND}:many": "Payment remarks rose in {findings:register snapshot|register snapshots} (up to "
                        "{max_remarks:remark|remarks}, {max_amount} SEK)",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_new_remarks: int = Field(1, ge=1, description="Flag at least this many more remarks than the snapshot before.")
    min_amount_rise: float = Field(
        10_000.0, gt=0, description="Or flag an amount of remarks at least this many kronor above the snapshot before."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    history = registry_history(ctx)
    drafts = []
    for contract in contracts_in_scope(ctx):
        known = [s for s in history.get(contract.org_number, [])
                 if s.payment_remarks is not None or s.payment_remarks_amount is not None]
        for before, after in itertools.pairwise(known):
            if not contract.runs_on(after.snapshot_date):
                continue
            new = (after.payment_remarks or 0) - (before.payment_remarks or 0)
            rise = (after.payment_remarks_amount or 0.0) - (before.payment_remarks_amount or 0.0)
            if new < params.min_new_remarks and rise < params.min_amount_rise:
                continue
            start, end = days_span(before.snapshot_date, after.snapshot_date)
            args = {
                "before": before.payment_remarks or 0, "after": after.payment_remarks or 0,
                "new_remarks": max(new, 0),
                "amount_before": round(before.payment_remarks_amount or 0.0),
                "amount_after": round(after.payment_remarks_amount or 0.0),
                "first": before.snapshot_date.isoformat(), "last": after.snapshot_date.isoformat(),
                # For the sentence over several findings, which shows the largest, not a sum.
                "max_remarks": after.payment_remarks or 0, "max_amount": round(after.payment_remarks_amount or 0.0),
            }
            drafts.append(FindingDraft(
                supplier_id=contract.supplier_id, period_start=start, period_end=end,
                strength=float(max(1, new)), detail={"key": KIND, "args": args},
                evidence={"snapshots": [before.snapshot_date.isoformat(), after.snapshot_date.isoformat()]},
            ))
    return drafts
