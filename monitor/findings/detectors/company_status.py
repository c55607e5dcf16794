"""company_status: a supplier in liquidation, bankruptcy or another status that ends a company, while its contract runs.

Read from the company-facts snapshots (`monitor import registry`): one finding per spell of
snapshots in a watched status while the contract was in force, from the last snapshot before
it (the status it left) to the latest in it. The finding names both dates and both statuses.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import contracts_in_scope, days_span, registry_history

KIND = "company_status"
PERIOD = None
EVIDENCE_CLASS = "direct"
Status = Literal["liquidation", "bankruptcy", "reconstruction", "deregistered"]
_WORDS = {
    "sv": {"active": "aktivt", "liquidation": "i likvidation", "bankruptcy": "i konkurs",
           "reconstruction": "under rekonstruktion", "deregistered": "avregistrerat", "unknown": "okänd"},
    "en": {"active": "active", "liquidation": "in liquidation", "bankruptcy": "bankrupt",
           "reconstruction": "in reconstruction", "deregistered": "deregistered", "unknown": "unknown"},
}
MESSAGES: dict[str, dict[str, str]] = {"sv": {}, "en": {}}
for _status in ("liquidation", "bankruptcy", "reconstruction", "deregistered"):
    MESSAGES["sv"][f"{KIND}:{_status}"] = (f"Bolaget är {_WORDS['sv'][_status]} enligt registret {{since}} "
                                           "under pågående avtal (var {previous_sv} {previous_on})")
    MESSAGES["en"][f"{KIND}:{_status}"] = (f"The company is {_WORDS['en'][_status]} in the register since "
                                           "{since} while the contract runs (was {previous_en} on {previous_on})")
    MESSAGES["sv"][f"{KIND}:{_status}:many"] = ("Bolaget är i likvidation, konkurs eller avregistrerat "
                                                "under pågående avtal")
    MESSAGES["en"][f"{KIND}:{_status}:many"] = ("The company is in liquidation, bankrupt or deregistered "
                                                "while the contract runs")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    statuses: list[Status] = Field(
        ["liquidation", "bankruptcy", "deregistered"], min_length=1,
        description="The company statuses to flag: liquidation, bankruptcy, reconstruction, deregistered.",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    history = registry_history(ctx)
    watched = set(params.statuses)
    drafts = []
    for contract in contracts_in_scope(ctx):
        previous: Any = None
        spell: list[Any] = []
        for snapshot in [*history.get(contract.org_number, []), None]:
            status = snapshot.company_status if snapshot is not None else None
            if snapshot is not None and status is None:
                continue
            if spell and (snapshot is None or status != spell[0].company_status):
                if any(contract.runs_on(s.snapshot_date) for s in spell):
                    # A spell still running at the latest snapshot holds until a newer one says otherwise.
                    drafts.append(_draft(contract.supplier_id, previous, spell, ongoing=snapshot is None))
                # The status the next spell left is this one (liquidation, then bankruptcy),
                # not the last unwatched status before both.
                previous, spell = spell[-1], []
            if snapshot is None:
                break
            if status in watched:
                spell.append(snapshot)
            else:
                previous = snapshot
    return drafts


def _draft(supplier_id: int, previous: Any, spell: list[Any], ongoing: bool) -> FindingDraft:
    first, last = spell[0].snapshot_date, spell[-1].snapshot_date
    start, end = days_span(previous.snapshot_date if previous is not None else first, last)
    before = previous.company_status if previous is not None else "unknown"
    args = {
        "since": first.isoformat(),
        "latest": last.isoformat(),
        "previous_on": previous.snapshot_date.isoformat() if previous is not None else "—",
        "previous_sv": _WORDS["sv"].get(before, before),
        "previous_en": _WORDS["en"].get(before, before),
    }
    dates = {d.isoformat() for d in (first, last)} | ({previous.snapshot_date.isoformat()} if previous else set())
    return FindingDraft(supplier_id=supplier_id, period_start=start, period_end=end, strength=1.0,
                        detail={"key": f"{KIND}:{spell[0].company_status}", "args": args},
                        evidence={"snapshots": sorted(dates)}, ongoing=ongoing)
