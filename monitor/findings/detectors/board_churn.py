"""board_churn: a supplier's board members or signatories replaced many times in a short time,
or people from the board of a supplier whose contract was cancelled.

Read from the company-facts snapshots (`monitor import registry`); people are compared by
their pseudonyms, never by name or personnummer. Between two consecutive snapshots a
replacement is a person who left or joined, whichever count is larger (one member swapped
for another is one replacement). More than `max_replacements` within the `months` before the
latest snapshot is a finding naming the first and last snapshot compared: one board change
is ordinary, a board replaced three times in a year is a sign of a company passed between
front men. A snapshot that lists no one is left out rather than read as everyone leaving, and
the board and the signatories are compared only where both snapshots of a pair list them: a
snapshot giving only the signatories is not the whole board leaving.

With `linked_to_cancelled`, a person on the supplier's board (or a signatory) in its latest
snapshot who was on the board of another supplier whose contract the municipality cancelled
(`contract_cancelled` in the supplier register) is a finding too, naming that supplier.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import all_contracts, contracts_in_scope, days_span, people, registry_history

KIND = "board_churn"
PERIOD = None
EVIDENCE_CLASS = "statistical"
DAYS_PER_MONTH = 30.44
MESSAGES = {
    "sv": {
        KIND: "Styrelse och firmatecknare byttes {replacements:gång|gånger} mellan {first} och {last} "
              "({snapshots} registeruttag; gräns {max_replacements} på {months} mån)",
        f"{KIND}:many": "Styrelse och firmatecknare byttes upprepade gånger ({replacements:byte|byten})",
        f"{KIND}:linked": "{people:person|personer} i styrelsen {last} satt i styrelsen för {other_name} "
                          "({other_org}), vars avtal hävts",
        f"{KIND}:linked:many": "Personer i styrelsen satt i styrelsen för {findings:leverantör|leverantörer} "
                               "vars avtal hävts",
    },
    "en": {
        KIND: "Board members and signatories replaced {replacements:time|times} between {first} and {last} "
              "({snapshots:register snapshot|register snapshots}; limit {max_replacements} in {months:month|months})",
        f"{KIND}:many": "Board members and signatories replaced repeatedly ({replacements:change|changes})",
        f"{KIND}:linked": "{people:person|people} on the board on {last} sat on the board of {other_name} "
                          "({other_org}), whose contract was cancelled",
        f"{KIND}:linked:many": "People on the board sat on the boards of {findings:supplier|suppliers} whose "
                               "contract was cancelled",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_replacements: int = Field(2, ge=0, description="Flag more replacements than this within `months`.")
    months: int = Field(12, ge=1, le=120, description="How far before the latest snapshot replacements are counted.")
    linked_to_cancelled: bool = Field(
        True, description="Also flag people who sat on the board of a supplier whose contract was cancelled.",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    history = registry_history(ctx)
    drafts = []
    cancelled = _cancelled_boards(ctx, history) if params.linked_to_cancelled else {}
    for contract in contracts_in_scope(ctx):
        listed = [s for s in history.get(contract.org_number, []) if people(s)]
        if not listed:
            continue
        latest = listed[-1]
        churn = _churn(listed, latest.snapshot_date - timedelta(days=params.months * DAYS_PER_MONTH))
        if churn is not None and churn[0] > params.max_replacements:
            replacements, compared = churn
            first, last = compared[0].snapshot_date, compared[-1].snapshot_date
            start, end = days_span(first, last)
            args = {"replacements": replacements, "snapshots": len(compared), "first": first.isoformat(),
                    "last": last.isoformat(), "max_replacements": params.max_replacements, "months": params.months}
            drafts.append(FindingDraft(
                supplier_id=contract.supplier_id, period_start=start, period_end=end,
                strength=replacements / (params.max_replacements + 1), detail={"key": KIND, "args": args},
                evidence={"snapshots": sorted({s.snapshot_date.isoformat() for s in compared})},
            ))
        for org, (name, board) in sorted(cancelled.items()):
            shared = people(latest) & board
            if org == contract.org_number or not shared:
                continue
            start, end = days_span(latest.snapshot_date, latest.snapshot_date)
            args = {"people": len(shared), "last": latest.snapshot_date.isoformat(), "other_name": name,
                    "other_org": org}
            drafts.append(FindingDraft(
                supplier_id=contract.supplier_id, period_start=start, period_end=end, strength=float(len(shared)),
                detail={"key": f"{KIND}:linked", "args": args},
                evidence={"snapshots": [latest.snapshot_date.isoformat()], "org_numbers": [org]},
            ))
    return drafts


def _churn(listed: list[Any], since: date) -> tuple[int, list[Any]] | None:
    """Replacements between consecutive snapshots from the last one before `since` on, and the
    snapshots compared; None with fewer than two."""
    first = max((i for i, s in enumerate(listed) if s.snapshot_date <= since), default=0)
    compared = listed[first:]
    if len(compared) < 2:
        return None
    replacements = 0
    for before, after in itertools.pairwise(compared):
        was, now = _listed_in_both(before, after), _listed_in_both(after, before)
        replacements += max(len(was - now), len(now - was))
    return replacements, compared


def _listed_in_both(snapshot: Any, other: Any) -> frozenset[str]:
    """The people of `snapshot` on the lists (board, signatories) that both snapshots give.

    The lists are joined afterwards so that one person who is both member and signatory is
    one replacement, not two.
    """
    refs: set[str] = set()
    for field in ("board_refs", "signatory_refs"):
        if getattr(snapshot, field) and getattr(other, field):
            refs.update(getattr(snapshot, field))
    return frozenset(refs)


def _cancelled_boards(ctx: RuleContext, history: dict[str, list[Any]]) -> dict[str, tuple[str, frozenset[str]]]:
    """Suppliers whose contract was cancelled: org number -> (name, everyone ever on their board)."""
    boards = {}
    for org, contract in all_contracts(ctx).items():
        if contract.cancelled:
            everyone = frozenset().union(*(people(s) for s in history.get(org, [])))
            if everyone:
                boards[org] = (contract.name, everyone)
    return boards
