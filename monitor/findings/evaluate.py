"""Runs rules over the evidence and stores what they find, idempotently."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from monitor.db import utcnow
from monitor.findings.detectors import DETECTORS, FindingDraft
from monitor.findings.evidence import Evidence, RuleContext
from monitor.findings.rules import Rule
from monitor.findings.window import ScoringWindow
from monitor.labels import fold_label
from monitor.models import Finding, RunFinding, Supplier
from monitor.timings import Timings

logger = logging.getLogger(__name__)


@dataclass
class EvaluationSummary:
    findings_total: int = 0
    findings_new: int = 0


def fingerprint(rule: Rule, draft: FindingDraft) -> str:
    """Same rule version + same evidence and numbers -> same fingerprint, so re-scoring adds
    nothing. The detail is part of it: evidence lists are capped, and a finding whose counts
    grew must be stored anew rather than keep its first numbers."""
    blob = json.dumps(
        [rule.id, rule.version, draft.supplier_id, draft.period_start.isoformat(),
         draft.period_end.isoformat(), json_safe(draft.evidence), json_safe(draft.detail)],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def rule_context(evidence: Evidence, rule: Rule) -> RuleContext:
    supplier_ids = None
    if rule.scope.contract_areas:
        s = Supplier.__table__.c  # type: ignore[attr-defined]
        areas = {fold_label(a) for a in rule.scope.contract_areas}
        rows = evidence.conn.execute(select(s.id, s.contract_area)).all()
        supplier_ids = frozenset(r.id for r in rows if fold_label(r.contract_area) in areas)
    service_types = frozenset(rule.scope.service_types) if rule.scope.service_types else None
    return RuleContext(evidence, rule.effective_period or "week", supplier_ids, service_types)


def run_rule(source: Connection | Evidence, rule: Rule, window: ScoringWindow | None = None) -> list[FindingDraft]:
    """What the rule finds in the evidence now, within `window` if given; writes nothing."""
    evidence = source if isinstance(source, Evidence) else Evidence(source)
    drafts = DETECTORS[rule.kind].detect(rule_context(evidence, rule), rule.effective_params)
    if window is None:
        return drafts
    # The lookback is read to judge the window, not judged itself.
    return [d for d in drafts if window.judges(d.period_start, d.period_end)
            or (d.ongoing and d.period_start < window.end)]


def json_safe(value: Any) -> Any:
    """Plain JSON values: numpy numbers become Python ones, NaN and infinity become null
    (PostgreSQL's JSONB refuses them, and one bad number must not lose a whole scoring run)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def store_findings(
    conn: Connection, rule: Rule, drafts: list[FindingDraft], run_id: int
) -> EvaluationSummary:
    table = Finding.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "fingerprint": fingerprint(rule, d),
            "rule_id": rule.id,
            "rule_version": rule.version,
            "supplier_id": d.supplier_id,
            "period_start": d.period_start,
            "period_end": d.period_end,
            "severity": rule.severity,
            "title": str(rule.title),
            "strength": d.strength,
            "weight": rule.weight,
            "detail": json_safe({**d.detail, "ongoing": True} if d.ongoing else d.detail),
            "evidence": json_safe(d.evidence),
            "first_seen_run_id": run_id,
            "last_seen_run_id": run_id,
            "created_at": utcnow(),
        }
        for d in drafts
    ]
    if not rows:
        return EvaluationSummary()
    known = set(
        conn.execute(
            select(table.c.fingerprint).where(table.c.fingerprint.in_([r["fingerprint"] for r in rows]))
        ).scalars()
    )
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        # The title is not part of the rule version, so a renamed rule renames its findings.
        index_elements=["fingerprint"],
        set_={"last_seen_run_id": stmt.excluded.last_seen_run_id, "title": stmt.excluded.title},
    )
    conn.execute(stmt, rows)
    # The run keeps its own list: a later run (a back-fill of last quarter, say) that sees the
    # same finding again must not take it away from this run's scores and explanations.
    ids = conn.execute(
        select(table.c.id).where(table.c.fingerprint.in_({r["fingerprint"] for r in rows}))
    ).scalars()
    conn.execute(insert(RunFinding.__table__), [{"run_id": run_id, "finding_id": i} for i in ids])  # type: ignore[attr-defined]
    return EvaluationSummary(len(rows), sum(r["fingerprint"] not in known for r in rows))


def evaluate_rules(
    conn: Connection, rules: list[Rule], run_id: int, on_rule: Callable[[Rule], None] | None = None,
    evidence: Evidence | None = None, window: ScoringWindow | None = None, timings: Timings | None = None,
    suppliers: frozenset[int] | None = None,
) -> EvaluationSummary:
    """Run every enabled rule and store its findings in `window` (all of them without one);
    `on_rule` is told as each one starts. With `suppliers` (a group scored on its own), only
    those suppliers' findings are stored: rules that read registers or invoices see everyone."""
    summary = EvaluationSummary()
    evidence = evidence or Evidence(conn)  # loaded once, shared by every rule
    for rule in rules:
        if not rule.enabled:
            continue
        if on_rule is not None:
            on_rule(rule)
        started = time.perf_counter()
        drafts = run_rule(evidence, rule, window)
        if suppliers is not None:
            drafts = [d for d in drafts if d.supplier_id in suppliers]
        stored = store_findings(conn, rule, drafts, run_id)
        summary.findings_total += stored.findings_total
        summary.findings_new += stored.findings_new
        seconds = time.perf_counter() - started
        if timings is not None:
            timings.rule(rule.id, seconds)
        logger.info("Evaluated rule rule_id=%s findings=%d new=%d seconds=%.2f", rule.id, stored.findings_total,
                    stored.findings_new, seconds)
    return summary

