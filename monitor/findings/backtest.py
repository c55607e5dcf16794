"""`monitor rules test`: what a rule, as it stands in its file now, would flag, beside what is stored.

The analyst changes a threshold and wants to see the effect before it goes live. This runs
the rule over the evidence and compares its findings with the stored findings of the same
rule id from the latest scoring run, per supplier and period. It only reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, select

from monitor.findings.detectors import FindingDraft
from monitor.findings.evaluate import run_rule
from monitor.findings.evidence import Evidence
from monitor.findings.periods import Period
from monitor.findings.rules import Rule
from monitor.findings.window import lookback_days
from monitor.models import Finding, Supplier
from monitor.runs import findings_of_run, latest_run

Status = Literal["new", "changed", "unchanged", "gone"]
STATUSES: tuple[Status, ...] = ("new", "changed", "unchanged", "gone")


@dataclass(frozen=True)
class BacktestRow:
    status: Status
    org_number: str
    name: str
    period_start: datetime
    period_end: datetime
    strength: float
    stored_strength: float | None
    detail: dict[str, Any]
    evidence: dict[str, list[str]]


@dataclass
class Backtest:
    rule: Rule
    run_id: int | None  # the scoring run compared against; None if nothing was ever scored
    stored_versions: list[str]
    rows: list[BacktestRow]

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def flagged(self) -> list[BacktestRow]:
        return [r for r in self.rows if r.status != "gone"]


def backtest_rule(
    conn: Connection, rule: Rule, since: datetime | None = None, until: datetime | None = None,
    scoring_rules: list[Rule] | None = None, outlier_period: Period | None = None,
) -> Backtest:
    """The rule's findings now whose period overlaps [since, until), against the stored ones.

    Without --since/--until the window is the one the latest scoring run judged. The rule reads
    the evidence of the window and of its lookback: its own, or with `scoring_rules` (and the
    peer comparison's `outlier_period`) the scoring run's, the longest of all, so a finding that
    spans the window's edge (a run of manual weeks, a week cut in half by --since) is judged on
    the same evidence as `monitor score` judges it."""
    latest = latest_run(conn)
    if latest is not None:
        since = since or latest.window_start
        until = until or latest.window_end
    readers = [*(scoring_rules or []), rule.model_copy(update={"enabled": True})]
    back = timedelta(days=lookback_days(readers, outlier_period, since))
    evidence = Evidence(conn, since=since - back if since is not None else None, until=until)
    drafts = [
        d for d in run_rule(evidence, rule)
        if (since is None or d.period_end > since) and (until is None or d.period_start < until)
    ]
    run_id, stored = _stored_findings(conn, rule, since, until)
    suppliers = {
        r.id: (r.org_number, r.name)
        for r in conn.execute(select(Supplier.__table__.c.id, Supplier.__table__.c.org_number,  # type: ignore[attr-defined]
                                     Supplier.__table__.c.name))  # type: ignore[attr-defined]
    }
    by_key: dict[tuple[int, datetime, datetime], list[Any]] = {}
    for row in stored:
        by_key.setdefault((row.supplier_id, row.period_start, row.period_end), []).append(row)
    rows: list[BacktestRow] = []
    seen: set[tuple[int, datetime, datetime]] = set()
    for draft in drafts:
        key = (draft.supplier_id, draft.period_start, draft.period_end)
        seen.add(key)
        before = by_key.get(key, [])
        if not before:
            status: Status = "new"
        elif any(b.evidence == draft.evidence and math.isclose(b.strength, draft.strength) for b in before):
            # Same evidence under a new rule version is still the same finding to the reader.
            status = "unchanged"
        else:
            status = "changed"
        rows.append(_row(status, draft, suppliers[draft.supplier_id],
                         sum(b.strength for b in before) if before else None))
    for key, before in by_key.items():
        if key not in seen:
            first = before[0]
            rows.append(BacktestRow("gone", *suppliers[first.supplier_id], first.period_start, first.period_end,
                                    0.0, sum(b.strength for b in before), first.detail, first.evidence))
    rows.sort(key=lambda r: (STATUSES.index(r.status), r.org_number, r.period_start))
    versions = sorted({r.rule_version for r in stored})
    return Backtest(rule, run_id, versions, rows)


def _row(status: Status, draft: FindingDraft, supplier: tuple[str, str], stored: float | None) -> BacktestRow:
    return BacktestRow(status, supplier[0], supplier[1], draft.period_start, draft.period_end, draft.strength,
                       stored, draft.detail, draft.evidence)


def _stored_findings(
    conn: Connection, rule: Rule, since: datetime | None, until: datetime | None
) -> tuple[int | None, list[Any]]:
    f = Finding.__table__.c  # type: ignore[attr-defined]
    run = latest_run(conn)
    if run is None:
        return None, []
    run_id = run.id
    query = findings_of_run(run_id).where(f.rule_id == rule.id)
    # A stored finding is in the window if its period overlaps it.
    if since is not None:
        query = query.where(f.period_end > since)
    if until is not None:
        query = query.where(f.period_start < until)
    return run_id, list(conn.execute(query))
