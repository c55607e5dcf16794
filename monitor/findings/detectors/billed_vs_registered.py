"""billed_vs_registered: a supplier billed more hours for a service in a month than its staff registered.

Invoice lines (`monitor import invoices`) are summed per supplier, service type and month, so a
credit note cancels what it corrects; the registered time is the sum of the same supplier's
visits of that service type in that month. Billed hours more than `tolerance` above the
registered ones, and at least `min_excess_hours` more, are a finding. Months the visit data
does not cover (see `min_month_coverage`) are not judged, nor a service with no registered
visit at all that month (the billed_without_visits rule's case).

An invoice is for the whole month, so in a month the visit data covers only partly (visits
from the 5th: 27 of 31 days) the registered hours are scaled up to the whole month before the
comparison (54 hours on 27 days count as 62), and the finding says so; compared unscaled, an
honest supplier billing the whole month would look 15 % over.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.billing import as_args, covered_months, month_coverage, net_billing, registered_hours
from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds

KIND = "billed_vs_registered"
PERIOD = "month"
EVIDENCE_CLASS = "direct"
MESSAGES = {
    "sv": {
        KIND: "Fakturerade {billed_hours:timme|timmar} {service} för {month} men registrerade {registered_hours} "
              "({hours_over:timme|timmar}, {over_pct} % över; tolerans {tolerance_pct} %)",
        f"{KIND}:scaled": "Fakturerade {billed_hours:timme|timmar} {service} för {month} men registrerade "
                          "{registered_hours} på de {covered_days} av månadens {month_days:dag|dagar} som "
                          "besöksdata täcker, {expected_hours} uppräknat till hela månaden "
                          "({hours_over:timme|timmar}, {over_pct} % över; tolerans {tolerance_pct} %)",
        f"{KIND}:many": "Fakturerade {hours_over:timme|timmar} mer än registrerat för "
                        "{findings:insats och månad|insatser och månader} (upp till {over_pct} % över)",
    },
    "en": {
        KIND: "Billed {billed_hours:hour|hours} of {service} for {month} but registered {registered_hours} "
              "({hours_over:hour|hours}, {over_pct}% over; tolerance {tolerance_pct}%)",
        f"{KIND}:scaled": "Billed {billed_hours:hour|hours} of {service} for {month} but registered "
                          "{registered_hours} on the {covered_days} of the month's {month_days:day|days} the visit "
                          "data covers, {expected_hours} scaled to the whole month "
                          "({hours_over:hour|hours}, {over_pct}% over; tolerance {tolerance_pct}%)",
        f"{KIND}:many": "Billed {hours_over:hour|hours} more than registered for "
                        "{findings:service and month|services and months} (up to {over_pct}% over)",
    },
}
for _language in MESSAGES.values():
    _language[f"{KIND}:scaled:many"] = _language[f"{KIND}:many"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    tolerance: float = Field(
        0.1, ge=0, le=10, description="Billed hours may exceed the registered ones by this share (0.1: 10 %).",
    )
    min_excess_hours: float = Field(5.0, ge=0, description="Flag only when at least this many hours are billed beyond.")
    min_month_coverage: float = Field(
        0.8, gt=0, le=1, description="Judge a month only when this share of its days has registered visits.",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    billed = net_billing(ctx)
    if billed.empty:
        return []
    registered = registered_hours(ctx)
    months = covered_months(ctx, params.min_month_coverage)
    coverage = month_coverage(ctx)
    drafts = []
    for row in billed.itertuples(index=False):
        if row.month_key not in months or not row.hours > 0:
            continue
        hours, visits = registered.get((int(row.supplier_id), row.service, int(row.month_key)), (0.0, 0))
        covered_days, month_days = coverage[int(row.month_key)]
        # The invoice covers the whole month: compare it with the whole month's registered time.
        expected = hours * month_days / covered_days
        excess = float(row.hours) - expected
        if visits == 0 or excess <= expected * params.tolerance or excess < params.min_excess_hours:
            continue
        start, end = period_bounds(row.month_key, "month")
        args = {
            **as_args(row),
            "billed_hours": round(float(row.hours), 1),
            "registered_hours": round(hours, 1),
            "excess_hours": round(excess, 1),
            # Summed in the sentence over several findings (an arg ending in _hours shows the largest).
            "hours_over": round(excess, 1),
            "visits": visits,
            "over_pct": round(100 * excess / expected, 1),
            "tolerance_pct": round(100 * params.tolerance, 1),
        }
        key = KIND
        if covered_days < month_days:
            key = f"{KIND}:scaled"
            args.update(covered_days=covered_days, month_days=month_days, expected_hours=round(expected, 1))
        drafts.append(FindingDraft(
            supplier_id=int(row.supplier_id), period_start=start, period_end=end,
            strength=float(row.hours) / (expected * (1 + params.tolerance)),
            detail={"key": key, "args": args}, evidence={"invoice_ids": row.invoice_ids},
        ))
    return drafts
