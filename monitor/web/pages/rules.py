"""Regler: the rules in force, how many suppliers each flagged per scoring run, and how the
alerts standing on each were decided (confirmed vs dismissed: the rule's precision)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from monitor.alerts.states import CONFIRMED, DISMISSED, evidence_kinds
from monitor.findings.rules import load_rules
from monitor.models import Alert, ScoringRun
from monitor.ranking.explain import TEXTS as EXPLAIN_TEXTS
from monitor.runs import rule_hit_rates
from monitor.web.auth import Identity, require
from monitor.web.context import render, web_of

router = APIRouter()
RUNS_SHOWN = 8


@dataclass
class RuleRow:
    id: str
    title: str
    kind: str
    severity: str
    weight: float
    enabled: bool
    hits: list[int]
    confirmed: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return self.confirmed / decided if decided else None


def verdicts(conn: Connection) -> dict[str, tuple[int, int]]:
    """Per rule id: alerts confirmed and dismissed that stood on the rule (a dismissed alert by
    what it stood on when dismissed)."""
    a = Alert.__table__.c  # type: ignore[attr-defined]
    out: dict[str, list[int]] = {}
    for row in conn.execute(select(a.state, a.reasons, a.dismissed_kinds).where(a.state.in_((CONFIRMED, DISMISSED)))):
        kinds = row.dismissed_kinds if row.state == DISMISSED and row.dismissed_kinds else evidence_kinds(row.reasons)
        for kind in kinds:
            if kind.startswith("rule:"):
                counts = out.setdefault(kind.removeprefix("rule:"), [0, 0])
                counts[0 if row.state == CONFIRMED else 1] += 1
    return {rule: (c, d) for rule, (c, d) in out.items()}


@router.get("/rules")
def rules_page(request: Request, identity: Annotated[Identity, Depends(require("viewer"))]) -> Response:
    web = web_of(request)
    rules = load_rules(web.settings.resolved("rules_dir"))
    runs = ScoringRun.__table__.c  # type: ignore[attr-defined]
    with web.engine.connect() as conn:
        run_ids = list(conn.execute(select(runs.id).where(runs.finished_at.is_not(None), runs.backfill.is_(False))
                                    .order_by(runs.id.desc()).limit(RUNS_SHOWN)).scalars())[::-1]
        hits = [rule_hit_rates(conn, run_id)[0] for run_id in run_ids]
        decided = verdicts(conn)
    # Severities in `monitor explain`'s words.
    sev = EXPLAIN_TEXTS.for_language(web.language)
    rows = [RuleRow(r.id, r.title.in_language(web.language), r.kind, sev(f"sev_{r.severity}"), r.weight, r.enabled,
                    [h.get(r.id, 0) for h in hits], *decided.get(r.id, (0, 0))) for r in rules]
    return render(request, "rules.html", rules=rows, run_ids=run_ids)
