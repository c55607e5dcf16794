"""purchases_outside_contract: money billed by a registered supplier for a month outside its
contract period, or for another contract area than its own.

Invoice lines (`monitor import invoices`) are summed per supplier and month, credit notes
included. A line is outside the contract when its month lies wholly before the contract's
start or after its end, or when the invoice names a contract area that is not the supplier's.
At least `min_amount` kronor outside in a month is a finding. Spend with suppliers that are
not in the register at all cannot be a supplier's finding: the weekly digest sums it per
month with the share within contract ("leverantörstrohet").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.billing import lines_in_scope, month_label
from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds
from monitor.findings.purchases import outside_reason
from monitor.findings.registers import all_contracts

KIND = "purchases_outside_contract"
PERIOD = "month"
EVIDENCE_CLASS = "statistical"
MESSAGES = {
    "sv": {
        KIND: "Köp utanför avtalet för {month}: [och: {period_amount} kr utanför avtalsperioden ;; "
              "{area_amount} kr för annat avtalsområde ({areas})]",
        f"{KIND}:many": "Köp utanför avtalet: {amount} kr under {findings:månad|månader}",
    },
    "en": {
        KIND: "Purchases outside the contract for {month}: [and: {period_amount} SEK outside the contract period ;; "
              "{area_amount} SEK for another contract area ({areas})]",
        f"{KIND}:many": "Purchases outside the contract: {amount} SEK over {findings:month|months}",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_amount: float = Field(1_000.0, ge=0, description="Flag a month with at least this many kronor (net) outside.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    lines = lines_in_scope(ctx)
    if lines.empty:
        return []
    contracts = {c.supplier_id: c for c in all_contracts(ctx).values()}
    reasons = [outside_reason(contracts[int(r.supplier_id)], r.period, r.contract_area)
               for r in lines.itertuples(index=False)]
    outside = lines.assign(reason=reasons)
    outside = outside[outside["reason"].notna()]
    drafts = []
    for (supplier_id, key), group in outside.groupby(["supplier_id", "month_key"], sort=True):
        by_reason = group.groupby("reason")["amount"].sum()
        amount = float(by_reason.sum())
        if amount < max(params.min_amount, 0.01):
            continue
        start, end = period_bounds(key, "month")
        areas = sorted({str(a) for a in group.loc[group["reason"] == "area", "contract_area"]})
        args = {"month": month_label(key), "amount": round(amount),
                "period_amount": round(float(by_reason.get("period", 0.0))),
                "area_amount": round(float(by_reason.get("area", 0.0))), "areas": ", ".join(areas) or "—"}
        drafts.append(FindingDraft(
            supplier_id=int(supplier_id), period_start=start, period_end=end, strength=1.0,
            detail={"key": KIND, "args": args},
            evidence={"invoice_ids": sorted({str(i) for i in group["invoice_id"]})},
        ))
    return drafts
