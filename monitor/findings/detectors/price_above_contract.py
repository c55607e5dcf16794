"""price_above_contract: a supplier billed a service above its contract price.

Invoice lines (`monitor import invoices`) that give a contract price are summed per supplier,
service type and month, credit notes included, and the net amount divided by the net hours
(or units, for a service billed by the piece): a price more than `tolerance` above the
contract price, with at least `min_excess_amount` kronor billed beyond it, is a finding. An
invoice corrected by a credit note is judged as corrected.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.billing import as_args, net_billing
from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds

KIND = "price_above_contract"
PERIOD = "month"
EVIDENCE_CLASS = "statistical"
MESSAGES = {
    "sv": {
        KIND: "{service} för {month} fakturerades för {price} kr per {unit} mot avtalets {contract_price} kr "
              "({excess_amount} kr över)",
        f"{KIND}:many": "Fakturerade {excess_amount} kr över avtalspriset ({findings:insats och månad|insatser och "
                        "månader})",
    },
    "en": {
        KIND: "{service} for {month} was billed at {price} SEK per {unit_en} against the contract's {contract_price} "
              "SEK ({excess_amount} SEK over)",
        f"{KIND}:many": "Billed {excess_amount} SEK above the contract price ({findings:month and "
                        "service|months and services})",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    tolerance: float = Field(0.02, ge=0, le=10, description="The price may exceed the contract price by this share.")
    min_excess_amount: float = Field(
        500.0, ge=0, description="Flag only when at least this many kronor are billed beyond."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    billed = net_billing(ctx)
    drafts = []
    for row in billed.itertuples(index=False):
        if not row.contract_price > 0:
            continue
        by_hours = row.hours == row.hours and row.hours > 0
        quantity = float(row.hours) if by_hours else float(row.units) if row.units > 0 else 0.0
        if quantity <= 0:
            continue
        price = float(row.amount) / quantity
        excess = float(row.amount) - quantity * float(row.contract_price)
        if price <= row.contract_price * (1 + params.tolerance) or excess < params.min_excess_amount:
            continue
        start, end = period_bounds(row.month_key, "month")
        args = {**as_args(row), "price": round(price, 2), "contract_price": round(float(row.contract_price), 2),
                "unit": "timme" if by_hours else "st", "unit_en": "hour" if by_hours else "unit",
                "excess_amount": round(excess),
                "max_price_ratio": round(price / float(row.contract_price), 3)}
        drafts.append(FindingDraft(
            supplier_id=int(row.supplier_id), period_start=start, period_end=end,
            strength=price / (float(row.contract_price) * (1 + params.tolerance)),
            detail={"key": KIND, "args": args}, evidence={"invoice_ids": row.invoice_ids},
        ))
    return drafts
