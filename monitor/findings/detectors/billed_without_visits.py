"""billed_without_visits: a supplier billed a service for a month in which it registered no visit of it.

Invoice lines (`monitor import invoices`) are summed per supplier, service type and month (a
credit note cancels what it corrects). Only service types the time-registration system
registers at all (some supplier has a visit of it) are judged, and only months the visit data
covers (`min_month_coverage`): services billed outside that system, and months before the
first imported visits, say nothing.

Unlike billed_vs_registered, a partly covered month is judged: that rule compares amounts of
time, which a missing day skews, while this one asks whether there was any visit at all, and
none in most of a month is telling whatever the uncovered days held.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.billing import as_args, covered_months, net_billing, registered_hours, registered_services
from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds

KIND = "billed_without_visits"
PERIOD = "month"
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "Fakturerade {service} för {month} ({hours:timme|timmar}, {amount} kr) utan ett enda registrerat besök",
        f"{KIND}:many": "Fakturerade {amount} kr för insatser utan registrerade besök "
                        "({findings:insats och månad|insatser och månader})",
    },
    "en": {
        KIND: "Billed {service} for {month} ({hours:hour|hours}, {amount} SEK) without a single registered visit",
        f"{KIND}:many": "Billed {amount} SEK for services without registered visits "
                        "({findings:service and month|services and months})",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_amount: float = Field(
        1_000.0, ge=0, description="Flag billing of at least this many kronor (net) in the month."
    )
    min_month_coverage: float = Field(
        0.8, gt=0, le=1, description="Judge a month only when this share of its days has registered visits.",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    billed = net_billing(ctx)
    if billed.empty:
        return []
    registered = registered_hours(ctx)
    services = registered_services(ctx)
    months = covered_months(ctx, params.min_month_coverage)
    drafts = []
    for row in billed.itertuples(index=False):
        if row.month_key not in months or row.service not in services or row.amount < max(params.min_amount, 0.01):
            continue
        if (int(row.supplier_id), row.service, int(row.month_key)) in registered:
            continue
        start, end = period_bounds(row.month_key, "month")
        hours = float(row.hours) if row.hours == row.hours else 0.0  # NaN: billed by units or a fee
        args = {**as_args(row), "hours": round(hours, 1), "amount": round(float(row.amount))}
        drafts.append(FindingDraft(
            supplier_id=int(row.supplier_id), period_start=start, period_end=end, strength=1.0,
            detail={"key": KIND, "args": args}, evidence={"invoice_ids": row.invoice_ids},
        ))
    return drafts
