"""payment_remarks: new payment remarks ("betalningsanmärkningar") or a rising amount of them between two snapshots.

Read from the company-facts snapshots (`monitor import registry`): each pair of consecutive
snapshots of a contracted supplier is compared, and a pair with at least `min_new_remarks`
more remarks, or an amount at least `min_amount_rise` kronor higher, is a finding naming both
dates. Remarks that stay as they were are not new evidence.

The count and the amount are each compared only between snapshots that state it: an empty
value is unknown, not zero, so a snapshot giving only the count is no "0 → 60 000 kr" in the
amount. Where the two comparisons reach back to different snapshots, each rise is its own
finding over its own pair.
"""

from __future__ import annotations

from typing import Any

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
        f"{KIND}:count": "Betalningsanmärkningar {before} → {after} mellan {first} och {last}",
        f"{KIND}:amount": "Belopp för betalningsanmärkningar {amount_before} → {amount_after} kr "
                          "mellan {first} och {last}",
        f"{KIND}:many": "Betalningsanmärkningar ökade vid {findings} registeruttag (upp till "
                        "{max_remarks:anmärkning|anmärkningar}, {max_amount} kr)",
    },
    "en": {
        KIND: "Payment remarks {before} → {after} and amount {amount_before} → {amount_after} SEK "
              "between {first} and {last}",
        f"{KIND}:count": "Payment remarks {before} → {after} between {first} and {last}",
        f"{KIND}:amount": "Amount of payment remarks {amount_before} → {amount_after} SEK between {first} and {last}",
        f"{KIND}:many": "Payment remarks rose in {findings:register snapshot|register snapshots} (up to "
                        "{max_remarks:remark|remarks}, {max_amount} SEK)",
    },
}
for _language in MESSAGES.values():
    for _field in ("count", "amount"):
        _language[f"{KIND}:{_field}:many"] = _language[f"{KIND}:many"]


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
        # The latest earlier snapshot stating each field: what a later one is compared with.
        count_from: Any = None
        amount_from: Any = None
        for after in history.get(contract.org_number, []):
            count_before = count_from if after.payment_remarks is not None else None
            amount_before = amount_from if after.payment_remarks_amount is not None else None
            if after.payment_remarks is not None:
                count_from = after
            if after.payment_remarks_amount is not None:
                amount_from = after
            if not contract.runs_on(after.snapshot_date):
                continue
            new = after.payment_remarks - count_before.payment_remarks if count_before else 0
            rise = after.payment_remarks_amount - amount_before.payment_remarks_amount if amount_before else 0.0
            by_count, by_amount = new >= params.min_new_remarks, rise >= params.min_amount_rise
            if not (by_count or by_amount):
                continue
            latest = {"max_remarks": count_from.payment_remarks if count_from else 0,
                      "max_amount": round(amount_from.payment_remarks_amount) if amount_from else 0}
            if count_before is not None and count_before is amount_before:
                drafts.append(_draft(contract.supplier_id, KIND, count_before, after, new, latest))
                continue
            if by_count:
                drafts.append(_draft(contract.supplier_id, f"{KIND}:count", count_before, after, new, latest))
            if by_amount:
                drafts.append(_draft(contract.supplier_id, f"{KIND}:amount", amount_before, after, 0, latest))
    return drafts


def _draft(supplier_id: int, key: str, before: Any, after: Any, new: int, latest: dict[str, Any]) -> FindingDraft:
    """A finding comparing `before` with `after`; the args of a field the key does not compare are left out."""
    start, end = days_span(before.snapshot_date, after.snapshot_date)
    args: dict[str, Any] = {"first": before.snapshot_date.isoformat(), "last": after.snapshot_date.isoformat(),
                            # For the sentence over several findings, which shows the largest, not a sum.
                            **latest}
    if not key.endswith(":amount"):
        args.update(before=before.payment_remarks, after=after.payment_remarks, new_remarks=max(new, 0))
    if not key.endswith(":count"):
        args.update(amount_before=round(before.payment_remarks_amount),
                    amount_after=round(after.payment_remarks_amount))
    return FindingDraft(
        supplier_id=supplier_id, period_start=start, period_end=end,
        strength=float(max(1, new)), detail={"key": key, "args": args},
        evidence={"snapshots": [before.snapshot_date.isoformat(), after.snapshot_date.isoformat()]},
    )
